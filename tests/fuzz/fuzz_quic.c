/*
 * libFuzzer target: the QUIC client Initial path of one flow. The input
 * is datagrams, each a 2-byte big-endian length then its bytes. Mode
 * byte (first input byte): bit 0 clear, each datagram goes to
 * quic_datagram as it is (headers, lengths, garbage); set, each is the
 * plaintext frames of an Initial sealed here (v2 if bit 1 is set) so
 * the frame parser and the CRYPTO reassembly behind the decryption are
 * reached. A record's fingerprints and ALPN list are read as the event
 * writer reads them.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "quic.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct quic_ctx	*q;
static uint8_t		 pkt[17000];

static void
record(const struct app_tls *t)
{
	const char	*a = t->alpn;
	unsigned	 k;

	app_tls_fingerprints(t);
	for (k = 0; k < t->nalpn; k++)
		a += strlen(a) + 1;
	for (k = 0; k < t->nexts; k++)
		(void)app_tls_ext_name(t->exts[k]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t dcid[] = { 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51,
	    0x57, 0x08 };
	struct quic_flow *fs = NULL;
	struct app_stats st;
	struct app_tls	 t;
	size_t		 i = 1, len, n;
	uint8_t		 pn = 0;
	int		 rc = APP_MORE;

	if (q == NULL)
		q = quic_new(2);
	if (size < 1)
		return 0;
	memset(&st, 0, sizeof(st));
	while (rc == APP_MORE && size - i >= 2) {
		len = (size_t)data[i] << 8 | data[i + 1];
		i += 2;
		if (len > size - i)
			len = size - i;
		memset(&t, 0, sizeof(t));
		if (data[0] & 1) {
			n = quic_seal(q, data[0] & 2 ? QUIC_V2 : QUIC_V1, dcid,
			    sizeof(dcid), pn++, data + i, len, 1200, pkt,
			    sizeof(pkt));
			rc = n == 0 ? APP_MORE : quic_datagram(q, &fs, pkt, n,
			    &t, &st);
		} else
			rc = quic_datagram(q, &fs, data + i, len, &t, &st);
		if (rc == APP_DONE)
			record(&t);
		i += len;
	}
	quic_release(q, &fs);
	return 0;
}
