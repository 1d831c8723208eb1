/*
 * An HTTP/1.x message body, decoded for inspection (see http_body.h):
 * the framing taken off (RFC 9112 6, 7.1), the content coding inflated
 * (RFC 9110 8.4.1) within fixed memory.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "http_body.h"
#include "util.h"
#include "xmalloc.h"

/*
 * zlib's inflate takes its state (about 7 KB) and a 32 KB window through
 * zalloc: both come from the slot's arena, reset when the body ends.
 */
#define HB_ARENA	(48 * 1024)
#define HB_CHUNK_MAX	((uint64_t)1 << 40)	/* larger chunk sizes: hostile */
#define HB_LINE_MAX	1024	/* trailer lines */
/* Output allowed beyond ratio x input, so small bodies always inflate. */
#define HB_RATIO_SLACK	(64 * 1024)

/* Where the chunked framing is. */
enum {
	CS_SIZE = 0,	/* hex digits of the chunk size */
	CS_EXT,		/* extensions or spaces up to the line's end */
	CS_DATA,	/* the chunk's bytes */
	CS_DATA_END,	/* the CRLF after them */
	CS_DATA_LF,
	CS_TRAILER	/* trailer lines up to an empty one */
};

/* Output of a stacked coding, handed to the next one a piece at a time. */
#define HB_LAYER_BUF	4096

/*
 * One coding's zlib state. While a body holds it, next is the coding
 * undone after it (its output goes there; the last one's to the sink).
 */
struct hb_zslot {
	struct hb_zslot	*next;
	z_stream	 zs;
	size_t		 used;
	uint64_t	 out;		/* bytes this coding gave out */
	uint8_t		 coding;	/* enum hb_coding */
	uint8_t		 init;		/* inflateInit2 done */
	uint8_t		 zend;		/* its stream ended */
	uint8_t		 raw;		/* not what it claims: passed on */
	_Alignas(16) uint8_t arena[HB_ARENA];
};

struct http_bodies {
	uint64_t	 limit;
	uint32_t	 ratio;
	struct hb_zslot	*slots;
	struct hb_zslot	*free;
	size_t		 nslots, fresh;	/* never used yet, in order (app.c) */
	uint64_t	 c[HBC_NCOUNTERS];
};

static const char *const hb_names[] = {
#define X(id, name) name,
	HTTP_BODY_COUNTERS(X)
#undef X
};

const char *
http_body_counter_name(enum http_body_counter c)
{
	return (unsigned)c < HBC_NCOUNTERS ? hb_names[c] : "?";
}

const uint64_t *
http_bodies_stats(const struct http_bodies *hb)
{
	return hb->c;
}

/* zalloc: bump allocation in the slot's arena; Z_NULL when it is used up. */
static voidpf
hb_zalloc(voidpf opaque, uInt items, uInt size)
{
	struct hb_zslot	*z = opaque;
	size_t		 n = (size_t)items * size;

	n = (n + 15) & ~(size_t)15;
	if (size != 0 && (size_t)items > SIZE_MAX / size)
		return Z_NULL;
	if (n > HB_ARENA - z->used)
		return Z_NULL;
	z->used += n;
	return z->arena + z->used - n;
}

/* zfree: the arena is reset as a whole when the body ends. */
static void
hb_zfree(voidpf opaque, voidpf p)
{
	(void)opaque;
	(void)p;
}

struct http_bodies *
http_bodies_new(uint64_t limit, uint32_t ratio, size_t nzlib)
{
	struct http_bodies	*hb = xcalloc(1, sizeof(*hb));

	hb->limit = limit;
	hb->ratio = ratio;
	if (nzlib > 0)
		hb->slots = xcalloc(nzlib, sizeof(struct hb_zslot));
	hb->nslots = nzlib;
	hb->c[HBC_ZLIB_MAX] = nzlib;
	return hb;
}

void
http_bodies_free(struct http_bodies *hb)
{
	if (hb == NULL)
		return;
	free(hb->slots);
	free(hb);
}

void
http_body_start(struct http_bodies *hb, struct http_body *b,
    enum hb_framing framing, uint64_t length, unsigned codings)
{
	http_body_end(hb, b);
	memset(b, 0, sizeof(*b));
	b->framing = (uint8_t)framing;
	b->coding = (uint8_t)codings;
	b->remain = framing == HB_LENGTH ? length : 0;
	b->cstate = CS_SIZE;
	if (framing == HB_NONE || (framing == HB_LENGTH && length == 0))
		b->flags |= HBF_DONE;
}

void
http_body_end(struct http_bodies *hb, struct http_body *b)
{
	struct hb_zslot	*z = b->z, *next;

	if (z == NULL)
		return;
	/* A compressed stream cut short: what came out was inspected. */
	if (!z->zend && !z->raw && !(b->flags & (HBF_CUT | HBF_RAW)))
		hb->c[HBC_ERRORS]++;
	for (; z != NULL; z = next) {
		next = z->next;
		if (z->init)
			inflateEnd(&z->zs);
		z->used = 0;
		z->next = hb->free;
		hb->free = z;
		hb->c[HBC_ZLIB_USED]--;
	}
	b->z = NULL;
}

/* Append n bytes to the sink, handing it on each time it fills. */
/* Before bytes are written into buf, bytes pending by ref go on. */
static void
hb_sink_settle(struct hb_sink *s)
{
	if (s->ref != NULL)
		s->flush(s);
}

static void hb_sink_copy(struct hb_sink *, const uint8_t *, size_t);

void
http_sink_put(struct hb_sink *s, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (s->len == 0 && (s->ref == NULL || s->ref + s->reflen == p)) {
		if (s->ref == NULL)
			s->ref = p;
		s->reflen += n;
		return;
	}
	hb_sink_copy(s, p, n);
}

/* Append n bytes by copying them (they do not outlive the call). */
static void
hb_sink_copy(struct hb_sink *s, const uint8_t *p, size_t n)
{
	hb_sink_settle(s);
	while (n > 0) {
		size_t room;

		if (s->len == s->cap)
			s->flush(s);
		room = s->cap - s->len;
		if (room > n)
			room = n;
		memcpy(s->buf + s->len, p, room);
		s->len += room;
		p += room;
		n -= room;
	}
}

/*
 * Take a zlib state for each coding of a compressed body, all or none
 * (-1: not enough free). Each is started at its first byte.
 */
static int
hb_zbegin(struct http_bodies *hb, struct http_body *b)
{
	struct hb_zslot	*z, **tail = &b->z;
	unsigned	 list = b->coding;

	for (; list != 0; list >>= HB_CODING_BITS) {
		if (hb->free == NULL && hb->fresh < hb->nslots)
			hb->free = &hb->slots[hb->fresh++];
		if ((z = hb->free) == NULL) {
			http_body_end(hb, b);
			hb->c[HBC_REFUSED]++;
			return -1;
		}
		hb->free = z->next;
		z->next = NULL;
		z->used = 0;
		z->out = 0;
		z->coding = (uint8_t)(list & ((1u << HB_CODING_BITS) - 1));
		z->init = z->zend = 0;
		/* Nothing came out: not a cut-short stream (http_body_end) */
		z->raw = 1;
		*tail = z;
		tail = &z->next;
		hb->c[HBC_ZLIB_USED]++;
	}
	for (z = b->z; z != NULL; z = z->next)
		z->raw = 0;
	hb->c[HBC_DECOMPRESSED]++;
	return 0;
}

/* Start a coding's inflater at its first byte; -1 when zlib cannot. */
static int
hb_zinit(struct hb_zslot *z, uint8_t first)
{
	int	 wbits;

	/* "deflate" should be zlib-wrapped (RFC 9110 8.4.1.2); some
	 * servers send raw deflate: a zlib header's first byte says which. */
	if (z->coding == HB_GZIP)
		wbits = 15 + 16;
	else
		wbits = (first & 0x0f) == 8 && (first >> 4) <= 7 ? 15 : -15;
	memset(&z->zs, 0, sizeof(z->zs));
	z->used = 0;
	z->zs.zalloc = hb_zalloc;
	z->zs.zfree = hb_zfree;
	z->zs.opaque = z;
	if (inflateInit2(&z->zs, wbits) != Z_OK)
		return -1;
	z->init = 1;
	return 0;
}

/* Stop inspecting the body: a limit was reached. */
static void
hb_cut(struct http_bodies *hb, struct http_body *b, enum http_body_counter why)
{
	hb->c[why]++;
	b->flags |= HBF_CUT;
	http_body_end(hb, b);
}

/*
 * Bytes as they are to the sink: what a coding could not undo; copied
 * unless they are the piece's own (a stacked coding's output is not).
 */
static void
hb_plain(struct http_body *b, const uint8_t *p, size_t n, struct hb_sink *s,
    int wire)
{
	if (wire)
		http_sink_put(s, p, n);
	else
		hb_sink_copy(s, p, n);
	b->decoded += n;
}

/*
 * Undo coding z on n bytes: its output goes to the next coding, the last
 * one's into the sink. Each coding's output is bounded like the body's
 * (decompress_limit, decompress_ratio x the body's compressed bytes), so
 * a stack of them costs no more than one. Returns -1 when the body was
 * cut (its zlib states gone back).
 */
static int
hb_inflate(struct http_bodies *hb, struct http_body *b, struct hb_zslot *z,
    const uint8_t *p, size_t n, struct hb_sink *s)
{
	z_stream	*zs = &z->zs;
	uint8_t		 mid[HB_LAYER_BUF];
	int		 last = z->next == NULL, wire;

	if (n == 0)
		return 0;
	if (z->raw)
		goto plain;
	if (!z->init && hb_zinit(z, p[0]) != 0) {
		hb->c[HBC_ERRORS]++;
		z->raw = 1;
		goto plain;
	}
	if (z->zend) {
		/* Another gzip member (RFC 1952 2.2). */
		if (inflateReset(zs) != Z_OK)
			return 0;
		z->zend = 0;
	}
	if (last)
		hb_sink_settle(s);
	zs->next_in = (Bytef *)(uintptr_t)p;
	zs->avail_in = (uInt)n;
	/* Until the input is used and zlib has no more output for it. */
	for (;;) {
		uint64_t	 cap = hb->ratio * b->wire + HB_RATIO_SLACK;
		uint64_t	 done = last ? b->decoded : z->out;
		uint8_t		*to;
		size_t		 room, made;
		int		 rc;

		if (last) {
			if (s->len == s->cap)
				s->flush(s);
			to = s->buf + s->len;
			room = s->cap - s->len;
		} else {
			to = mid;
			room = sizeof(mid);
		}
		if (done >= hb->limit || done >= cap) {
			hb_cut(hb, b, done >= hb->limit ? HBC_LIMIT :
			    HBC_RATIO);
			s->gap = 1;
			return -1;
		}
		if (room > hb->limit - done)
			room = (size_t)(hb->limit - done);
		if (room > cap - done)
			room = (size_t)(cap - done);
		zs->next_out = to;
		zs->avail_out = (uInt)room;
		rc = inflate(zs, Z_NO_FLUSH);
		made = room - zs->avail_out;
		z->out += made;
		if (last) {
			s->len += made;
			b->decoded += made;
		} else if (hb_inflate(hb, b, z->next, mid, made, s) != 0)
			return -1;
		if (rc == Z_STREAM_END) {
			z->zend = 1;
			/* gzip members may follow one another (RFC 1952 2.2). */
			if (zs->avail_in == 0 || inflateReset(zs) != Z_OK)
				break;
			z->zend = 0;
			continue;
		}
		if (rc == Z_BUF_ERROR || (rc == Z_OK && zs->avail_in == 0 &&
		    zs->avail_out > 0))
			break;		/* wants more input than there is */
		if (rc != Z_OK) {
			/*
			 * Not what it claims: the rest as it is (all of it
			 * when nothing inflated: plain text labelled gzip,
			 * or a coding listed twice but applied once).
			 */
			if (z->out != 0) {
				p = zs->next_in;
				n = zs->avail_in;
			}
			hb->c[HBC_ERRORS]++;
			z->raw = 1;
			goto plain;
		}
	}
	return 0;
plain:
	wire = z == b->z;
	/* When no coding is left to undo, the zlib states go back. */
	if (wire) {
		struct hb_zslot *y;

		for (y = z; y != NULL && y->raw; y = y->next)
			;
		if (y == NULL) {
			b->flags |= HBF_RAW;
			http_body_end(hb, b);
		}
	}
	if (last || b->z == NULL) {
		hb_plain(b, p, n, s, wire);
		return 0;
	}
	return hb_inflate(hb, b, z->next, p, n, s);
}

/* n body bytes with the framing off: undo the content coding. */
static void
hb_content(struct http_bodies *hb, struct http_body *b, const uint8_t *p,
    size_t n, struct hb_sink *s)
{
	if (n == 0)
		return;
	b->wire += n;
	if (b->flags & HBF_CUT)
		return;
	if (b->coding != HB_IDENTITY && !(b->flags & HBF_RAW)) {
		if (b->z == NULL && hb_zbegin(hb, b) != 0)
			b->flags |= HBF_RAW;
		if (b->z != NULL) {
			(void)hb_inflate(hb, b, b->z, p, n, s);
			return;
		}
	}
	hb_plain(b, p, n, s, 1);
}

/* The body ended: its zlib state goes back at once. */
static void
hb_done(struct http_bodies *hb, struct http_body *b, int broken)
{
	b->flags |= HBF_DONE;
	if (broken) {
		b->flags |= HBF_BROKEN;
		hb->c[HBC_ERRORS]++;
	}
	http_body_end(hb, b);
}

/* Chunked coding (RFC 9112 7.1): returns the bytes taken. */
static size_t
hb_chunked(struct http_bodies *hb, struct http_body *b, const uint8_t *p,
    size_t n, struct hb_sink *s)
{
	size_t	 i = 0;

	while (i < n && !(b->flags & HBF_DONE)) {
		uint8_t	c = p[i];
		int	h;

		switch (b->cstate) {
		case CS_SIZE:
			if ((h = util_hexval(c)) >= 0) {
				if (b->remain > HB_CHUNK_MAX >> 4) {
					hb_done(hb, b, 1);
					return i;
				}
				/*
				 * Leading zeros are not counted (receivers
				 * take any number of them): the value is
				 * bounded above, the line by the body.
				 */
				b->remain = b->remain << 4 | (uint64_t)h;
				b->linelen = 1;		/* a digit seen */
				i++;
				break;
			}
			if (b->linelen == 0 || (c != ';' && c != ' ' &&
			    c != '\t' && c != '\r' && c != '\n')) {
				hb_done(hb, b, 1);
				return i;
			}
			b->cstate = CS_EXT;
			b->linelen = 0;
			/* FALLTHROUGH */
		case CS_EXT: {
			/*
			 * Extensions are skipped, not kept: nothing to bound
			 * but the body (receivers take long ones; a number
			 * in one reaches no application).
			 */
			const uint8_t *nl = memchr(p + i, '\n', n - i);

			if (nl == NULL) {
				i = n;
				break;
			}
			i = (size_t)(nl - p) + 1;
			b->linelen = 0;
			b->cstate = b->remain == 0 ? CS_TRAILER : CS_DATA;
			break;
		}
		case CS_DATA: {
			size_t take = n - i;

			if (take > b->remain)
				take = (size_t)b->remain;
			hb_content(hb, b, p + i, take, s);
			i += take;
			b->remain -= take;
			if (b->remain == 0)
				b->cstate = CS_DATA_END;
			break;
		}
		case CS_DATA_END:
		case CS_DATA_LF:
			if (c == '\r' && b->cstate == CS_DATA_END) {
				b->cstate = CS_DATA_LF;
				i++;
				break;
			}
			if (c != '\n') {
				hb_done(hb, b, 1);
				return i;
			}
			i++;
			b->cstate = CS_SIZE;
			b->linelen = 0;
			break;
		case CS_TRAILER: {
			/*
			 * Trailer fields reach the application (Node's
			 * req.trailers): scanned after the body, each field
			 * with its LF, CRs left out (the same bytes however
			 * the trailer is cut), nothing kept.
			 */
			size_t	 from = i;

			while (i < n) {
				c = p[i++];
				if (c == '\r') {
					http_sink_put(s, p + from, i - 1 - from);
					from = i;
				} else if (c == '\n' && b->linelen == 0) {
					/* The empty line: the message ends. */
					http_sink_put(s, p + from, i - 1 - from);
					hb_done(hb, b, 0);
					return i;
				} else if (c == '\n')
					b->linelen = 0;
				else if (++b->linelen > HB_LINE_MAX) {
					http_sink_put(s, p + from, i - 1 - from);
					hb_done(hb, b, 1);
					return i - 1;
				}
			}
			http_sink_put(s, p + from, i - from);
			break;
		}
		}
	}
	return i;
}

size_t
http_body_feed(struct http_bodies *hb, struct http_body *b, const uint8_t *p,
    size_t n, struct hb_sink *s)
{
	size_t	take;

	if (n == 0 || (b->flags & HBF_DONE))
		return 0;
	if (!(b->flags & HBF_STARTED)) {
		b->flags |= HBF_STARTED;
		hb->c[HBC_BODIES]++;
		if (b->framing == HB_CHUNKED)
			hb->c[HBC_CHUNKED]++;
	}
	switch (b->framing) {
	case HB_CHUNKED:
		return hb_chunked(hb, b, p, n, s);
	case HB_LENGTH:
		take = n < b->remain ? n : (size_t)b->remain;
		hb_content(hb, b, p, take, s);
		b->remain -= take;
		if (b->remain == 0)
			hb_done(hb, b, 0);
		return take;
	case HB_CLOSE:
		hb_content(hb, b, p, n, s);
		return n;
	}
	return 0;
}
