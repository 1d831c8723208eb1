/*
 * Application metadata from the first bytes of each direction.
 *
 * TCP payload comes in order from stream.c (held out-of-order data,
 * retransmissions cut, to stream.depth) and is handed to the parser of
 * the detected protocol segment by segment. When one message (a TLS
 * ClientHello, an SSH banner, a DNS-over-TCP message, an HTTP header)
 * spans segments, its bytes are gathered in a small buffer taken from a
 * fixed pool and returned as soon as the message is parsed, so a flow
 * holds a buffer only for a few packets and the pool bounds the memory.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "flow.h"
#include "http_body.h"
#include "http_session.h"
#include "quic.h"
#include "types.h"
#include "xmalloc.h"

/* Decoded HTTP bytes handed to the payload rules at once, at most. */
#define APP_VIEW_MAX	(64 * 1024)

/* Fewer first bytes than this are kept back for protocol detection. */
#define APP_DETECT_MIN	16

/* Distinct certificates kept parsed (4-way sets, least recently used out). */
#define APP_CERT_CACHE	1024

/* Client datagrams of a QUIC flow read for its ClientHello, at most. */
#define APP_QUIC_TRIES	16

/*
 * A TLS ClientHello's bytes out of their records, at most: OpenSSL's
 * bound on one (CLIENT_HELLO_MAX_LENGTH) and its header. A hello past
 * APP_BUF_MAX takes a buffer of this size from a pool of one for every
 * APP_HELLO_PER first-bytes buffers: real ones fit in 4 KiB.
 */
#define APP_HELLO_MAX	(131396 + 4)
#define APP_HELLO_PER	64

struct app_hello {
	struct app_hello *next;
	size_t		 len;
	uint8_t		 data[APP_HELLO_MAX];
};

struct app_buf {
	struct app_buf	*next;
	uint16_t	 len[2];
	uint16_t	 skip[2];	/* DNS/TCP: rest of a message too long */
	/* TLS: a direction's hello gathered out of its records, bit dir. */
	uint8_t		 hello;
	struct tls_deframe df[2];
	struct app_hello *big[2];	/* past APP_BUF_MAX */
	uint8_t		 data[2][APP_BUF_MAX];
};

/* Per-flow state of a login protocol, from a pool of its own. */
struct app_plain_state {
	struct app_plain_state	*next;
	struct app_plain	 pl;
};

/*
 * The pools are handed out from their free lists, then in order from the
 * slots never used (*_fresh of them so far): a slot is written first when
 * it is needed, so the pages of the unused ones are never faulted in and
 * zeroed by the kernel (built as lists up front, they cost every start
 * 9,000 page faults, 35 MB, at the shipped flow_memcap).
 */
struct app_ctx {
	struct app_buf	*pool;
	struct app_buf	*free;
	size_t		 nbufs, buf_fresh;
	struct app_plain_state *plain_pool;
	struct app_plain_state *plain_free;
	size_t		 nplain, plain_fresh;
	struct tls_walk	*walk_pool;
	struct tls_walk	*walk_free;
	size_t		 nwalk, walk_fresh;
	struct app_hello *hello_pool;
	struct app_hello *hello_free;
	size_t		 nhello, hello_fresh;
	struct tls_cert_cache *certs;
	struct quic_ctx	*quic;
	app_emit_cb	 emit;
	void		*arg;
	struct app_stats st;
	struct app_result res;		/* scratch, reused per packet */
	uint8_t		 tmp[APP_BUF_MAX];	/* undetected bytes + chunk */
	/* HTTP: the flows' messages, bodies decoded into the view. */
	struct http_bodies *bodies;
	struct http_sessions *http;
	size_t		 nhttp;
	struct hb_sink	 sink;
	app_inspect_cb	 inspect;
	void		*inspect_arg;
	const struct packet *cur;	/* the piece being read */
	/* What this packet showed an attacker doing to the parsers, given
	 * to the packet's decode error by app_process. */
	enum decode_err	 anomaly;
	int		 view_gap;	/* the next view piece follows a loss */
	/*
	 * The ClientHello check detection just ran on these bytes, its
	 * result in res.tls: the parse right after it takes it instead of
	 * running it again (a hello is parsed once, not twice: 2 % of the
	 * packet path's instructions on the mixed capture). Set and
	 * cleared within one app_chunk.
	 */
	const uint8_t	*ch_p;
	size_t		 ch_n;
	int		 ch_rc;
};

struct app_ctx *
app_init(size_t nbufs, app_emit_cb emit, void *arg)
{
	struct app_ctx	*ctx = xcalloc(1, sizeof(*ctx));

	if (nbufs < 16)
		nbufs = 16;
	ctx->pool = xcalloc(nbufs, sizeof(struct app_buf));
	ctx->nbufs = nbufs;
	/* Login flows are few but long-lived: four states per buffer. */
	ctx->nplain = nbufs * 4;
	ctx->plain_pool = xcalloc(ctx->nplain, sizeof(struct app_plain_state));
	/*
	 * A walk lasts from ClientHello to the certificate, a round trip or
	 * two; each holds a 16 KiB leaf, so a quarter as many as buffers.
	 */
	ctx->nwalk = nbufs / 4;
	ctx->walk_pool = xcalloc(ctx->nwalk, sizeof(struct tls_walk));
	ctx->nhello = nbufs / APP_HELLO_PER > 0 ? nbufs / APP_HELLO_PER : 1;
	ctx->hello_pool = xcalloc(ctx->nhello, sizeof(struct app_hello));
	ctx->certs = tls_cert_cache_new(APP_CERT_CACHE);
	/* A hello spanning Initials is rare (post-quantum key shares). */
	ctx->quic = quic_new(nbufs / 8);
	ctx->emit = emit;
	ctx->arg = arg;
	ctx->nhttp = nbufs;
	ctx->sink.buf = xmalloc(APP_VIEW_MAX);
	ctx->sink.cap = APP_VIEW_MAX;
	app_http_setup(ctx, nbufs, 1 << 20, 100, 16, NULL, NULL);
	return ctx;
}

/* The view so far goes to the payload rules as a copy of the piece. */
static void
app_view_flush(struct hb_sink *s)
{
	struct app_ctx	*ctx = s->arg;
	struct packet	 v;

	if ((s->len > 0 || s->reflen > 0) && ctx->inspect != NULL) {
		v = *ctx->cur;
		v.payload = s->reflen > 0 ? s->ref : s->buf;
		v.payload_len = (uint32_t)(s->reflen > 0 ? s->reflen : s->len);
		v.flags = (uint16_t)((v.flags & ~PKT_GAP) |
		    (ctx->view_gap ? PKT_GAP : 0));
		ctx->inspect(&v, ctx->inspect_arg);
		ctx->view_gap = 0;
	}
	s->len = s->reflen = 0;
	s->ref = NULL;
	if (s->gap)
		ctx->view_gap = 1;
	s->gap = 0;
}

void
app_http_setup(struct app_ctx *ctx, size_t nhttp, uint64_t limit,
    uint32_t ratio, size_t nzlib, app_inspect_cb inspect, void *arg)
{
	ctx->nhttp = nhttp;
	http_sessions_free(ctx->http);
	http_bodies_free(ctx->bodies);
	ctx->bodies = http_bodies_new(limit, ratio, nzlib);
	ctx->http = http_sessions_new(ctx->nhttp, ctx->bodies);
	ctx->sink.flush = app_view_flush;
	ctx->sink.arg = ctx;
	ctx->inspect = inspect;
	ctx->inspect_arg = arg;
}

const struct http_session_stats *
app_http_stats(const struct app_ctx *ctx)
{
	return http_sessions_stats(ctx->http);
}

const uint64_t *
app_http_body_stats(const struct app_ctx *ctx)
{
	return http_bodies_stats(ctx->bodies);
}

void
app_free(struct app_ctx *ctx)
{
	if (ctx == NULL)
		return;
	free(ctx->pool);
	free(ctx->plain_pool);
	http_sessions_free(ctx->http);
	http_bodies_free(ctx->bodies);
	free(ctx->sink.buf);
	free(ctx->walk_pool);
	free(ctx->hello_pool);
	tls_cert_cache_free(ctx->certs);
	quic_free(ctx->quic);
	free(ctx);
}

const struct app_stats *
app_stats(const struct app_ctx *ctx)
{
	return &ctx->st;
}

static void
app_walk_release(struct app_ctx *ctx, struct flow *f)
{
	if (f->atls == NULL)
		return;
	f->atls->next = ctx->walk_free;
	ctx->walk_free = f->atls;
	f->atls = NULL;
}

/* The buffer no longer gathers dir's hello: its large one goes back. */
static void
app_hello_drop(struct app_ctx *ctx, struct app_buf *b, int dir)
{
	if (b->big[dir] != NULL) {
		b->big[dir]->next = ctx->hello_free;
		ctx->hello_free = b->big[dir];
		b->big[dir] = NULL;
	}
	b->hello &= (uint8_t)~(1u << dir);
}

static void
app_buf_release(struct app_ctx *ctx, struct flow *f)
{
	if (f->abuf == NULL)
		return;
	app_hello_drop(ctx, f->abuf, 0);
	app_hello_drop(ctx, f->abuf, 1);
	f->abuf->next = ctx->free;
	ctx->free = f->abuf;
	f->abuf = NULL;
}

void
app_flow_release(struct app_ctx *ctx, struct flow *f)
{
	app_walk_release(ctx, f);
	if (f->app_proto == APP_HTTP)
		http_session_release(ctx->http, f);
	else if (f->app_proto == APP_QUIC)
		quic_release(ctx->quic, &f->aquic);
	else if (f->aplain != NULL) {
		f->aplain->next = ctx->plain_free;
		ctx->plain_free = f->aplain;
		f->aplain = NULL;
	}
	app_buf_release(ctx, f);
}

static void
app_buf_drop(struct app_ctx *ctx, struct flow *f, int dir)
{
	if (f->abuf == NULL)
		return;
	f->abuf->len[dir] = 0;
	f->abuf->skip[dir] = 0;
	app_hello_drop(ctx, f->abuf, dir);
	if (f->abuf->len[!dir] == 0 && f->abuf->skip[!dir] == 0 &&
	    !(f->abuf->hello & (1u << !dir)))
		app_buf_release(ctx, f);
}

/* The flow's buffer, taken from the pool if it has none; NULL if none left. */
static struct app_buf *
app_buf_get(struct app_ctx *ctx, struct flow *f)
{
	struct app_buf	*b = f->abuf;

	if (b == NULL) {
		if (ctx->free == NULL && ctx->buf_fresh < ctx->nbufs)
			ctx->free = &ctx->pool[ctx->buf_fresh++];
		if ((b = ctx->free) == NULL) {
			ctx->st.buf_exhausted++;
			ctx->st.first_bytes_exhausted++;
			return NULL;
		}
		ctx->free = b->next;
		b->next = NULL;
		b->len[0] = b->len[1] = 0;
		b->skip[0] = b->skip[1] = 0;
		b->hello = 0;
		b->big[0] = b->big[1] = NULL;
		f->abuf = b;
	}
	return b;
}

/* Start this direction's buffer with p; -1 if too big or none left. */
static int
app_buf_keep(struct app_ctx *ctx, struct flow *f, int dir, const uint8_t *p,
    size_t n)
{
	struct app_buf	*b;

	if (n >= APP_BUF_MAX || (b = app_buf_get(ctx, f)) == NULL)
		return -1;
	memcpy(b->data[dir], p, n);
	b->len[dir] = (uint16_t)n;
	return 0;
}

static void
app_emit(struct app_ctx *ctx, const struct packet *pkt, uint32_t what)
{
	ctx->res.have = what;
	switch (what) {
	case APPR_TLS_CH:
		if (ctx->res.tls.quic_version != 0)
			ctx->st.quic++;
		else
			ctx->st.tls++;
		break;
	case APPR_TLS_SH:
		ctx->st.tls++;
		break;
	case APPR_TLS_CERT:
		ctx->st.tls_certs++;
		break;
	case APPR_DNS:
		ctx->st.dns++;
		break;
	case APPR_HTTP:
		ctx->st.http++;
		break;
	case APPR_SSH:
		ctx->st.ssh++;
		break;
	case APPR_PLAIN:
		ctx->st.plain++;
		break;
	}
	if (ctx->emit != NULL)
		ctx->emit(pkt, &ctx->res, ctx->arg);
	ctx->res.tls.hello = NULL;	/* its bytes are not ours to keep */
	ctx->res.dns.msg = NULL;
}

/* Parse one complete-or-partial message of the flow's protocol. */
static int
app_parse_msg(struct app_ctx *ctx, struct flow *f, int dir,
    const uint8_t *p, size_t n, uint32_t *what)
{
	struct app_result	*r = &ctx->res;
	int			 rc;

	switch (f->app_proto) {
	case APP_TLS:
		if (dir == 0) {
			*what = APPR_TLS_CH;
			/* Fingerprints only when asked: most hellos never are. */
			if (ctx->ch_p == p && ctx->ch_n == n && ctx->ch_rc >= 0)
				rc = ctx->ch_rc;	/* r->tls holds it */
			else {
				memset(&r->tls, 0, sizeof(r->tls));
				rc = app_tls_client_hello_check(p, n, &r->tls);
			}
			ctx->ch_p = NULL;
			if (rc == APP_DONE) {
				r->tls.hello = p;
				r->tls.hello_len = n;
			}
			return rc;
		}
		memset(&r->tls, 0, sizeof(r->tls));
		*what = APPR_TLS_SH;
		return app_tls_server_hello(p, n, &r->tls);
	case APP_SSH:
		memset(&r->ssh, 0, sizeof(r->ssh));
		*what = APPR_SSH;
		return app_ssh_banner(p, n, &r->ssh);
	case APP_HTTP:
		memset(&r->http, 0, sizeof(r->http));
		*what = APPR_HTTP;
		rc = app_http_request(p, n, &r->http);
		return rc;
	}
	return APP_BAD;
}

/*
 * Whether a buffered message, old bytes before and n now, certainly is
 * still incomplete, so that parsing it again would only ask for more:
 * re-parsing the whole buffer on every segment made a message sent a
 * byte at a time cost its length squared (4 KiB: 8 M byte-steps). TLS
 * by its record and handshake lengths; an SSH banner line ends at a
 * '\n', none among the new bytes. (DNS over TCP, app_dns_tcp, and HTTP,
 * app_http_session.c, wait for a message's end alike.)
 */
static int
app_msg_short(const struct flow *f, const uint8_t *p, size_t old, size_t n)
{
	switch (f->app_proto) {
	case APP_TLS:
		return app_tls_msg_short(p, n);
	case APP_SSH:
		return memchr(p + old, '\n', n - old) == NULL;
	default:
		return 0;
	}
}

/* A message whole in p: its record emitted, or its error counted. */
static int
app_parse_whole(struct app_ctx *ctx, const struct packet *pkt,
    struct flow *f, int dir, const uint8_t *p, size_t n)
{
	uint32_t	what = 0;
	int		rc = app_parse_msg(ctx, f, dir, p, n, &what);

	if (rc == APP_DONE)
		app_emit(ctx, pkt, what);
	else if (rc == APP_BAD)
		ctx->st.parse_errors++;
	return rc;
}

/*
 * Feed one in-order chunk to a message parser, buffering across
 * segments when needed. Returns the parser's verdict for the chunk.
 */
static int
app_feed_msg(struct app_ctx *ctx, const struct packet *pkt, struct flow *f,
    int dir, const uint8_t *p, size_t n)
{
	struct app_buf	*b = f->abuf;
	uint32_t	 what = 0;
	int		 rc;

	if (b != NULL && b->len[dir] > 0) {
		size_t room = APP_BUF_MAX - b->len[dir];
		size_t take = n < room ? n : room;
		size_t old = b->len[dir];

		memcpy(b->data[dir] + b->len[dir], p, take);
		b->len[dir] += (uint16_t)take;
		if (b->len[dir] < APP_BUF_MAX &&
		    app_msg_short(f, b->data[dir], old, b->len[dir]))
			return APP_MORE;
		rc = app_parse_msg(ctx, f, dir, b->data[dir], b->len[dir],
		    &what);
		if (rc == APP_MORE && b->len[dir] < APP_BUF_MAX)
			return APP_MORE;
		if (rc == APP_DONE)
			app_emit(ctx, pkt, what);
		else
			ctx->st.parse_errors++;
		app_buf_drop(ctx, f, dir);
		return rc == APP_MORE ? APP_BAD : rc;
	}
	if ((rc = app_parse_whole(ctx, pkt, f, dir, p, n)) != APP_MORE)
		return rc;
	/* Need more: keep these bytes in a buffer from the pool. */
	return app_buf_keep(ctx, f, dir, p, n) == 0 ? APP_MORE : APP_BAD;
}

/*
 * A TLS hello, the client's or the server's, most often whole in the
 * first bytes. One that spans segments is gathered out of its records
 * (app_tls_deframe) in the flow's buffer, and past APP_BUF_MAX in a
 * large one (APP_HELLO_MAX) from a pool of its own. Gathered with its
 * records, a hello padded past 4 KiB, or a 1 KiB one cut into one-byte
 * records (OpenSSL reads both), ran over the buffer: the client's SNI
 * and fingerprints, the server's version and cipher (a ServerHello with
 * a post-quantum key share is 1.2 KiB, six times that so cut) went
 * unread. The gathering is linear in the bytes.
 */
static int
app_feed_hello(struct app_ctx *ctx, const struct packet *pkt, struct flow *f,
    int dir, const uint8_t *p, size_t n)
{
	struct app_buf	*b = f->abuf;
	struct app_tls	*t = &ctx->res.tls;
	struct app_hello *big;
	uint8_t		*buf, bit = (uint8_t)(1u << dir);
	size_t		 len, cap, need;
	int		 rc;

	/* An SSLv2 hello (no records to take off) goes the common way. */
	if (b != NULL && !(b->hello & bit) && b->len[dir] > 0)
		return app_feed_msg(ctx, pkt, f, dir, p, n);
	if (b == NULL || !(b->hello & bit)) {
		if ((rc = app_parse_whole(ctx, pkt, f, dir, p, n)) != APP_MORE)
			return rc;
		if (p[0] & 0x80)
			return app_buf_keep(ctx, f, dir, p, n) == 0 ?
			    APP_MORE : APP_BAD;
		if ((b = app_buf_get(ctx, f)) == NULL)
			return APP_BAD;
		b->hello |= bit;
		b->len[dir] = 0;
		memset(&b->df[dir], 0, sizeof(b->df[dir]));
	}
	/* Bytes that may not fit the small buffer: into a large one. */
	if (b->big[dir] == NULL && b->len[dir] + n > APP_BUF_MAX) {
		if (ctx->hello_free == NULL && ctx->hello_fresh < ctx->nhello)
			ctx->hello_free = &ctx->hello_pool[ctx->hello_fresh++];
		if ((b->big[dir] = ctx->hello_free) != NULL) {
			ctx->hello_free = b->big[dir]->next;
			memcpy(b->big[dir]->data, b->data[dir], b->len[dir]);
			b->big[dir]->len = b->len[dir];
		}
	}
	big = b->big[dir];
	buf = big != NULL ? big->data : b->data[dir];
	len = big != NULL ? big->len : b->len[dir];
	cap = big != NULL ? APP_HELLO_MAX : APP_BUF_MAX;
	rc = app_tls_deframe(&b->df[dir], p, n, buf, &len, cap);
	if (big != NULL)
		big->len = len;
	else
		b->len[dir] = (uint16_t)len;
	if (rc != 0) {
		ctx->st.parse_errors++;
		app_buf_drop(ctx, f, dir);
		return APP_BAD;
	}
	need = len < 4 ? 0 : 4 + ((size_t)buf[1] << 16 |
	    (size_t)buf[2] << 8 | buf[3]);
	if (len < cap && (need == 0 || len < need))
		return APP_MORE;
	memset(t, 0, sizeof(*t));
	if (dir == 0) {
		rc = app_tls_client_hello_bare(buf, len, t);
		if (rc == APP_DONE) {
			t->hello = buf;
			t->hello_len = len;
			t->hello_bare = 1;
			app_emit(ctx, pkt, APPR_TLS_CH);
		}
	} else if ((rc = app_tls_server_hello_bare(buf, len, t)) == APP_DONE)
		app_emit(ctx, pkt, APPR_TLS_SH);
	if (rc != APP_DONE) {
		/* Cut by the small buffer: no large one was free. */
		if (rc == APP_MORE && big == NULL) {
			ctx->st.buf_exhausted++;
			ctx->st.first_bytes_exhausted++;
		}
		ctx->st.parse_errors++;
	}
	app_buf_drop(ctx, f, dir);
	return rc == APP_MORE ? APP_BAD : rc;
}

/*
 * One DNS message of mlen bytes (or its first len) as the UDP path reads
 * one; a length below a DNS header's is a parse error.
 */
static void
app_dns_msg(struct app_ctx *ctx, const struct packet *pkt, const uint8_t *m,
    size_t len, size_t mlen)
{
	if (mlen >= 12 && app_dns_parse(m, len, &ctx->res.dns) == APP_DONE)
		app_emit(ctx, pkt, APPR_DNS);
	else
		ctx->st.parse_errors++;
}

/*
 * DNS over TCP: every message of the direction, each a two-byte length
 * and the message (RFC 1035 4.2.2), several to a segment or one over
 * several (RFC 7766 6.2.1: a resolver answers every query of a
 * connection, pipelined too). Each goes out as a datagram's does, to
 * the events and the rules. A message cut by a segment is gathered in
 * the flow's buffer from the pool (one message a direction at a time,
 * APP_BUF_MAX bytes); one longer than that (the length allows 65535) is
 * read from its first APP_BUF_MAX bytes (its header and question are
 * there) and the rest is skipped by its length, so the next one is
 * still found. A length below a DNS header's is skipped alike and
 * counted. The work is linear in the bytes (to stream.depth); nothing
 * is allocated. After a gap (gap set) the framing is lost: the
 * direction ends.
 */
static void
app_dns_tcp(struct app_ctx *ctx, const struct packet *pkt, struct flow *f,
    int dir, const uint8_t *p, size_t n, int gap)
{
	struct app_buf	*b;
	size_t		 mlen = 0, have, want, k;

	if (gap) {
		app_buf_drop(ctx, f, dir);
		f->app_done[dir] = 1;
		return;
	}
	while (n > 0) {
		b = f->abuf;
		if (b != NULL && b->skip[dir] > 0) {
			k = n < b->skip[dir] ? n : b->skip[dir];
			b->skip[dir] = (uint16_t)(b->skip[dir] - k);
			p += k;
			n -= k;
			if (b->skip[dir] == 0)
				app_buf_drop(ctx, f, dir);
			continue;
		}
		if (b != NULL && b->len[dir] > 0) {
			/* A message begun in an earlier segment. */
			have = b->len[dir];
			want = 2;
			if (have >= 2) {
				mlen = (size_t)b->data[dir][0] << 8 |
				    b->data[dir][1];
				want = mlen + 2 < APP_BUF_MAX ? mlen + 2 :
				    APP_BUF_MAX;
			}
			k = n < want - have ? n : want - have;
			memcpy(b->data[dir] + have, p, k);
			b->len[dir] = (uint16_t)(have + k);
			p += k;
			n -= k;
			if (have + k < want)
				return;		/* n is 0: more to come */
			/* Only the length was read: now the message. (Not
			 * want == 2: a zero length, read whole, is a message
			 * of none; looping on it took no byte, for ever.) */
			if (have < 2)
				continue;
			app_dns_msg(ctx, pkt, b->data[dir] + 2, want - 2, mlen);
			b->len[dir] = 0;
			b->skip[dir] = (uint16_t)(mlen + 2 - want);
			if (b->skip[dir] == 0)
				app_buf_drop(ctx, f, dir);
			continue;
		}
		/* At a message's start, in this segment. */
		if (n >= 2) {
			mlen = (size_t)p[0] << 8 | p[1];
			if (n - 2 >= mlen) {
				app_dns_msg(ctx, pkt, p + 2, mlen, mlen);
				p += 2 + mlen;
				n -= 2 + mlen;
				continue;
			}
			if (n >= APP_BUF_MAX) {
				/* Too long to keep: its first bytes, then
				 * the rest skipped. */
				app_dns_msg(ctx, pkt, p + 2, APP_BUF_MAX - 2,
				    mlen);
				if ((b = app_buf_get(ctx, f)) == NULL)
					break;
				b->skip[dir] = (uint16_t)(mlen + 2 - n);
				return;
			}
		}
		if (app_buf_keep(ctx, f, dir, p, n) != 0)
			break;
		return;
	}
	if (n > 0)
		f->app_done[dir] = 1;	/* no buffer left: given up */
}

/* Follow the server's stream from its start once the client said hello. */
static void
app_walk_start(struct app_ctx *ctx, struct flow *f)
{
	struct tls_walk	*w;

	if (f->atls != NULL || f->inspected[1] != 0)
		return;
	if (ctx->walk_free == NULL && ctx->walk_fresh < ctx->nwalk)
		ctx->walk_free = &ctx->walk_pool[ctx->walk_fresh++];
	if ((w = ctx->walk_free) == NULL) {
		ctx->st.buf_exhausted++;
		ctx->st.cert_walks_exhausted++;
		return;
	}
	ctx->walk_free = w->next;
	f->atls = w;
	memset(w->sni, 0, sizeof(w->sni));
	tls_walk_reset(w);
	memcpy(w->sni, ctx->res.tls.sni, sizeof(w->sni));
}

/*
 * One in-order chunk of the server's stream through the walk; when the
 * leaf certificate is whole, its (cached) fields become a record.
 */
static void
app_walk_chunk(struct app_ctx *ctx, const struct packet *pkt,
    struct flow *f, const uint8_t *p, size_t n)
{
	struct tls_walk		*w = f->atls;
	struct app_tls		*t = &ctx->res.tls;
	const struct tls_cert	*c;
	uint64_t		 before;
	int			 rc;

	rc = tls_walk_feed(w, p, n);
	if (rc == TLS_WALK_MORE)
		return;
	if (rc == TLS_WALK_BIG)
		ctx->st.tls_cert_oversize++;
	if (rc == TLS_WALK_CERT) {
		before = tls_cert_cache_stats(ctx->certs)->parsed;
		c = tls_cert_get(ctx->certs, w->der, w->der_len);
		ctx->st.tls_cert_parsed += tls_cert_cache_stats(
		    ctx->certs)->parsed - before;
		if (c == NULL)
			ctx->st.tls_cert_bad++;
		else {
			memset(t, 0, sizeof(*t));
			memcpy(t->sni, w->sni, sizeof(t->sni));
			t->cert = c;
			t->sni_mismatch = w->sni[0] != '\0' &&
			    !tls_cert_host_ok(ctx->certs, c, w->sni);
			app_emit(ctx, pkt, APPR_TLS_CERT);
		}
	}
	app_walk_release(ctx, f);
}

/* An HTTP session's record, through the emit callback. */
static void
app_http_emit(const struct packet *pkt, uint32_t what,
    const struct app_http *h, void *arg)
{
	struct app_ctx	*ctx = arg;

	ctx->res.http = *h;
	app_emit(ctx, pkt, what);
}

/*
 * HTTP, both directions, every message: the session's view of the piece
 * (headers as they are, bodies decoded) goes to the inspect callback.
 * Returns 1 when the piece was inspected that way.
 */
static int
app_http_piece(struct app_ctx *ctx, const struct packet *pkt,
    const uint8_t *p, size_t n)
{
	ctx->cur = pkt;
	ctx->sink.len = ctx->sink.reflen = 0;
	ctx->sink.ref = NULL;
	ctx->sink.gap = 0;
	ctx->view_gap = (pkt->flags & PKT_GAP) != 0;
	if (http_session_piece(ctx->http, pkt, p, n, &ctx->sink,
	    app_http_emit, ctx) != 0)
		return 0;
	app_view_flush(&ctx->sink);
	return ctx->inspect != NULL;
}

void
app_flow_end(struct app_ctx *ctx, struct flow *f, const struct iface *ifc)
{
	struct packet	pkt;

	if (f->app_proto != APP_HTTP || f->ahttp == NULL)
		return;
	memset(&pkt, 0, sizeof(pkt));
	pkt.ts = f->last;
	pkt.flow = f;
	pkt.iface = ifc;
	pkt.proto = f->proto;
	http_session_end(ctx->http, f, &pkt, app_http_emit, ctx);
}

/*
 * Plaintext login protocols: per segment, with the flow's state (user
 * name typed so far, prompts seen) kept across segments; report when a
 * user, password, AUTH, community or STARTTLS newly appears.
 */
static void
app_plain_chunk(struct app_ctx *ctx, const struct packet *pkt,
    struct flow *f, int dir, const uint8_t *p, size_t n)
{
	struct app_plain_state	*ps = f->aplain;
	uint8_t			 before;
	int			 rc;

	if (ps == NULL) {
		if (ctx->plain_free == NULL && ctx->plain_fresh < ctx->nplain)
			ctx->plain_free = &ctx->plain_pool[ctx->plain_fresh++];
		if ((ps = ctx->plain_free) == NULL) {
			ctx->st.buf_exhausted++;
			ctx->st.logins_exhausted++;
			f->app_done[0] = f->app_done[1] = 1;
			return;
		}
		ctx->plain_free = ps->next;
		memset(&ps->pl, 0, sizeof(ps->pl));
		f->aplain = ps;
	}
	before = ps->pl.seen & PLAIN_PUBLIC;
	rc = app_plain_parse((enum app_proto)f->app_proto, dir, p, n, &ps->pl);
	if (rc == APP_BAD && f->proto == PROTO_UDP)
		return;
	if (((ps->pl.seen & PLAIN_PUBLIC) & ~before) & (PLAIN_USER |
	    PLAIN_PASS | PLAIN_AUTH | PLAIN_COMMUNITY | PLAIN_STARTTLS)) {
		ctx->res.plain = ps->pl;
		ctx->res.plain.seen &= PLAIN_PUBLIC;
		app_emit(ctx, pkt, APPR_PLAIN);
	}
	/* After STARTTLS the rest is TLS: nothing more to read in clear. */
	if (ps->pl.seen & PLAIN_STARTTLS)
		f->app_done[0] = f->app_done[1] = 1;
}

/*
 * A client datagram of a QUIC flow, until its ClientHello is whole or
 * the flow is given up (APP_QUIC_TRIES datagrams, a short header, a
 * bound); the server's side is encrypted past its Initial: not read.
 */
static void
app_quic_chunk(struct app_ctx *ctx, const struct packet *pkt, struct flow *f,
    int dir, const uint8_t *p, size_t n)
{
	struct app_tls	*t = &ctx->res.tls;
	int		 rc;

	if (dir == 1) {
		f->app_done[1] = 1;
		return;
	}
	memset(t, 0, sizeof(*t));
	rc = quic_datagram(ctx->quic, &f->aquic, p, n, t, &ctx->st);
	if (rc == APP_DONE)
		app_emit(ctx, pkt, APPR_TLS_CH);
	/*
	 * Browsers' hellos, post-quantum shares and all, are a few KiB in
	 * one to three Initials, the first of which begins it. One declared
	 * past the bound, or not whole in APP_QUIC_TRIES datagrams (tiny
	 * frames, or Initials that fail or carry no CRYPTO before it), is
	 * shaped to keep its server name from the sensor: an anomaly, not
	 * a silent count.
	 */
	if (rc == APP_TOO_LARGE)
		ctx->anomaly = DE_QUIC_HELLO_TOO_LARGE;
	else if (rc == APP_MORE && f->pkts[0] >= APP_QUIC_TRIES)
		ctx->anomaly = DE_QUIC_HELLO_TOO_MANY;
	if (rc != APP_MORE || f->pkts[0] >= APP_QUIC_TRIES) {
		f->app_done[0] = 1;
		quic_release(ctx->quic, &f->aquic);
	}
}

/*
 * Could these few bytes begin a protocol we read? Only then are they
 * worth a buffer: tiny segments of unknown traffic must not drain the
 * pool.
 */
static int
app_may_start(const struct flow *f, const uint8_t *p, size_t n)
{
	static const char *const heads[] = { "GET ", "POST ", "HEAD ",
	    "PUT ", "OPTIONS ", "DELETE ", "CONNECT ", "PATCH ", "SSH-" };
	size_t	i;

	if (f->cport == 53 || f->sport == 53)	/* DNS length prefix */
		return 1;
	if (p[0] == 0x16 && (n < 2 || p[1] == 0x03))	/* TLS record */
		return 1;
	if ((p[0] & 0x80) && (n < 3 || p[2] == 0x01))	/* SSLv2 hello */
		return 1;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		if (n < strlen(heads[i]) && memcmp(p, heads[i], n) == 0)
			return 1;
	return 0;
}

/*
 * One in-order chunk of a direction's stream (or one datagram); 1 when
 * its inspection was done here (HTTP).
 */
static int
app_chunk(struct app_ctx *ctx, const struct packet *pkt, struct flow *f,
    int dir, const uint8_t *p, size_t n)
{
	const uint8_t	*rest = NULL;	/* past what ctx->tmp could take */
	size_t		 nrest = 0;
	int		 detected = 0;

	if (f->app_proto == APP_UNKNOWN) {
		enum app_proto	ap;
		struct app_buf	*b = f->abuf;

		/* Bytes kept back because they were too few to recognise. */
		if (b != NULL && b->len[dir] > 0) {
			size_t m = b->len[dir];
			size_t take = n < APP_BUF_MAX - m ? n : APP_BUF_MAX - m;

			memcpy(ctx->tmp, b->data[dir], m);
			memcpy(ctx->tmp + m, p, take);
			app_buf_drop(ctx, f, dir);
			rest = p + take;
			nrest = n - take;
			p = ctx->tmp;
			n = m + take;
		}
		ap = app_detect_hello(f->proto, dir, p, n, f->cport, f->sport,
		    &ctx->res.tls, &ctx->ch_rc);
		if (ctx->ch_rc >= 0) {
			ctx->ch_p = p;
			ctx->ch_n = n;
		}
		if (ap == APP_UNKNOWN) {
			/*
			 * A stream may open with a few bytes (a DNS length
			 * prefix, a lone "GE"): keep them for the next chunk.
			 * Empty lines before a request do not count (servers
			 * skip any number, however cut: FA_LEAD while only
			 * they came).
			 */
			int start = f->inspected[dir] <= APP_DETECT_MIN ||
			    (f->app_flags & FA_LEAD);
			size_t lead = f->proto == PROTO_TCP && dir == 0 &&
			    (f->inspected[dir] <= n ||
			    (f->app_flags & FA_LEAD)) ? app_http_lead(p, n) : 0;

			if (lead == n && lead > 0) {
				f->app_flags |= FA_LEAD;
				return 0;
			}
			f->app_flags &= (uint8_t)~FA_LEAD;
			if (f->proto == PROTO_TCP &&
			    n - lead < APP_DETECT_MIN && (start || lead > 0) &&
			    app_may_start(f, p + lead, n - lead))
				app_buf_keep(ctx, f, dir, p + lead, n - lead);
			return 0;
		}
		f->app_proto = (uint8_t)ap;
		detected = 1;
	}
	switch (f->app_proto) {
	case APP_TLS:
	case APP_SSH:
		if (f->app_proto == APP_TLS) {
			/* With the bytes past what detection's copy took. */
			if (!f->app_done[dir] &&
			    app_feed_hello(ctx, pkt, f, dir, p, n) != APP_MORE)
				f->app_done[dir] = 1;
			if (nrest > 0 && !f->app_done[dir] &&
			    app_feed_hello(ctx, pkt, f, dir, rest, nrest) !=
			    APP_MORE)
				f->app_done[dir] = 1;
		} else if (!f->app_done[dir] &&
		    app_feed_msg(ctx, pkt, f, dir, p, n) != APP_MORE)
			f->app_done[dir] = 1;
		if (f->app_proto == APP_TLS && dir == 0 &&
		    ctx->res.have == APPR_TLS_CH) {
			f->tls_offered = ctx->res.tls.max_version;
			app_walk_start(ctx, f);
		}
		if (dir == 1 && f->atls != NULL)
			app_walk_chunk(ctx, pkt, f, p, n);
		break;
	case APP_DNS:
		if (f->proto == PROTO_UDP) {
			struct app_dns *d = &ctx->res.dns;

			memset(d, 0, sizeof(*d));
			if (app_dns_parse(p, n, d) == APP_DONE)
				app_emit(ctx, pkt, APPR_DNS);
			else
				ctx->st.parse_errors++;
		} else {
			/* A gap in the chunk that was just recognised is
			 * the capture's start, not a loss inside it. */
			app_dns_tcp(ctx, pkt, f, dir, p, n,
			    (pkt->flags & PKT_GAP) && !detected);
			if (nrest > 0 && !f->app_done[dir])
				app_dns_tcp(ctx, pkt, f, dir, rest, nrest, 0);
		}
		break;
	case APP_HTTP:
		return f->proto == PROTO_TCP ? app_http_piece(ctx, pkt, p, n) : 0;
	case APP_QUIC:
		app_quic_chunk(ctx, pkt, f, dir, p, n);
		break;
	default:
		/* The clear-text logins: one list, app_is_plain's. */
		if (app_is_plain((enum app_proto)f->app_proto))
			app_plain_chunk(ctx, pkt, f, dir, p, n);
		else
			f->app_done[dir] = 1;
	}
	return 0;
}

int
app_process(struct app_ctx *ctx, struct packet *pkt)
{
	struct flow	*f = pkt->flow;
	int		 dir = pkt->dir;
	const uint8_t	*p = pkt->payload;
	size_t		 n = pkt->payload_len;
	int		 rc;

	ctx->res.have = 0;

	if (f == NULL || ((pkt->flags & PKT_FRAG) && !(pkt->flags &
	    PKT_FRAG_FIRST)))
		return 0;
	if (f->proto != PROTO_UDP && f->proto != PROTO_TCP)
		return 0;
	if (n == 0 || app_dir_done(f, dir) || (pkt->flags & PKT_STREAM_ALT))
		return 0;
	/* TCP: stream.c hands on in-order data only, within its depth. */
	if (pkt->flags & PKT_GAP) {
		/* What we buffered can no longer complete. */
		ctx->st.gaps++;
		app_buf_drop(ctx, f, dir);
		if (dir == 1)
			app_walk_release(ctx, f);
	}
	ctx->anomaly = DE_NONE;
	rc = app_chunk(ctx, pkt, f, dir, p, n);
	ctx->ch_p = NULL;	/* detection's hello is this chunk's only */
	if (ctx->anomaly != DE_NONE && decode_err_yields(pkt->err))
		pkt->err = ctx->anomaly;
	return rc;
}
