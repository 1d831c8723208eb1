/*
 * libFuzzer target: the server-certificate path. Mode byte (first input
 * byte): even, the rest is the server's stream, fed to the walk in
 * pieces of (byte >> 1) + 1 bytes, and a whole leaf goes to the cache
 * and the SNI check; odd, the rest is a DER certificate for the cache
 * directly. The cache is small, so eviction is exercised too.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct tls_cert_cache	*cc;
static struct tls_walk		 w;

static void
cert(const uint8_t *der, size_t len)
{
	const struct tls_cert	*c = tls_cert_get(cc, der, len);
	const char		*s;
	uint16_t		 i;

	if (c == NULL)
		return;
	(void)tls_cert_host_ok(cc, c, "gw.example.gov.vn");
	(void)tls_cert_host_ok(cc, c, "a.b.example.gov.vn");
	/* The SAN list's bounds, as the event writer walks it. */
	for (s = c->sans, i = 0; i < c->nsans; i++)
		s += strlen(s) + 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	seg, i, k;
	int	rc = TLS_WALK_MORE;

	if (cc == NULL)
		cc = tls_cert_cache_new(8);
	if (size < 1)
		return 0;
	if (data[0] & 1) {
		cert(data + 1, size - 1);
		return 0;
	}
	seg = (size_t)(data[0] >> 1) + 1;
	memset(&w, 0, sizeof(w));
	tls_walk_reset(&w);
	for (i = 1; i < size && rc == TLS_WALK_MORE; i += k) {
		k = size - i < seg ? size - i : seg;
		rc = tls_walk_feed(&w, data + i, k);
	}
	if (rc == TLS_WALK_CERT)
		cert(w.der, w.der_len);
	return 0;
}
