/*
 * ring.c: a bounded single-producer, single-consumer queue of
 * variable-length records, lock-free, for handing packets to a worker
 * and a worker's alerts and events to the loop thread.
 */
#ifndef CANHGAC_RING_H
#define CANHGAC_RING_H

#include <stddef.h>
#include <stdint.h>

struct ring;

/* bytes is rounded up to a power of two, at least 4 KiB. */
struct ring	*ring_new(size_t bytes);
void		 ring_free(struct ring *);
/* The largest payload one record can carry: a quarter of the ring. */
size_t		 ring_max_record(const struct ring *);

/*
 * Producer: room for a payload of len bytes, or NULL when the ring is
 * full (or len is over ring_max_record). Nothing is visible to the
 * consumer until ring_commit publishes the first used bytes of it.
 */
void		*ring_reserve(struct ring *, size_t len);
void		 ring_commit(struct ring *, uint16_t kind, size_t used);
/*
 * ring_reserve, and when block is set and the ring is full, again
 * (yielding the CPU) until the consumer makes room: for a replay,
 * where nothing may be lost and the consumer is known to be draining.
 */
void		*ring_reserve_wait(struct ring *, size_t len, int block);

/*
 * Consumer: the oldest record, or NULL when none; it stays valid, and
 * in the ring, until ring_release.
 */
const void	*ring_peek(struct ring *, uint16_t *kind, size_t *len);
void		 ring_release(struct ring *);
/* Either side: nothing published is waiting. */
int		 ring_empty(const struct ring *);
/*
 * Bytes published so far (the producer's), and released so far (read by
 * the producer too): a record published when ring_produced said n has
 * been released once ring_consumed says n or more.
 */
size_t		 ring_produced(const struct ring *);
size_t		 ring_consumed(const struct ring *);

/* The kinds of record canhgacd's rings carry. */
enum ring_kind {
	RK_PACKET = 1,		/* struct ring_pkt, then the frame */
	RK_PACKET_AT,		/* struct ring_pkt: the frame where it lies */
	RK_ALERT,		/* alert.c: struct alert_qhdr, then the line */
	RK_EVENTS,		/* eventlog.c: struct event_qhdr, then lines */
};

#endif /* CANHGAC_RING_H */
