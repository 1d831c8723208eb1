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

#define HBF_ZEND	0x20	/* the compressed stream ended */

struct hb_zslot {
	struct hb_zslot	*next;
	z_stream	 zs;
	size_t		 used;
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
    enum hb_framing framing, uint64_t length, enum hb_coding coding)
{
	http_body_end(hb, b);
	memset(b, 0, sizeof(*b));
	b->framing = (uint8_t)framing;
	b->coding = (uint8_t)coding;
	b->remain = framing == HB_LENGTH ? length : 0;
	b->cstate = CS_SIZE;
	if (framing == HB_NONE || (framing == HB_LENGTH && length == 0))
		b->flags |= HBF_DONE;
}

void
http_body_end(struct http_bodies *hb, struct http_body *b)
{
	struct hb_zslot	*z = b->z;

	if (z == NULL)
		return;
	/* A compressed stream cut short: what came out was inspected. */
	if (!(b->flags & (HBF_ZEND | HBF_CUT | HBF_RAW)))
		hb->c[HBC_ERRORS]++;
	inflateEnd(&z->zs);
	z->used = 0;
	z->next = hb->free;
	hb->free = z;
	b->z = NULL;
	hb->c[HBC_ZLIB_USED]--;
}

/* Append n bytes to the sink, handing it on each time it fills. */
/* Before bytes are written into buf, bytes pending by ref go on. */
static void
hb_sink_settle(struct hb_sink *s)
{
	if (s->ref != NULL)
		s->flush(s);
}

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

/* Take a zlib state for a compressed body; -1 when none is free. */
static int
hb_zbegin(struct http_bodies *hb, struct http_body *b, uint8_t first)
{
	struct hb_zslot	*z;
	int		 wbits;

	if (hb->free == NULL && hb->fresh < hb->nslots)
		hb->free = &hb->slots[hb->fresh++];
	if ((z = hb->free) == NULL) {
		hb->c[HBC_REFUSED]++;
		return -1;
	}
	/* "deflate" should be zlib-wrapped (RFC 9110 8.4.1.2); some
	 * servers send raw deflate: a zlib header's first byte says which. */
	if (b->coding == HB_GZIP)
		wbits = 15 + 16;
	else
		wbits = (first & 0x0f) == 8 && (first >> 4) <= 7 ? 15 : -15;
	memset(&z->zs, 0, sizeof(z->zs));
	z->used = 0;
	z->zs.zalloc = hb_zalloc;
	z->zs.zfree = hb_zfree;
	z->zs.opaque = z;
	if (inflateInit2(&z->zs, wbits) != Z_OK) {
		hb->c[HBC_REFUSED]++;
		return -1;
	}
	hb->free = z->next;
	b->z = z;
	hb->c[HBC_ZLIB_USED]++;
	hb->c[HBC_DECOMPRESSED]++;
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

/* Inflate n compressed bytes into the sink, within the body's limits. */
static void
hb_inflate(struct http_bodies *hb, struct http_body *b, const uint8_t *p,
    size_t n, struct hb_sink *s)
{
	z_stream	*zs = &b->z->zs;

	hb_sink_settle(s);
	zs->next_in = (Bytef *)(uintptr_t)p;
	zs->avail_in = (uInt)n;
	/* Until the input is used and zlib has no more output for it. */
	for (;;) {
		uint64_t	 cap = hb->ratio * b->wire + HB_RATIO_SLACK;
		size_t		 room, made;
		int		 rc;

		if (s->len == s->cap)
			s->flush(s);
		room = s->cap - s->len;
		if (b->decoded >= hb->limit) {
			hb_cut(hb, b, HBC_LIMIT);
			s->gap = 1;
			return;
		}
		if (b->decoded >= cap) {
			hb_cut(hb, b, HBC_RATIO);
			s->gap = 1;
			return;
		}
		if (room > hb->limit - b->decoded)
			room = (size_t)(hb->limit - b->decoded);
		if (room > cap - b->decoded)
			room = (size_t)(cap - b->decoded);
		zs->next_out = s->buf + s->len;
		zs->avail_out = (uInt)room;
		rc = inflate(zs, Z_NO_FLUSH);
		made = room - zs->avail_out;
		s->len += made;
		b->decoded += made;
		if (rc == Z_STREAM_END) {
			b->flags |= HBF_ZEND;
			/* gzip members may follow one another (RFC 1952 2.2). */
			if (zs->avail_in == 0 || inflateReset(zs) != Z_OK)
				break;
			b->flags &= (uint8_t)~HBF_ZEND;
			continue;
		}
		if (rc == Z_BUF_ERROR || (rc == Z_OK && zs->avail_in == 0 &&
		    zs->avail_out > 0))
			break;		/* wants more input than there is */
		if (rc != Z_OK) {
			/*
			 * Not what it claims: the rest as it is (all of it
			 * when nothing inflated: plain text labelled gzip).
			 */
			const uint8_t *rest = zs->total_out == 0 ? p :
			    zs->next_in;
			size_t left = zs->total_out == 0 ? n : zs->avail_in;

			hb->c[HBC_ERRORS]++;
			b->flags |= HBF_RAW;
			http_body_end(hb, b);
			http_sink_put(s, rest, left);
			b->decoded += left;
			return;
		}
	}
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
		if (b->z == NULL) {
			if (hb_zbegin(hb, b, p[0]) != 0)
				b->flags |= HBF_RAW;
		} else if (b->flags & HBF_ZEND) {
			/* Another gzip member (RFC 1952 2.2). */
			if (inflateReset(&b->z->zs) != Z_OK)
				return;
			b->flags &= (uint8_t)~HBF_ZEND;
		}
		if (b->z != NULL) {
			hb_inflate(hb, b, p, n, s);
			return;
		}
	}
	http_sink_put(s, p, n);
	b->decoded += n;
}

static int
hb_hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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
			if ((h = hb_hex(c)) >= 0) {
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
