/*
 * HTTP/1.x on one TCP flow (see http_session.h): each direction is read
 * message by message, header then body, so the next request or response
 * is found wherever it starts, and bodies are decoded for inspection.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "flow.h"
#include "http_body.h"
#include "http_session.h"
#include "types.h"
#include "xmalloc.h"

/* Where a direction is. */
enum {
	HS_HEADER = 0,	/* at a message's start, or inside its header */
	HS_BODY,	/* inside its body */
	HS_RAW		/* lost: bytes as they are, until a message starts */
};

/*
 * A header that spans segments, from a pool of its own: APP_BUF_MAX
 * bytes, and for a longer one (large cookies, a padded line: nginx takes
 * 4 x 8 KiB, Node 16 KiB) one of a smaller pool of HTTP_HEADER_MAX,
 * taken when the first fills. A header past that is reported as it
 * stands (app_http.c).
 */
struct http_hbuf {
	struct http_hbuf *next;
	size_t		 len, cap;
	int		 line_done;	/* the start line has its '\n' */
	uint8_t		*data;
};

/* One header buffer of that size for so many sessions. */
#define HBUF_SMALL_PER	4
#define HBUF_BIG_PER	64

/* The buffers of one size: handed out from free, then in order (fresh). */
struct http_hpool {
	struct http_hbuf *bufs, *free;
	uint8_t		*data;
	size_t		 n, fresh, cap;
};

enum { HP_SMALL, HP_BIG };

struct http_tx {
	struct app_http	 h;	/* the request, then its response's fields */
	uint32_t	 seq;
};

struct http_session {
	struct http_session *next;
	struct http_hbuf *hbuf[2];
	uint8_t		 state[2];
	uint8_t		 ntx;		/* transactions open, oldest first */
	uint8_t		 head;
	uint8_t		 resp_head;	/* the response is to a HEAD */
	uint32_t	 seq;		/* of the newest request */
	uint32_t	 req_seq;	/* whose body dir 0 is reading */
	struct http_body body[2];
	struct http_tx	 tx[HTTP_TX_MAX];
};

/* Slots are taken from the free lists, then in order from those never
 * used (fresh): an unused one's pages are never faulted in (app.c). */
struct http_sessions {
	struct http_session *pool, *free;
	struct http_hpool hp[2];	/* HP_SMALL, HP_BIG */
	size_t		 n, fresh;
	struct http_bodies *bodies;
	struct http_session_stats st;
	/* The call in progress. */
	const struct packet *pkt;
	struct hb_sink	*sink;
	http_emit_fn	 emit;
	void		*arg;
};

static void
hpool_init(struct http_hpool *hp, size_t n, size_t cap)
{
	hp->n = n;
	hp->cap = cap;
	hp->bufs = xcalloc(n, sizeof(*hp->bufs));
	hp->data = xcalloc(n, cap);
}

struct http_sessions *
http_sessions_new(size_t n, struct http_bodies *bodies)
{
	struct http_sessions	*hs = xcalloc(1, sizeof(*hs));

	if (n < 4)
		n = 4;
	hs->n = n;
	/* A header spans segments only for a moment: one buffer for four,
	 * a long one for 64. Untouched, their pages are never faulted in. */
	hs->pool = xcalloc(hs->n, sizeof(*hs->pool));
	hpool_init(&hs->hp[HP_SMALL], n / HBUF_SMALL_PER < 4 ? 4 :
	    n / HBUF_SMALL_PER, APP_BUF_MAX);
	hpool_init(&hs->hp[HP_BIG], n / HBUF_BIG_PER < 2 ? 2 :
	    n / HBUF_BIG_PER, HTTP_HEADER_MAX);
	hs->bodies = bodies;
	return hs;
}

void
http_sessions_free(struct http_sessions *hs)
{
	int	i;

	if (hs == NULL)
		return;
	free(hs->pool);
	for (i = 0; i < 2; i++) {
		free(hs->hp[i].bufs);
		free(hs->hp[i].data);
	}
	free(hs);
}

const struct http_session_stats *
http_sessions_stats(const struct http_sessions *hs)
{
	return &hs->st;
}

static void
hs_hbuf_drop(struct http_sessions *hs, struct http_session *ss, int dir)
{
	struct http_hbuf *b = ss->hbuf[dir];
	struct http_hpool *hp;

	if (b == NULL)
		return;
	hp = &hs->hp[b->cap == APP_BUF_MAX ? HP_SMALL : HP_BIG];
	b->next = hp->free;
	hp->free = b;
	ss->hbuf[dir] = NULL;
}

/* A header buffer of pool which (HP_SMALL, HP_BIG), or NULL (counted)
 * when that pool is used up. */
static struct http_hbuf *
hs_hbuf_take(struct http_sessions *hs, int which)
{
	struct http_hpool *hp = &hs->hp[which];
	struct http_hbuf *b;

	if (hp->free == NULL && hp->fresh < hp->n) {
		b = &hp->bufs[hp->fresh];
		b->data = hp->data + hp->fresh++ * hp->cap;
		b->cap = hp->cap;
		hp->free = b;
	}
	if ((b = hp->free) != NULL)
		hp->free = b->next;
	else
		hs->st.exhausted++;
	return b;
}

void
http_session_release(struct http_sessions *hs, struct flow *f)
{
	struct http_session	*ss = f->ahttp;

	if (ss == NULL)
		return;
	http_body_end(hs->bodies, &ss->body[0]);
	http_body_end(hs->bodies, &ss->body[1]);
	hs_hbuf_drop(hs, ss, 0);
	hs_hbuf_drop(hs, ss, 1);
	ss->next = hs->free;
	hs->free = ss;
	f->ahttp = NULL;
}

/* Record the oldest transaction and forget it. */
static void
hs_tx_done(struct http_sessions *hs, struct http_session *ss)
{
	struct http_tx	*t = &ss->tx[ss->head];

	if (ss->ntx == 0)
		return;
	hs->st.transactions++;
	if (hs->emit != NULL)
		hs->emit(hs->pkt, APPR_HTTP_TX, &t->h, hs->arg);
	ss->head = (uint8_t)((ss->head + 1) % HTTP_TX_MAX);
	ss->ntx--;
}

/* The transaction of a request, if still open. */
static struct http_tx *
hs_tx_find(struct http_session *ss, uint32_t seq)
{
	int	i;

	for (i = 0; i < ss->ntx; i++) {
		struct http_tx *t = &ss->tx[(ss->head + i) % HTTP_TX_MAX];

		if (t->seq == seq)
			return t;
	}
	return NULL;
}

/* A new transaction at the end; the oldest recorded when there is none. */
static struct http_tx *
hs_tx_push(struct http_sessions *hs, struct http_session *ss,
    const struct app_http *h)
{
	struct http_tx	*t;

	if (ss->ntx == HTTP_TX_MAX) {
		hs->st.unpaired++;
		hs_tx_done(hs, ss);
	}
	t = &ss->tx[(ss->head + ss->ntx) % HTTP_TX_MAX];
	ss->ntx++;
	t->h = *h;
	t->h.request_body = t->h.response_body = 0;
	t->h.has_response = 0;
	t->seq = ++ss->seq;
	return t;
}

/* The direction can no longer be read message by message. */
static void
hs_lose(struct http_sessions *hs, struct http_session *ss, int dir)
{
	if (ss->state[dir] != HS_RAW)
		hs->st.desync++;
	http_body_end(hs->bodies, &ss->body[dir]);
	hs_hbuf_drop(hs, ss, dir);
	ss->state[dir] = HS_RAW;
}

/* A request header: its record for the rules, its body's framing. */
static void
hs_request(struct http_sessions *hs, struct http_session *ss,
    const struct app_http *h)
{
	struct http_tx	*t;

	hs->st.requests++;
	if (hs->emit != NULL)
		hs->emit(hs->pkt, APPR_HTTP, h, hs->arg);
	t = hs_tx_push(hs, ss, h);
	ss->req_seq = t->seq;
	if (h->unended || h->other_te) {
		hs_lose(hs, ss, 0);
		return;
	}
	http_body_start(hs->bodies, &ss->body[0], h->chunked ? HB_CHUNKED :
	    h->have_length ? HB_LENGTH : HB_NONE, h->length, h->coding);
	ss->state[0] = HS_BODY;
}

/*
 * A response header: paired with the oldest open request. Returns 1
 * when another protocol follows (WebSocket, a tunnel).
 */
static int
hs_response(struct http_sessions *hs, struct http_session *ss,
    const struct app_http *h)
{
	struct http_tx	*t;
	enum hb_framing	 fr;

	/* Interim responses (100 Continue) come before the real one. */
	if (h->status >= 100 && h->status < 200 && h->status != 101)
		return 0;
	hs->st.responses++;
	if (ss->ntx == 0) {
		struct app_http none;

		memset(&none, 0, sizeof(none));
		hs_tx_push(hs, ss, &none);
	}
	t = &ss->tx[ss->head];
	t->h.status = h->status;
	t->h.has_response = 1;
	if (ss->tx[ss->head].seq == ss->req_seq)
		t->h.request_body = ss->body[0].decoded;
	ss->resp_head = strcmp(t->h.method, "HEAD") == 0;
	if (h->status == 101 || (h->status / 100 == 2 &&
	    strcmp(t->h.method, "CONNECT") == 0)) {
		hs_tx_done(hs, ss);
		return 1;
	}
	if (ss->resp_head || h->status == 204 || h->status == 304)
		fr = HB_NONE;
	else if (h->chunked)
		fr = HB_CHUNKED;
	else if (h->have_length && !h->other_te)
		fr = HB_LENGTH;
	else
		fr = HB_CLOSE;
	http_body_start(hs->bodies, &ss->body[1], fr, h->length, h->coding);
	ss->state[1] = HS_BODY;
	return 0;
}

/* A body ended: the request's length noted, or the transaction done. */
static void
hs_body_done(struct http_sessions *hs, struct http_session *ss, int dir)
{
	struct http_body *b = &ss->body[dir];

	ss->state[dir] = HS_HEADER;
	if (dir == 0) {
		struct http_tx *t = hs_tx_find(ss, ss->req_seq);

		if (t != NULL)
			t->h.request_body = b->decoded;
		return;
	}
	if (ss->ntx > 0)
		ss->tx[ss->head].h.response_body = b->decoded;
	hs_tx_done(hs, ss);
}

/* Parse a header at p (n bytes) in the direction's way. */
static int
hs_parse(int dir, const uint8_t *p, size_t n, struct app_http *h)
{
	return dir == 0 ? app_http_request(p, n, h) :
	    app_http_response(p, n, h);
}

/*
 * Whether the bytes of b from old on can have ended what the parser
 * waits for: the start line (its '\n'), then the blank line after the
 * fields ("\n\n" or "\n\r\n", its first bytes perhaps old). Else a
 * parse of the whole buffer would only ask for more again: that was a
 * header sent a byte at a time costing its length squared (4 KiB:
 * 8 M byte-steps a message).
 */
static int
hs_may_end(struct http_hbuf *b, size_t old)
{
	const uint8_t	*p = b->data, *nl;
	size_t		 k = old;

	while (k < b->len &&
	    (nl = memchr(p + k, '\n', b->len - k)) != NULL) {
		k = (size_t)(nl - p);
		if (!b->line_done) {
			b->line_done = 1;
			return 1;
		}
		if ((k >= 1 && p[k - 1] == '\n') ||
		    (k >= 2 && p[k - 1] == '\r' && p[k - 2] == '\n'))
			return 1;
		k++;
	}
	return 0;
}

/*
 * The header part of a piece: returns the bytes of p that belong to the
 * header, after which *done says whether it is complete (its fields in
 * h), or -1 when it is not a message header.
 */
static long
hs_header(struct http_sessions *hs, struct http_session *ss, int dir,
    const uint8_t *p, size_t n, struct app_http *h, int *done)
{
	struct http_hbuf *b = ss->hbuf[dir];
	size_t		 old, take;
	int		 rc;

	*done = 0;
	if (b == NULL) {
		size_t lead = dir == 0 ? app_http_lead(p, n) : 0;

		/* Taken here, not kept: any number may come. */
		if (lead == n)
			return (long)n;
		p += lead;
		n -= lead;
		rc = hs_parse(dir, p, n, h);
		if (rc == APP_DONE) {
			*done = 1;
			return (long)(lead + (h->header_len < n ?
			    h->header_len : n));
		}
		if (rc == APP_BAD || n >= HTTP_HEADER_MAX)
			return -1;
		if ((b = hs_hbuf_take(hs, n < APP_BUF_MAX ? HP_SMALL :
		    HP_BIG)) == NULL)
			return -1;
		memcpy(b->data, p, n);
		b->len = n;
		b->line_done = memchr(p, '\n', n) != NULL;
		ss->hbuf[dir] = b;
		return (long)(lead + n);
	}
	old = b->len;
	/* Past the small buffer: into a long one, if one is free. */
	if (n > b->cap - old && b->cap < HTTP_HEADER_MAX) {
		struct http_hbuf *big = hs_hbuf_take(hs, HP_BIG);

		if (big != NULL) {
			memcpy(big->data, b->data, old);
			big->len = old;
			big->line_done = b->line_done;
			hs_hbuf_drop(hs, ss, dir);
			ss->hbuf[dir] = b = big;
		}
	}
	take = n < b->cap - old ? n : b->cap - old;
	memcpy(b->data + old, p, take);
	b->len += take;
	if (b->len < b->cap && !hs_may_end(b, old))
		return (long)n;
	rc = hs_parse(dir, b->data, b->len, h);
	if (rc == APP_MORE && b->len < b->cap)
		return (long)n;
	hs_hbuf_drop(hs, ss, dir);
	if (rc != APP_DONE)
		return -1;
	*done = 1;
	return h->header_len > old ? (long)(h->header_len - old) : 0;
}

/* Could a message of this direction start at p? */
static int
hs_starts(int dir, const uint8_t *p, size_t n)
{
	struct app_http	h;
	size_t		lead;

	if (dir == 1)
		return n >= 5 && memcmp(p, "HTTP/", 5) == 0;
	lead = app_http_lead(p, n);
	p += lead;
	n -= lead;
	return n > 0 && app_http_request(p, n < 32 ? n : 32, &h) != APP_BAD;
}

static struct http_session *
hs_get(struct http_sessions *hs, struct flow *f)
{
	struct http_session *ss = f->ahttp;

	if (ss != NULL)
		return ss;
	if (hs->free == NULL && hs->fresh < hs->n)
		hs->free = &hs->pool[hs->fresh++];
	if ((ss = hs->free) == NULL) {
		hs->st.exhausted++;
		return NULL;
	}
	hs->free = ss->next;
	/* The transactions are written before they are read. */
	memset(ss, 0, offsetof(struct http_session, tx));
	f->ahttp = ss;
	return ss;
}

/*
 * Between transactions a session holds nothing a fresh one would not:
 * it goes back to the pool, so the pool bounds the transactions in
 * progress, not the connections kept alive.
 */
static void
hs_idle(struct http_sessions *hs, struct flow *f)
{
	struct http_session	*ss = f->ahttp;

	if (ss->state[0] == HS_HEADER && ss->state[1] == HS_HEADER &&
	    ss->hbuf[0] == NULL && ss->hbuf[1] == NULL && ss->ntx == 0)
		http_session_release(hs, f);
}

size_t
http_session_bytes(void)
{
	return sizeof(struct http_session) + (sizeof(struct http_hbuf) +
	    APP_BUF_MAX) / HBUF_SMALL_PER + (sizeof(struct http_hbuf) +
	    HTTP_HEADER_MAX) / HBUF_BIG_PER;
}

int
http_session_piece(struct http_sessions *hs, const struct packet *pkt,
    const uint8_t *p, size_t n, struct hb_sink *sink, http_emit_fn emit,
    void *arg)
{
	struct flow		*f = pkt->flow;
	int			 dir = pkt->dir, guard = 0;
	struct http_session	*ss;
	struct app_http		 h;

	if ((ss = hs_get(hs, f)) == NULL)
		return -1;
	hs->pkt = pkt;
	hs->sink = sink;
	hs->emit = emit;
	hs->arg = arg;
	if (pkt->flags & PKT_GAP)
		hs_lose(hs, ss, dir);
	/* After a loss, a piece that starts a message picks up again. */
	if (ss->state[dir] == HS_RAW && hs_starts(dir, p, n))
		ss->state[dir] = HS_HEADER;
	while (n > 0) {
		size_t	 used;
		long	 hl;
		int	 done;

		if (++guard > 1024)
			hs_lose(hs, ss, dir);
		switch (ss->state[dir]) {
		case HS_HEADER:
			hl = hs_header(hs, ss, dir, p, n, &h, &done);
			if (hl < 0) {
				hs_lose(hs, ss, dir);
				break;
			}
			http_sink_put(sink, p, (size_t)hl);
			p += hl;
			n -= (size_t)hl;
			if (!done)
				break;
			if (dir == 0)
				hs_request(hs, ss, &h);
			else if (hs_response(hs, ss, &h)) {
				/*
				 * Not HTTP any more either way: the rest of
				 * the flow is inspected as it is (app.c).
				 */
				http_sink_put(sink, p, n);
				f->app_done[0] = f->app_done[1] = 1;
				http_session_release(hs, f);
				return 0;
			}
			if (ss->state[dir] == HS_BODY &&
			    (ss->body[dir].flags & HBF_DONE))
				hs_body_done(hs, ss, dir);
			break;
		case HS_BODY: {
			struct http_body *b = &ss->body[dir];

			used = http_body_feed(hs->bodies, b, p, n, sink);
			p += used;
			n -= used;
			if (b->flags & HBF_BROKEN) {
				hs_lose(hs, ss, dir);
				sink->gap = 1;
			} else if (b->flags & HBF_DONE)
				hs_body_done(hs, ss, dir);
			else if (used == 0)
				hs_lose(hs, ss, dir);
			break;
		}
		default:
			http_sink_put(sink, p, n);
			n = 0;
			break;
		}
	}
	hs_idle(hs, f);
	return 0;
}

void
http_session_end(struct http_sessions *hs, struct flow *f,
    const struct packet *pkt, http_emit_fn emit, void *arg)
{
	struct http_session	*ss = f->ahttp;

	if (ss == NULL)
		return;
	hs->pkt = pkt;
	hs->emit = emit;
	hs->arg = arg;
	/* A response read to the end of the connection is complete now. */
	if (ss->state[1] == HS_BODY && ss->body[1].framing == HB_CLOSE)
		hs_body_done(hs, ss, 1);
	if (ss->state[0] == HS_BODY) {
		struct http_tx *t = hs_tx_find(ss, ss->req_seq);

		if (t != NULL)
			t->h.request_body = ss->body[0].decoded;
	}
	while (ss->ntx > 0)
		hs_tx_done(hs, ss);
	http_session_release(hs, f);
}
