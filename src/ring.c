/*
 * A byte ring of records: an 8-byte header (length, kind) and the
 * payload rounded up to 8 bytes. A record never wraps: when it would
 * not fit before the end, the producer writes a padding record over
 * the rest and starts it at the beginning, so the consumer always
 * gets one contiguous block it can read in place.
 *
 * Each side owns one index and only reads the other's, with acquire
 * and release order, so no lock is taken; each keeps a private copy of
 * the other's index and reloads it only when that copy says there is
 * no room (or nothing to read), which keeps the shared cache lines
 * from bouncing on every record.
 */
#include "config.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring.h"
#include "xmalloc.h"

#define RING_HDR	8
#define RING_PAD	0xffff	/* kind of a padding record */
#define RING_MIN	4096

struct ring_hdr {
	uint32_t	len;
	uint16_t	kind;
	uint16_t	unused;
};

struct ring {
	/* The producer's line. */
	alignas(64) _Atomic size_t	head;	/* bytes published */
	size_t		 tail_seen;	/* the consumer's, last read */
	size_t		 pad;		/* padding before the reserved record */
	/* The consumer's line. */
	alignas(64) _Atomic size_t	tail;	/* bytes released */
	size_t		 head_seen;
	size_t		 cur;		/* bytes of the peeked record */
	alignas(64) size_t		size;	/* a power of two */
	uint8_t		*buf;
};

struct ring *
ring_new(size_t bytes)
{
	struct ring	*r;
	size_t		 size = RING_MIN;

	while (size < bytes && size < ((size_t)1 << 40))
		size <<= 1;
	r = xcalloc_aligned(64, sizeof(*r));
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->size = size;
	r->buf = xmalloc(size);
	return r;
}

void
ring_free(struct ring *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

size_t
ring_max_record(const struct ring *r)
{
	return r->size / 4 - RING_HDR;
}

static size_t
rec_bytes(size_t len)
{
	return RING_HDR + ((len + 7) & ~(size_t)7);
}

void *
ring_reserve(struct ring *r, size_t len)
{
	size_t	head = atomic_load_explicit(&r->head, memory_order_relaxed);
	size_t	need, pos, contig, pad;

	if (len > ring_max_record(r))
		return NULL;
	need = rec_bytes(len);
	pos = head & (r->size - 1);
	contig = r->size - pos;
	pad = need <= contig ? 0 : contig;
	if (head + pad + need - r->tail_seen > r->size) {
		r->tail_seen = atomic_load_explicit(&r->tail,
		    memory_order_acquire);
		if (head + pad + need - r->tail_seen > r->size)
			return NULL;
	}
	r->pad = pad;
	return r->buf + ((head + pad) & (r->size - 1)) + RING_HDR;
}

void *
ring_reserve_wait(struct ring *r, size_t len, int block)
{
	struct timespec	 nap = { 0, 20000 };
	void		*p;

	while ((p = ring_reserve(r, len)) == NULL && block &&
	    len <= ring_max_record(r))
		nanosleep(&nap, NULL);
	return p;
}

void
ring_commit(struct ring *r, uint16_t kind, size_t used)
{
	size_t		 head = atomic_load_explicit(&r->head,
			    memory_order_relaxed);
	struct ring_hdr	 h;

	if (r->pad > 0) {
		h.len = (uint32_t)(r->pad - RING_HDR);
		h.kind = RING_PAD;
		h.unused = 0;
		memcpy(r->buf + (head & (r->size - 1)), &h, sizeof(h));
		head += r->pad;
		r->pad = 0;
	}
	h.len = (uint32_t)used;
	h.kind = kind;
	h.unused = 0;
	memcpy(r->buf + (head & (r->size - 1)), &h, sizeof(h));
	atomic_store_explicit(&r->head, head + rec_bytes(used),
	    memory_order_release);
}

const void *
ring_peek(struct ring *r, uint16_t *kind, size_t *len)
{
	size_t		 tail = atomic_load_explicit(&r->tail,
			    memory_order_relaxed);
	struct ring_hdr	 h;

	for (;;) {
		if (tail == r->head_seen) {
			r->head_seen = atomic_load_explicit(&r->head,
			    memory_order_acquire);
			if (tail == r->head_seen)
				return NULL;
		}
		memcpy(&h, r->buf + (tail & (r->size - 1)), sizeof(h));
		if (h.kind != RING_PAD)
			break;
		tail += RING_HDR + h.len;
		atomic_store_explicit(&r->tail, tail, memory_order_release);
	}
	r->cur = rec_bytes(h.len);
	*kind = h.kind;
	*len = h.len;
	return r->buf + (tail & (r->size - 1)) + RING_HDR;
}

void
ring_release(struct ring *r)
{
	size_t	tail = atomic_load_explicit(&r->tail, memory_order_relaxed);

	atomic_store_explicit(&r->tail, tail + r->cur, memory_order_release);
	r->cur = 0;
}

int
ring_empty(const struct ring *r)
{
	return atomic_load_explicit(&((struct ring *)(uintptr_t)r)->head,
	    memory_order_acquire) == atomic_load_explicit(
	    &((struct ring *)(uintptr_t)r)->tail, memory_order_acquire);
}

size_t
ring_produced(const struct ring *r)
{
	return atomic_load_explicit(&((struct ring *)(uintptr_t)r)->head,
	    memory_order_relaxed);
}

size_t
ring_consumed(const struct ring *r)
{
	return atomic_load_explicit(&((struct ring *)(uintptr_t)r)->tail,
	    memory_order_acquire);
}
