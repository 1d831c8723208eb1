/*
 * app_http.c — one HTTP/1.x request header: method, URI, version, Host
 * (without its port) and User-Agent (RFC 9112 3, 5).
 *
 * consumed tells the caller where the next pipelined request starts: the
 * header through its blank line, plus the Content-Length body when that
 * header is present and a plain decimal number (a chunked body is not
 * skipped). When the header has no end within APP_BUF_MAX bytes but the
 * method was recognised, the request is reported as it stands (APP_DONE,
 * consumed = len): the caller cannot find the next request in that case.
 *
 * app_http_response reads a response's status line and headers the same
 * way. Both note the framing of the body that follows (Content-Length,
 * Transfer-Encoding: chunked) and its Content-Encoding, for
 * app_http_session.c, which decodes it (http_body.c).
 *
 * Stored strings keep printable ASCII; other bytes become '?'.
 */
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "cccd.h"
#include "http_body.h"
#include "types.h"

#define HTTP_HDR_CAP	HTTP_HEADER_MAX
#define HTTP_LEAD_MAX	16	/* CR and LF bytes skipped before a request */
#define HTTP_CL_MAX	((uint64_t)1 << 40)	/* larger bodies: not skipped */

static const char *const http_methods[] = {
	"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE",
	"CONNECT", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE",
	"LOCK", "UNLOCK", "SEARCH", "REPORT", "MKCALENDAR", "ACL", "BIND",
	"UNBIND", "REBIND", "CHECKOUT", "CHECKIN", "UNCHECKOUT",
	"VERSION-CONTROL", "MERGE", "MKACTIVITY", "MKWORKSPACE", "UPDATE",
	"LABEL", "ORDERPATCH", "SUBSCRIBE", "UNSUBSCRIBE", "NOTIFY", "POLL",
	"BMOVE", "BDELETE", "BPROPFIND", "BPROPPATCH", "BCOPY", NULL
};

static int
http_lower(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/*
 * Match the method token at p: APP_DONE with *mlen set when a known
 * method is followed by a space, APP_MORE when p is a prefix of one.
 */
static int
http_method(const uint8_t *p, size_t len, size_t *mlen)
{
	size_t	 i, k;
	int	 more = 0;

	for (i = 0; http_methods[i] != NULL; i++) {
		k = strlen(http_methods[i]);
		if (len > k) {
			if (memcmp(p, http_methods[i], k) == 0 && p[k] == ' ') {
				*mlen = k;
				return (APP_DONE);
			}
		} else if (memcmp(p, http_methods[i], len) == 0)
			more = 1;
	}
	return (more ? APP_MORE : APP_BAD);
}

/* Does the line s (n bytes) start with the header name hdr and a colon? */
static const uint8_t *
http_header(const uint8_t *s, size_t n, const char *hdr, size_t *vlen)
{
	size_t	 k = strlen(hdr), i;

	if (n <= k || s[k] != ':')
		return (NULL);
	for (i = 0; i < k; i++)
		if (http_lower(s[i]) != http_lower((unsigned char)hdr[i]))
			return (NULL);
	s += k + 1;
	n -= k + 1;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*vlen = n;
	return (s);
}

/* Host without its port: "[v6]:p" keeps "[v6]", "name:p" keeps "name". */
static void
http_host(char *dst, size_t dstlen, const uint8_t *v, size_t n)
{
	size_t	 i;

	if (n > 0 && v[0] == '[') {
		for (i = 1; i < n && v[i] != ']'; i++)
			;
		if (i < n)
			n = i + 1;
	} else {
		for (i = n; i > 0 && v[i - 1] >= '0' && v[i - 1] <= '9'; i--)
			;
		if (i > 0 && v[i - 1] == ':' &&
		    memchr(v, ':', i - 1) == NULL)
			n = i - 1;
	}
	(void)cccd_copy_text(dst, dstlen, v, n, '?');
}

/*
 * An absolute-form target's authority ("http://user@host:port" of
 * "http://user@host:port/x"): its start, *end set past it; NULL for a
 * target of another form. Its userinfo ends at its last '@'.
 */
static const char *
http_uri_authority(const char *uri, const char **end, const char **at)
{
	const char	*a = uri, *q;

	while ((*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') ||
	    (a > uri && ((*a >= '0' && *a <= '9') || *a == '+' ||
	    *a == '-' || *a == '.')))
		a++;
	if (a == uri || strncmp(a, "://", 3) != 0)
		return NULL;
	a += 3;
	*end = a + strcspn(a, "/?#");
	*at = NULL;
	for (q = a; q < *end; q++)
		if (*q == '@')
			*at = q;
	return a;
}

/*
 * An absolute-form request target (a proxy's "GET http://host/..."): its
 * host is the one the request goes to, the Host field ignored (RFC 9112
 * 3.2.2), so a harmless Host beside it hides nothing.
 */
static void
http_host_from_uri(struct app_http *out)
{
	const char	*a, *end, *at;

	if ((a = http_uri_authority(out->uri, &end, &at)) == NULL)
		return;
	if (at != NULL)
		a = at + 1;
	if (end > a)
		http_host(out->host, sizeof(out->host), (const uint8_t *)a,
		    (size_t)(end - a));
}

/* A Content-Length value: digits only, bounded; -1 when unusable. */
static int
http_content_length(const uint8_t *v, size_t n, uint64_t *cl)
{
	size_t	 i;

	*cl = 0;
	if (n == 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return (-1);
		*cl = *cl * 10 + (uint64_t)(v[i] - '0');
		if (*cl > HTTP_CL_MAX)
			return (-1);
	}
	return (0);
}

/*
 * An absolute-form URI's password (http://user:pass@host/, RFC 3986
 * 3.2.1, which deprecates it; a proxy is still sent one) is kept as
 * "***": the user stays, the secret is not copied.
 */
static void
http_hide_password(char *uri, size_t cap)
{
	const char	*a, *end, *at;
	char		*colon;
	size_t		 tail;

	if ((a = http_uri_authority(uri, &end, &at)) == NULL || at == NULL ||
	    (colon = memchr(a, ':', (size_t)(at - a))) == NULL)
		return;
	/* Three characters too: a password of three is one ("***" stays). */
	colon++;
	tail = strlen(at) + 1;
	if ((size_t)(colon - uri) + 3 + tail > cap)
		tail = cap - (size_t)(colon - uri) - 3;
	memmove(colon + 3, at, tail);
	memcpy(colon, "***", 3);
	uri[cap - 1] = '\0';
}

/* The request line "METHOD SP URI SP HTTP/1.x CRLF"; *off moves past it. */
static int
http_request_line(const uint8_t *p, size_t len, size_t *off,
    struct app_http *out)
{
	static const char ver[] = "HTTP/1.";
	size_t	 mlen = 0, i, u, k;
	int	 rc;

	if ((rc = http_method(p, len, &mlen)) != APP_DONE)
		return (rc);
	(void)cccd_copy_text(out->method, sizeof(out->method), p, mlen, '?');
	/*
	 * Runs of spaces between the parts, and after the version: nginx
	 * and Python's http.server take them, so a request written so
	 * (its host and URI unread) must not pass for something else.
	 */
	for (u = mlen + 1; u < len && p[u] == ' '; u++)
		;
	for (i = u; i < len && p[i] != ' '; i++)
		if (p[i] < 0x21 || p[i] == 0x7f)
			return (APP_BAD);
	(void)cccd_copy_text(out->uri, sizeof(out->uri), p + u, i - u, '?');
	http_hide_password(out->uri, sizeof(out->uri));
	if (i == len)
		return (APP_MORE);
	if (i == u)
		return (APP_BAD);
	while (i < len && p[i] == ' ')
		i++;
	for (k = 0; k < sizeof(ver) - 1; k++, i++) {
		if (i == len)
			return (APP_MORE);
		if (p[i] != (uint8_t)ver[k])
			return (APP_BAD);
	}
	if (i == len)
		return (APP_MORE);
	if (p[i] != '0' && p[i] != '1')
		return (APP_BAD);
	(void)cccd_copy_text(out->version, sizeof(out->version), p + i - 7, 8,
	    '?');
	i++;
	while (i < len && p[i] == ' ')
		i++;
	if (i < len && p[i] == '\r')
		i++;
	if (i == len)
		return (APP_MORE);
	if (p[i] != '\n')
		return (APP_BAD);
	*off = i + 1;
	return (APP_DONE);
}

/* Does the list value v end with the token tok (case-insensitive)? */
static int
http_last_token(const uint8_t *v, size_t n, const char *tok)
{
	size_t	 k = strlen(tok), i;

	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' ||
	    v[n - 1] == ','))
		n--;
	if (n < k || (n > k && v[n - k - 1] != ' ' && v[n - k - 1] != ',' &&
	    v[n - k - 1] != '\t'))
		return (0);
	for (i = 0; i < k; i++)
		if (http_lower(v[n - k + i]) != tok[i])
			return (0);
	return (1);
}

/* Is the token v (n bytes) tok, case aside? */
static int
http_token_is(const uint8_t *v, size_t n, const char *tok)
{
	size_t	 i;

	if (n != strlen(tok))
		return (0);
	for (i = 0; i < n; i++)
		if (http_lower(v[i]) != tok[i])
			return (0);
	return (1);
}

/*
 * A Content-Encoding value: a list of codings in the order they were
 * applied (RFC 9110 8.4), added to *list (HB_CODING_BITS each, the last
 * applied lowest: undone first; identity adds nothing). Repeated header
 * lines make one list (RFC 9110 5.3). -1 when a coding cannot be undone
 * (br, zstd, compress) or there are more than HB_CODINGS_MAX.
 */
static int
http_codings(const uint8_t *v, size_t n, unsigned *list, unsigned *count)
{
	size_t	 i = 0, k, e;
	unsigned c;

	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		for (k = i; i < n && v[i] != ','; i++)
			;
		for (e = i; e > k && (v[e - 1] == ' ' || v[e - 1] == '\t'); e--)
			;
		if (e == k || http_token_is(v + k, e - k, "identity"))
			continue;
		if (http_token_is(v + k, e - k, "gzip") ||
		    http_token_is(v + k, e - k, "x-gzip"))
			c = HB_GZIP;
		else if (http_token_is(v + k, e - k, "deflate"))
			c = HB_DEFLATE;
		else
			return (-1);
		if (++*count > HB_CODINGS_MAX)
			return (-1);
		*list = *list << HB_CODING_BITS | c;
	}
	return (0);
}

/*
 * The header lines from off to the blank line: Host, User-Agent and the
 * body's framing and coding. *off ends past the blank line.
 */
static int
http_headers(const uint8_t *p, size_t len, size_t *offp, struct app_http *out)
{
	const uint8_t	*line, *nl, *v;
	size_t		 off = *offp, n, vlen;
	uint64_t	 cl = 0;
	int		 have_host = 0, have_ua = 0, cbad = 0;
	unsigned	 clist = 0, ccount = 0;

	for (;;) {
		nl = memchr(p + off, '\n', len - off);
		if (nl == NULL)
			return (APP_MORE);
		line = p + off;
		n = (size_t)(nl - line);
		off += n + 1;
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		if (!have_host &&
		    (v = http_header(line, n, "host", &vlen)) != NULL) {
			http_host(out->host, sizeof(out->host), v, vlen);
			have_host = 1;
		} else if (!have_ua &&
		    (v = http_header(line, n, "user-agent", &vlen)) != NULL) {
			(void)cccd_copy_text(out->user_agent,
			    sizeof(out->user_agent), v, vlen, '?');
			have_ua = 1;
		} else if (!out->have_length &&
		    (v = http_header(line, n, "content-length", &vlen)) !=
		    NULL) {
			if (http_content_length(v, vlen, &cl) == 0) {
				out->have_length = 1;
				out->length = cl;
			}
		} else if ((v = http_header(line, n, "transfer-encoding",
		    &vlen)) != NULL) {
			/* The last coding decides (RFC 9112 6.3). */
			out->chunked = (uint8_t)http_last_token(v, vlen,
			    "chunked");
			out->other_te = !out->chunked;
		} else if ((v = http_header(line, n, "content-encoding",
		    &vlen)) != NULL && !cbad &&
		    http_codings(v, vlen, &clist, &ccount) != 0)
			cbad = 1;
	}
	/* A coding we cannot undo: the body is scanned as it is. */
	out->coding = cbad ? HB_IDENTITY : (uint8_t)clist;
	*offp = off;
	return (APP_DONE);
}

/* A header with no end within APP_BUF_MAX: reported as it stands. */
static int
http_unended(size_t len, struct app_http *out)
{
	if (len >= HTTP_HDR_CAP && out->method[0] != '\0') {
		out->consumed = out->header_len = len;
		out->unended = 1;
		return (APP_DONE);
	}
	return (APP_MORE);
}

size_t
app_http_lead(const uint8_t *p, size_t n)
{
	size_t	i = 0;

	while (i < n && (p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

/* Parse one request header at p (see the file comment for consumed). */
int
app_http_request(const uint8_t *p, size_t len, struct app_http *out)
{
	size_t		 off = 0, lead = 0;
	int		 rc;

	memset(out, 0, sizeof(*out));
	/*
	 * Empty lines before the request line are ignored (RFC 9112 2.2;
	 * nginx and Node skip them): a server takes the request after
	 * them, and so must we. A few: a line of nothing but them is not
	 * a request.
	 */
	while (lead < len && lead < HTTP_LEAD_MAX &&
	    (p[lead] == '\r' || p[lead] == '\n'))
		lead++;
	if (lead == len)
		return (lead < HTTP_LEAD_MAX ? APP_MORE : APP_BAD);
	rc = http_request_line(p + lead, len - lead, &off, out);
	off += lead;
	if (rc == APP_BAD)
		return (APP_BAD);
	if (rc != APP_MORE)
		rc = http_headers(p, len, &off, out);
	http_host_from_uri(out);
	if (rc == APP_MORE)
		return (http_unended(len, out));
	out->header_len = off;
	if (out->have_length && !out->chunked &&
	    out->length <= (uint64_t)(SIZE_MAX - off))
		off += (size_t)out->length;
	out->consumed = off;
	return (APP_DONE);
}

/*
 * A response's status line "HTTP/1.x SP 3DIGIT SP reason CRLF" and its
 * headers; consumed is the header alone.
 */
int
app_http_response(const uint8_t *p, size_t len, struct app_http *out)
{
	static const char ver[] = "HTTP/1.";
	size_t		 i, off;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(ver) - 1; i++) {
		if (i == len)
			return (APP_MORE);
		if (p[i] != (uint8_t)ver[i])
			return (APP_BAD);
	}
	for (; i < 12; i++) {
		if (i == len)
			return (APP_MORE);
		if ((i == 7 && p[i] != '0' && p[i] != '1') ||
		    (i == 8 && p[i] != ' ') ||
		    (i > 8 && (p[i] < '0' || p[i] > '9')))
			return (APP_BAD);
	}
	(void)cccd_copy_text(out->version, sizeof(out->version), p, 8, '?');
	out->status = (uint16_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 +
	    (p[11] - '0'));
	if (i == len)
		return (APP_MORE);
	if (p[i] != ' ' && p[i] != '\r' && p[i] != '\n')
		return (APP_BAD);
	if (memchr(p + i, '\n', len - i) == NULL)
		return (len >= HTTP_HDR_CAP ? APP_BAD : APP_MORE);
	off = (size_t)((const uint8_t *)memchr(p + i, '\n', len - i) - p) + 1;
	if (http_headers(p, len, &off, out) == APP_MORE)
		return (len >= HTTP_HDR_CAP ? APP_BAD : APP_MORE);
	out->header_len = out->consumed = off;
	return (APP_DONE);
}
