/*
 * spool.c: append-only segment files of octet-counted frames.
 */
#ifndef CANHGAC_SPOOL_H
#define CANHGAC_SPOOL_H

#include <stddef.h>
#include <stdint.h>

enum spool_fsync { SPOOL_FSYNC_PERIODIC, SPOOL_FSYNC_ALWAYS, SPOOL_FSYNC_NEVER };

struct spool;
struct spool_pos {
	uint64_t	 seg;
	uint64_t	 off;
};
struct spool *spool_open(const char *dir, uint64_t max, enum spool_fsync,
	    char *err, size_t errlen);
void	 spool_close(struct spool *);
/* Append one frame; the oldest frames go when the spool is full. */
int	 spool_append(struct spool *, const char *frame, size_t len);
/* Prepend frames (unacknowledged at exit) before everything else: len
 * bytes in all, nframes frames, each piece given in order by next (1
 * and the piece, 0 after the last) and written as it comes, so that
 * nothing is gathered in memory. */
int	 spool_prepend(struct spool *, int (*next)(void *, const char **,
	    size_t *), void *arg, size_t len, uint64_t nframes);
/* Next frame after the read position; 1 found, 0 none, -1 error. */
int	 spool_read(struct spool *, char **frame, size_t *len,
	    struct spool_pos *end);
/* The frame spool_read just gave, len bytes, unread: it comes next again. */
void	 spool_unread(struct spool *, size_t len);
/* Everything before pos is delivered; older segments are removed. */
void	 spool_commit(struct spool *, const struct spool_pos *);
/* Commit everything read so far. */
void	 spool_commit_read(struct spool *);
uint64_t spool_pending(const struct spool *);	/* unread frames */
uint64_t spool_bytes(const struct spool *);
uint64_t spool_dropped(const struct spool *);
/* Frames lost to a damaged spool (torn, truncated, corrupt segments). */
uint64_t spool_corrupt(const struct spool *);
void	 spool_sync(struct spool *);
/* The sequence number to use next; reserved ahead on disk. */
uint64_t spool_next_seq(struct spool *);

#endif /* CANHGAC_SPOOL_H */
