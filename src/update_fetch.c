/*
 * update_fetch.c: getting a source's bytes, from a file or over HTTPS
 * (OpenSSL, one GET over HTTP/1.0 so that no chunked coding comes back),
 * and the checks a source asks for: its SHA-256, or an OpenSSL
 * signature as `openssl dgst -sha256 -sign` makes. The server is
 * hostile until proven otherwise: the size, the header, the time and
 * the redirects are bounded, the certificate is checked against the
 * pinned CA and the host name. One deadline a source bounds all of it,
 * the name lookup and the signature included.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "safefile.h"
#include "update.h"

#define HEAD_MAX	16384		/* the response's status and header */
#define PEM_MAX		(1024 * 1024)	/* a CA bundle or a public key */

/* Read a file opened safely, at most max bytes (more is an error). */
static int
read_path(const char *path, uint64_t max, struct upd_buf *out, char *err,
    size_t errlen)
{
	char	 buf[65536];
	ssize_t	 n;
	int	 fd;

	if ((fd = safe_open_read(path, err, errlen)) < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 &&
	    errno == EINTR)) {
		if (n < 0)
			continue;
		if (out->len + (uint64_t)n > max) {
			snprintf(err, errlen, "%s: larger than %llu bytes",
			    path, (unsigned long long)max);
			close(fd);
			return -1;
		}
		upd_buf_add(out, buf, (size_t)n);
	}
	if (n < 0)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	close(fd);
	if (out->p == NULL)
		upd_buf_add(out, "", 0);
	return n < 0 ? -1 : 0;
}

/* The first OpenSSL error, for a message. */
static const char *
ssl_reason(void)
{
	static char	buf[256];
	unsigned long	e = ERR_get_error();

	if (e == 0)
		return "TLS failure";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
update_deadline_start(struct upd_deadline *d, int timeout)
{
	d->timeout = timeout;
	d->at = now_ms() + (int64_t)timeout * 1000;
}

/* Milliseconds left before the deadline, for poll (0 once past). */
static int
left(const struct upd_deadline *d)
{
	int64_t	l = d->at - now_ms();

	return l <= 0 ? 0 : l > INT32_MAX ? INT32_MAX : (int)l;
}

/*
 * A name lookup; its fields stay the resolver thread's until it is done.
 * One still running at the deadline cannot be stopped (gai_cancel only
 * takes one not yet started), so it is kept on this list, never freed:
 * the thread writes its answer there whenever the resolver gives up.
 */
struct lookup {
	struct gaicb	 cb;
	struct addrinfo	 hints;
	char		 host[sizeof(((struct upd_url *)0)->host)];
	char		 port[sizeof(((struct upd_url *)0)->port)];
	struct lookup	*next;
};
static struct lookup	*abandoned;

/*
 * u's addresses into *res before the deadline; -1 with err. A plain
 * getaddrinfo ran outside the timeout: a resolver that never answered
 * held the update for resolv.conf's timeouts and attempts, for each
 * nameserver and search domain.
 */
static int
resolve(const struct upd_url *u, const struct upd_deadline *d,
    struct addrinfo **res, char *err, size_t errlen)
{
	struct addrinfo		 hints;
	struct lookup		*l;
	struct gaicb		*list[1];
	struct timespec		 ts;
	int			 rc, ms;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (u->ip) {
		/* An address: no lookup, nothing to wait for. */
		hints.ai_flags = AI_NUMERICHOST;
		if ((rc = getaddrinfo(u->host, u->port, &hints, res)) != 0) {
			snprintf(err, errlen, "%s: %s", u->host,
			    gai_strerror(rc));
			return -1;
		}
		return 0;
	}
	l = calloc(1, sizeof(*l));
	if (l == NULL) {
		snprintf(err, errlen, "%s: %s", u->host, strerror(errno));
		return -1;
	}
	l->hints = hints;
	snprintf(l->host, sizeof(l->host), "%s", u->host);
	snprintf(l->port, sizeof(l->port), "%s", u->port);
	l->cb.ar_name = l->host;
	l->cb.ar_service = l->port;
	l->cb.ar_request = &l->hints;
	list[0] = &l->cb;
	if ((rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL)) != 0) {
		snprintf(err, errlen, "%s: %s", u->host, gai_strerror(rc));
		free(l);
		return -1;
	}
	while ((rc = gai_error(&l->cb)) == EAI_INPROGRESS &&
	    (ms = left(d)) > 0) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		/* EAI_AGAIN (time), EAI_INTR, EAI_ALLDONE: asked again. */
		(void)gai_suspend((const struct gaicb *const *)list, 1, &ts);
	}
	if (rc == EAI_INPROGRESS) {
		if (gai_cancel(&l->cb) == EAI_NOTCANCELED) {
			l->next = abandoned;
			abandoned = l;
			snprintf(err, errlen, "%s: the name lookup timed out "
			    "(%d s)", u->host, d->timeout);
			return -1;
		}
		rc = gai_error(&l->cb);	/* EAI_CANCELED, or just done */
	}
	if (rc == EAI_CANCELED)
		snprintf(err, errlen, "%s: the name lookup timed out (%d s)",
		    u->host, d->timeout);
	else if (rc != 0)
		snprintf(err, errlen, "%s: %s", u->host, gai_strerror(rc));
	*res = rc == 0 ? l->cb.ar_result : NULL;
	free(l);
	return rc == 0 ? 0 : -1;
}

/* Connect to u within the deadline; the socket, or -1 with err. */
static int
tcp_connect(const struct upd_url *u, const struct upd_deadline *d, char *err,
    size_t errlen)
{
	struct addrinfo	*res, *ai;
	struct pollfd	 pfd;
	int		 fd = -1, soerr;
	socklen_t	 sl = sizeof(soerr);

	if (resolve(u, d, &res, err, errlen) != 0)
		return -1;
	snprintf(err, errlen, "%s port %s: no address", u->host, u->port);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol)) < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 &&
		    errno != EINPROGRESS) {
			snprintf(err, errlen, "%s port %s: %s", u->host,
			    u->port, strerror(errno));
			goto next;
		}
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, left(d)) != 1) {
			snprintf(err, errlen, "%s port %s: connection timed "
			    "out", u->host, u->port);
			goto next;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 ||
		    soerr != 0) {
			snprintf(err, errlen, "%s port %s: %s", u->host,
			    u->port, strerror(soerr));
			goto next;
		}
		break;	/* left non-blocking: see tls_wait */
next:
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/*
 * Wait until the deadline for what OpenSSL's last call (its error se)
 * wants of the non-blocking socket: 1 ready, 0 out of time, -1 when se
 * is an error, not a wait. A socket timeout would not do: it bounds each
 * recv, and one TLS record (a handshake message, a body's 16 KiB) is
 * read by many, so a server sending a byte before each strikes kept
 * SSL_connect or SSL_read going for hours past the timeout.
 */
static int
tls_wait(int fd, int se, const struct upd_deadline *d)
{
	struct pollfd	pfd;
	int		rc;

	pfd.fd = fd;
	pfd.revents = 0;
	if (se == SSL_ERROR_WANT_READ)
		pfd.events = POLLIN;
	else if (se == SSL_ERROR_WANT_WRITE)
		pfd.events = POLLOUT;
	else
		return -1;
	for (;;) {
		if (left(d) == 0)
			return 0;
		if ((rc = poll(&pfd, 1, left(d))) > 0)
			return 1;
		if (rc == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* The TLS context: TLS 1.2 or later, the pinned CA only if given. */
static SSL_CTX *
tls_ctx(const char *ca, char *err, size_t errlen)
{
	SSL_CTX			*ctx;
	struct upd_buf		 pem = { 0 };
	BIO			*bio;
	STACK_OF(X509_INFO)	*infos;
	int			 i, n = 0;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		snprintf(err, errlen, "TLS: %s", ssl_reason());
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca == NULL) {
		if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
			snprintf(err, errlen, "TLS: the system's CAs: %s",
			    ssl_reason());
			SSL_CTX_free(ctx);
			return NULL;
		}
		return ctx;
	}
	if (read_path(ca, PEM_MAX, &pem, err, errlen) != 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	bio = BIO_new_mem_buf(pem.p, (int)pem.len);
	infos = bio ? PEM_X509_INFO_read_bio(bio, NULL, NULL, NULL) : NULL;
	for (i = 0; infos != NULL && i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *xi = sk_X509_INFO_value(infos, i);

		if (xi->x509 != NULL && X509_STORE_add_cert(
		    SSL_CTX_get_cert_store(ctx), xi->x509) == 1)
			n++;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	BIO_free(bio);
	upd_buf_free(&pem);
	ERR_clear_error();
	if (n == 0) {
		snprintf(err, errlen, "%s: no certificate in it", ca);
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * The status line and header of a response in b (up to the blank line
 * at hl): 200 gives the body's length (-1 if not said); anything else
 * is an error, a redirect named as refused.
 */
static int
http_head(const char *b, size_t hl, uint64_t max, int64_t *clen, char *err,
    size_t errlen)
{
	const char	*p, *e = b + hl, *nl;
	int		 code;

	*clen = -1;
	if (hl < 12 || strncmp(b, "HTTP/1.", 7) != 0 || b[8] != ' ' ||
	    !isdigit((unsigned char)b[9]) || !isdigit((unsigned char)b[10]) ||
	    !isdigit((unsigned char)b[11])) {
		snprintf(err, errlen, "not an HTTP response");
		return -1;
	}
	code = atoi(b + 9);
	for (p = b; p < e; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(e - p))) == NULL)
			nl = e;
		if (code >= 300 && code < 400 && strncasecmp(p, "Location:",
		    9) == 0) {
			const char *v = p + 9;
			int l;

			while (v < nl && (*v == ' ' || *v == '\t'))
				v++;
			l = (int)(nl - v);
			while (l > 0 && (v[l - 1] == '\r' || v[l - 1] == ' '))
				l--;
			snprintf(err, errlen, "HTTP %d: a redirect to %.*s; "
			    "refused (give the final URL)", code,
			    l > 200 ? 200 : l, v);
			goto clean;
		}
		if (code == 200 && strncasecmp(p, "Content-Length:", 15) == 0) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(p + 15, &end, 10);
			if (errno != 0 || end == p + 15) {
				snprintf(err, errlen, "a bad Content-Length");
				return -1;
			}
			if (v > max) {
				snprintf(err, errlen, "%llu bytes, larger than "
				    "max_size (%llu)", v,
				    (unsigned long long)max);
				return -1;
			}
			*clen = (int64_t)v;
		}
		if (code == 200 && strncasecmp(p, "Transfer-Encoding:",
		    18) == 0) {
			snprintf(err, errlen, "a Transfer-Encoding the request "
			    "(HTTP/1.0) did not allow");
			return -1;
		}
	}
	if (code == 200)
		return 0;
	snprintf(err, errlen, code >= 300 && code < 400 ? "HTTP %d: a "
	    "redirect; refused (give the final URL)" : "HTTP %d", code);
	return -1;
clean:
	upd_printable(err);
	return -1;
}

/* GET url over HTTPS into out; -1 with err. */
static int
https_get(const char *url, const char *ca, uint64_t max,
    const struct upd_deadline *d, struct upd_buf *out, char *err,
    size_t errlen)
{
	struct upd_url	 u;
	SSL_CTX		*ctx = NULL;
	SSL		*ssl = NULL;
	char		*req = NULL, buf[16384], *hend;
	int		 fd = -1, rc = -1, n, rd = 0, se, w = -1;
	int64_t		 clen = -1;
	size_t		 hl = 0;
	struct upd_buf	 head = { 0 };

	if (update_url_parse(url, &u, err, errlen) != 0)
		return -1;
	if ((ctx = tls_ctx(ca, err, errlen)) == NULL)
		return -1;
	/* The content may have taken it all: the signature gets no more. */
	if (left(d) == 0) {
		snprintf(err, errlen, "%s: the source's timeout (%d s) ran out "
		    "before it was asked", u.host, d->timeout);
		goto out;
	}
	if ((fd = tcp_connect(&u, d, err, errlen)) < 0)
		goto out;
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		snprintf(err, errlen, "TLS: %s", ssl_reason());
		goto out;
	}
	/* The certificate must name the host (or address) asked for. */
	if ((u.ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
	    u.host) : X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), u.host,
	    0)) != 1 || (!u.ip && SSL_set_tlsext_host_name(ssl, u.host) != 1)) {
		snprintf(err, errlen, "TLS: %s: %s", u.host, ssl_reason());
		goto out;
	}
	while ((n = SSL_connect(ssl)) != 1 && (w = tls_wait(fd,
	    SSL_get_error(ssl, n), d)) == 1)
		;
	if (n != 1) {
		long vr = SSL_get_verify_result(ssl);

		if (w == 0)
			snprintf(err, errlen, "%s port %s: TLS handshake: "
			    "timed out (%d s)", u.host, u.port, d->timeout);
		else if (vr != X509_V_OK)
			snprintf(err, errlen, "%s: certificate not trusted: "
			    "%s%s", u.host, X509_verify_cert_error_string(vr),
			    ca ? " (against the pinned ca)" : "");
		else
			snprintf(err, errlen, "%s port %s: TLS handshake: %s",
			    u.host, u.port, ssl_reason());
		goto out;
	}
	n = asprintf(&req, "GET %s HTTP/1.0\r\nHost: %s%s%s%s%s\r\n"
	    "User-Agent: canhgacctl-update/%s\r\nAccept-Encoding: identity\r\n"
	    "Connection: close\r\n\r\n", u.path, strchr(u.host, ':') ? "[" :
	    "", u.host, strchr(u.host, ':') ? "]" : "", strcmp(u.port, "443") ?
	    ":" : "", strcmp(u.port, "443") ? u.port : "", PACKAGE_VERSION);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", u.host, strerror(errno));
		goto out;
	}
	while ((rd = SSL_write(ssl, req, n)) <= 0 && (w = tls_wait(fd,
	    SSL_get_error(ssl, rd), d)) == 1)
		;
	if (rd != n) {
		snprintf(err, errlen, "%s: sending the request: %s", u.host,
		    w == 0 ? "timed out" : ssl_reason());
		goto out;
	}
	for (;;) {
		if (left(d) == 0) {
			snprintf(err, errlen, "%s: no complete answer within "
			    "%d s", u.host, d->timeout);
			goto out;
		}
		if (clen >= 0 && out->len >= (uint64_t)clen)
			break;
		n = SSL_read(ssl, buf, sizeof(buf));
		if (n <= 0) {
			se = SSL_get_error(ssl, n);
			if (se == SSL_ERROR_ZERO_RETURN && hl > 0 && clen < 0)
				break;	/* closed cleanly: all of it */
			/* Nothing yet: wait, the deadline checked above. */
			if ((w = tls_wait(fd, se, d)) == 1)
				continue;
			if (w == 0)
				snprintf(err, errlen, "%s: no complete answer "
				    "within %d s", u.host, d->timeout);
			else
				snprintf(err, errlen, "%s: %s", u.host, hl == 0 ?
				    "the connection ended before an answer" :
				    "the answer was cut short");
			goto out;
		}
		if (hl > 0) {
			upd_buf_add(out, buf, (size_t)n);
		} else {
			upd_buf_add(&head, buf, (size_t)n);
			hend = strstr(head.p, "\r\n\r\n");
			if (hend == NULL || hend - head.p > HEAD_MAX) {
				if (head.len > HEAD_MAX || memchr(head.p, '\0',
				    head.len) != NULL) {
					snprintf(err, errlen, "%s: a response "
					    "header over %d bytes", u.host,
					    HEAD_MAX);
					goto out;
				}
				continue;
			}
			hl = (size_t)(hend - head.p) + 4;
			if (http_head(head.p, hl, max, &clen, err,
			    errlen) != 0)
				goto out;
			upd_buf_add(out, head.p + hl, head.len - hl);
		}
		if (out->len > max ||
		    (clen >= 0 && out->len > (uint64_t)clen)) {
			snprintf(err, errlen, "%s: more than %s bytes", u.host,
			    out->len > max ? "max_size" : "Content-Length");
			goto out;
		}
	}
	if (out->p == NULL)
		upd_buf_add(out, "", 0);
	rc = 0;
out:
	if (ssl != NULL)
		SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	free(req);
	upd_buf_free(&head);
	ERR_clear_error();
	return rc;
}

int
update_fetch(const char *url, const char *ca, uint64_t max,
    const struct upd_deadline *d, struct upd_buf *out, char *err,
    size_t errlen)
{
	if (strncmp(url, "https://", 8) == 0)
		return https_get(url, ca, max, d, out, err, errlen);
	return read_path(url, max, out, err, errlen);
}

int
update_verify(const struct update_source *s, const struct upd_buf *b,
    const struct upd_deadline *d, char *err, size_t errlen)
{
	unsigned char	 dig[EVP_MAX_MD_SIZE];
	unsigned int	 dl = 0, i;
	char		 hex[65];
	struct upd_buf	 sig = { 0 }, pem = { 0 };
	EVP_PKEY	*pk = NULL;
	EVP_MD_CTX	*md = NULL;
	BIO		*bio = NULL;
	int		 rc = -1;

	if (s->sha256 != NULL) {
		if (EVP_Digest(b->p, b->len, dig, &dl, EVP_sha256(),
		    NULL) != 1 || dl != 32) {
			snprintf(err, errlen, "SHA-256: %s", ssl_reason());
			return -1;
		}
		for (i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", dig[i]);
		if (strcasecmp(hex, s->sha256) != 0) {
			snprintf(err, errlen, "SHA-256 %s, not the configured "
			    "%s; refused", hex, s->sha256);
			return -1;
		}
	}
	if (s->signature == NULL)
		return 0;
	/* The source's deadline: a fresh one let it take twice its timeout. */
	if (update_fetch(s->signature, s->ca, UPD_SIG_MAX, d, &sig, err,
	    errlen) != 0) {
		char e[512];

		snprintf(e, sizeof(e), "%s", err);
		snprintf(err, errlen, "the signature: %s", e);
		goto out;
	}
	if (read_path(s->pubkey, PEM_MAX, &pem, err, errlen) != 0)
		goto out;
	if ((bio = BIO_new_mem_buf(pem.p, (int)pem.len)) == NULL ||
	    (pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "%s: not a PEM public key", s->pubkey);
		goto out;
	}
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestVerify(md, (const unsigned char *)sig.p, sig.len,
	    (const unsigned char *)b->p, b->len) != 1) {
		snprintf(err, errlen, "bad signature (%s, key %s); refused",
		    s->signature, s->pubkey);
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	BIO_free(bio);
	upd_buf_free(&sig);
	upd_buf_free(&pem);
	ERR_clear_error();
	return rc;
}
