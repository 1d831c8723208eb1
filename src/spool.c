/*
 * The disk spool of one remote destination.
 *
 * Frames (RFC 6587 octet-counted RFC 5424 messages, "LEN SP MSG") are
 * appended to segment files NNNNNNNNNNNNNNNN.seg under the spool
 * directory, so the spool is exactly the byte stream to send. A reader
 * position walks the frames in order; a committed position (written to
 * "cursor") marks what the destination has acknowledged, so a restart
 * resends from there: duplicates are possible, loss is not. Segments
 * wholly before the committed position are removed. When the spool
 * would exceed its cap, the oldest segment goes and its unsent frames
 * are counted as dropped. The next sequence number is reserved ahead
 * in "seq", so a crash never reuses one.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "safefile.h"
#include "spool.h"

#define SEQ_RESERVE	100000
/* Beyond any real count; a larger seq file is garbage, not a number. */
#define SEQ_LIMIT	(1ULL << 53)
#define FRAME_MAX	(1024 * 1024)
#define RBUF_SIZE	65536

struct segment {
	uint64_t	 id;
	uint64_t	 size;
	uint64_t	 frames;
};

struct spool {
	char		*dir;
	int		 dfd;		/* dir: every file is opened in it */
	uint64_t	 max;
	uint64_t	 seg_max;
	enum spool_fsync fsync;
	struct segment	*segs;		/* oldest first */
	size_t		 nsegs, cap;
	int		 wfd;		/* last segment, appending */
	uint64_t	 total;		/* bytes of all segments */
	struct spool_pos rpos;		/* next frame to read */
	uint64_t	 rframes;	/* frames of rpos.seg before rpos */
	struct spool_pos cpos;		/* committed */
	uint64_t	 pending;	/* frames after rpos */
	uint64_t	 dropped;
	uint64_t	 corrupt;	/* frames lost to a damaged spool */
	uint64_t	 seq_found;	/* highest seq in the segments */
	int		 dirty;
	uint64_t	 seq, seq_reserved;
	int		 rfd;
	uint64_t	 rfd_seg;
	char		*rbuf;		/* frames of rfd from rbuf_off */
	uint64_t	 rbuf_off;
	size_t		 rbuf_len;
	char		*frame;		/* returned by spool_read */
	size_t		 frame_cap;
};

static void
seg_name(uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%016" PRIx64 ".seg", id);
}

/*
 * Open a file of the spool: in its directory, never through a link;
 * what root creates or opens before the drop goes to the service user.
 */
static int
spool_openat(const struct spool *sp, const char *name, int flags)
{
	char	err[1200];
	int	fd;

	if ((fd = safe_openat(sp->dfd, sp->dir, name, flags, 0640, SAFE_GIVE,
	    err, sizeof(err))) < 0 && !(errno == ENOENT && !(flags & O_CREAT)))
		log_warnx("spool: %s", err);
	return fd;
}

static int
seg_open(const struct spool *sp, uint64_t id, int flags)
{
	char	name[32];

	seg_name(id, name, sizeof(name));
	return spool_openat(sp, name, flags);
}

static void
seg_unlink(const struct spool *sp, uint64_t id)
{
	char	name[32];

	seg_name(id, name, sizeof(name));
	if (unlinkat(sp->dfd, name, 0) != 0 && errno != ENOENT)
		log_warn("spool: %s/%s", sp->dir, name);
}

/* Write a small state file atomically. */
static int
state_write(const struct spool *sp, const char *name, const char *text)
{
	char	tmp[64];
	int	fd;
	ssize_t	n, len = (ssize_t)strlen(text);

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	/* Whatever is there (a planted link) goes; ours is created new. */
	(void)unlinkat(sp->dfd, tmp, 0);
	if ((fd = spool_openat(sp, tmp, O_WRONLY | O_CREAT | O_EXCL)) < 0)
		return -1;
	n = write(fd, text, (size_t)len);
	if (sp->fsync != SPOOL_FSYNC_NEVER)
		(void)fdatasync(fd);
	close(fd);
	if (n != len || renameat(sp->dfd, tmp, sp->dfd, name) != 0)
		return -1;
	return 0;
}

/*
 * Read a state file of one or two numbers: 0, -1 when there is none,
 * -2 when it holds anything else (garbage, a number out of range).
 */
static int
state_read(const struct spool *sp, const char *name, uint64_t *a, uint64_t *b)
{
	char	buf[64], *p, *end;
	int	fd, i;
	ssize_t	n;
	uint64_t v[2] = { 0, 0 };

	if ((fd = spool_openat(sp, name, O_RDONLY)) < 0)
		return errno == ENOENT ? -1 : -2;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -2;
	buf[n] = '\0';
	p = buf;
	for (i = 0; i < (b != NULL ? 2 : 1); i++) {
		if (i > 0 && *p++ != ' ')
			return -2;
		if (*p < '0' || *p > '9')
			return -2;
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (errno != 0)
			return -2;
		p = end;
	}
	if (strcmp(p, "\n") != 0 && *p != '\0')
		return -2;
	*a = v[0];
	if (b != NULL)
		*b = v[1];
	return 0;
}

/* The seq="N" of a frame's SD element, from its first bytes; 0 if none. */
static uint64_t
frame_seq(const char *msg, size_t len)
{
	const char	*p;
	uint64_t	 v = 0;

	if (len > 512)
		len = 512;
	if ((p = memmem(msg, len, " seq=\"", 6)) == NULL)
		return 0;
	for (p += 6; p < msg + len && *p >= '0' && *p <= '9'; p++) {
		if (v > SEQ_LIMIT)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

/* Parse a frame header at p (avail bytes); 0 needs more, -1 corrupt. */
static int
frame_header(const char *p, size_t avail, size_t *hdr, size_t *body)
{
	size_t	i, v = 0;

	for (i = 0; i < avail && i < 8; i++) {
		if (p[i] == ' ') {
			if (i == 0 || v == 0 || v > FRAME_MAX)
				return -1;
			*hdr = i + 1;
			*body = v;
			return 1;
		}
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (size_t)(p[i] - '0');
	}
	return i >= 8 ? -1 : 0;
}

/*
 * Count the frames of one segment and note the highest seq in them.
 * What follows the last whole frame is lost: cut off the last segment
 * (a torn append), not readable in an earlier one; counted either way.
 */
static int
seg_scan(struct spool *sp, struct segment *s, int last)
{
	char		*buf;
	int		 fd;
	uint64_t	 off = 0, good = 0, q;
	size_t		 have = 0, hdr, body;
	ssize_t		 n;
	struct stat	 st;

	if ((fd = seg_open(sp, s->id, O_RDWR)) < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (buf = malloc(RBUF_SIZE)) == NULL) {
		close(fd);
		return -1;
	}
	s->frames = 0;
	for (;;) {
		int r;

		n = read(fd, buf + have, RBUF_SIZE - have);
		if (n <= 0)
			break;
		have += (size_t)n;
		while ((r = frame_header(buf, have, &hdr, &body)) == 1 &&
		    hdr + body <= have) {
			if ((q = frame_seq(buf + hdr, body)) > sp->seq_found)
				sp->seq_found = q;
			memmove(buf, buf + hdr + body, have - hdr - body);
			have -= hdr + body;
			off += hdr + body;
			good = off;
			s->frames++;
		}
		if (r == -1)
			break;
		if (r == 1 && hdr + body > RBUF_SIZE) {
			/* A large frame: skip it by seeking, if it is whole. */
			if (off + hdr + body > (uint64_t)st.st_size ||
			    lseek(fd, (off_t)(off + hdr + body), SEEK_SET) < 0)
				break;
			if ((q = frame_seq(buf + hdr, have - hdr)) >
			    sp->seq_found)
				sp->seq_found = q;
			off += hdr + body;
			good = off;
			s->frames++;
			have = 0;
		}
	}
	if (good < (uint64_t)st.st_size) {
		/* At least the frame the damage starts in. */
		sp->corrupt++;
		log_warnx("spool %s: segment %016" PRIx64 ": %" PRIu64 " "
		    "byte(s) after the last whole frame (at byte %" PRIu64
		    ") cannot be read; at least 1 alert lost%s", sp->dir, s->id,
		    (uint64_t)st.st_size - good, good, last ? "; cutting them"
		    : "");
		if (last && ftruncate(fd, (off_t)good) != 0)
			log_warn("spool %s: segment %016" PRIx64, sp->dir,
			    s->id);
	}
	s->size = good;
	close(fd);
	free(buf);
	return 0;
}

static int
seg_cmp(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* Room for one more segment; -1 without memory, nothing changed. */
static int
seg_reserve(struct spool *sp)
{
	struct segment	*n;
	size_t		 cap;

	if (sp->nsegs < sp->cap)
		return 0;
	cap = sp->cap ? sp->cap * 2 : 16;
	if ((n = reallocarray(sp->segs, cap, sizeof(*n))) == NULL)
		return -1;
	sp->segs = n;
	sp->cap = cap;
	return 0;
}

/* After seg_reserve. */
static struct segment *
seg_add(struct spool *sp, uint64_t id, int front)
{
	if (front) {
		memmove(sp->segs + 1, sp->segs, sp->nsegs * sizeof(*sp->segs));
		sp->nsegs++;
		memset(sp->segs, 0, sizeof(*sp->segs));
		sp->segs[0].id = id;
		return &sp->segs[0];
	}
	memset(&sp->segs[sp->nsegs], 0, sizeof(*sp->segs));
	sp->segs[sp->nsegs].id = id;
	return &sp->segs[sp->nsegs++];
}

/* Open the write segment: the last one, or a new one after it. */
static int
open_writer(struct spool *sp, int fresh)
{
	int	grow = fresh || sp->nsegs == 0;

	/* Room first: without it the current writer stays open. */
	if (grow && seg_reserve(sp) != 0)
		return -1;
	if (sp->wfd >= 0)
		close(sp->wfd);
	sp->wfd = -1;
	if (grow)
		seg_add(sp, sp->nsegs ? sp->segs[sp->nsegs - 1].id + 1 :
		    (1ULL << 32), 0);
	if ((sp->wfd = seg_open(sp, sp->segs[sp->nsegs - 1].id, O_WRONLY |
	    O_CREAT | O_APPEND)) < 0)
		return -1;
	return 0;
}

static struct segment *seg_find(struct spool *, uint64_t);
static void spool_free(struct spool *);
static void reader_close(struct spool *);

/*
 * The committed position from the cursor file, checked against the
 * segments: one that points past them, past its segment's end or into
 * a frame would skip intact alerts; resending them instead can only
 * duplicate.
 */
static void
cursor_load(struct spool *sp, uint64_t all)
{
	struct segment	*s;
	uint64_t	 a, b;
	int		 r;

	sp->cpos.seg = sp->nsegs > 0 ? sp->segs[0].id : 0;
	sp->cpos.off = 0;
	if ((r = state_read(sp, "cursor", &a, &b)) == -2)
		log_warnx("spool %s: the cursor file is unreadable; resending "
		    "the %" PRIu64 " alert(s) of the spool", sp->dir, all);
	if (r != 0 || sp->nsegs == 0 || a < sp->segs[0].id)
		return;
	if (a > sp->segs[sp->nsegs - 1].id)
		log_warnx("spool %s: the cursor (segment %016" PRIx64 ") "
		    "points past the last segment (%016" PRIx64 "); "
		    "resending the %" PRIu64 " alert(s) of the spool", sp->dir,
		    a, sp->segs[sp->nsegs - 1].id, all);
	else if ((s = seg_find(sp, a)) == NULL) {
		size_t i;

		/* Its segment went in a prepend: the next one. */
		for (i = 0; sp->segs[i].id < a; i++)
			;
		sp->cpos.seg = sp->segs[i].id;
	} else if (b > s->size)
		log_warnx("spool %s: the cursor (byte %" PRIu64 ") is past the "
		    "end of segment %016" PRIx64 " (%" PRIu64 " bytes); "
		    "resending its %" PRIu64 " alert(s)", sp->dir, b, a,
		    s->size, s->frames);
	else {
		sp->cpos.seg = a;
		sp->cpos.off = b;
	}
}

struct spool *
spool_open(const char *dir, uint64_t max, enum spool_fsync fs, char *err,
    size_t errlen)
{
	struct spool	*sp;
	DIR		*d;
	struct dirent	*de;
	uint64_t	 a, all = 0, next;
	size_t		 i, j;
	int		 dfd, r;

	/* The service user's directory: it reads and advances it later. */
	if ((dfd = safe_dir(dir, SAFE_MKDIR | SAFE_GIVE | SAFE_GIVE_DIR, err,
	    errlen)) < 0)
		return NULL;
	if ((r = dup(dfd)) < 0 || (d = fdopendir(r)) == NULL) {
		snprintf(err, errlen, "spool %s: %s", dir, strerror(errno));
		if (r >= 0)
			close(r);
		close(dfd);
		return NULL;
	}
	if ((sp = calloc(1, sizeof(*sp))) == NULL) {
		snprintf(err, errlen, "spool %s: no memory to open it", dir);
		closedir(d);
		close(dfd);
		return NULL;
	}
	sp->dfd = dfd;
	sp->wfd = sp->rfd = -1;
	if ((sp->dir = strdup(dir)) == NULL ||
	    (sp->rbuf = malloc(RBUF_SIZE)) == NULL)
		goto nomem;
	sp->max = max;
	sp->seg_max = max / 8;
	if (sp->seg_max > 16 * 1024 * 1024)
		sp->seg_max = 16 * 1024 * 1024;
	if (sp->seg_max < 4096)
		sp->seg_max = 4096;
	sp->fsync = fs;
	while ((de = readdir(d)) != NULL) {
		char		*end;
		unsigned long long id;

		if (strlen(de->d_name) != 20 ||
		    strcmp(de->d_name + 16, ".seg") != 0)
			continue;
		id = strtoull(de->d_name, &end, 16);
		if (end != de->d_name + 16)
			continue;
		if (seg_reserve(sp) != 0)
			goto nomem;
		seg_add(sp, id, 0);
	}
	closedir(d);
	d = NULL;
	if (sp->nsegs > 1)
		qsort(sp->segs, sp->nsegs, sizeof(*sp->segs), seg_cmp);
	/* A segment that cannot be opened safely (a link) is left out;
	 * without memory to read one, the spool is not opened: leaving it
	 * out would lose its alerts. */
	for (i = j = 0; i < sp->nsegs; i++) {
		errno = 0;
		if (seg_scan(sp, &sp->segs[i], i + 1 == sp->nsegs) == 0)
			sp->segs[j++] = sp->segs[i];
		else if (errno == ENOMEM)
			goto nomem;
	}
	sp->nsegs = j;
	for (i = 0; i < sp->nsegs; i++) {
		sp->total += sp->segs[i].size;
		all += sp->segs[i].frames;
	}
	cursor_load(sp, all);
	/* The read position starts at the committed one. */
	sp->rpos = sp->cpos;
	/* Frames of the read segment before the cursor, read to count. */
	if (sp->nsegs > 0 && sp->rpos.off > 0) {
		char		*f;
		size_t		 l;
		struct spool_pos e;
		uint64_t	 at = 0, before = 0;

		sp->rpos.off = 0;
		while (sp->rpos.seg == sp->cpos.seg &&
		    sp->rpos.off < sp->cpos.off) {
			at = sp->rpos.off;
			errno = 0;
			if ((r = spool_read(sp, &f, &l, &e)) == -1 &&
			    errno == ENOMEM)
				goto nomem;
			if (r != 1 ||
			    sp->rpos.seg != sp->cpos.seg ||
			    sp->rpos.off > sp->cpos.off)
				break;
			before++;
			at = sp->rpos.off;
		}
		sp->rframes = before;
		if (at != sp->cpos.off) {
			log_warnx("spool %s: the cursor (byte %" PRIu64 " of "
			    "segment %016" PRIx64 ") is not at a frame's start; "
			    "resending from byte %" PRIu64, dir, sp->cpos.off,
			    sp->cpos.seg, at);
			sp->cpos.off = at;
			sp->dirty = 1;
		}
		sp->rpos = sp->cpos;
		reader_close(sp);
	}
	for (i = 0; i < sp->nsegs; i++)
		if (sp->segs[i].id > sp->rpos.seg)
			sp->pending += sp->segs[i].frames;
		else if (sp->segs[i].id == sp->rpos.seg)
			sp->pending += sp->segs[i].frames - sp->rframes;
	/*
	 * The next sequence number: after everything reserved, and after
	 * every number in the segments (a lowered or garbage seq file must
	 * not make numbers repeat or wrap).
	 */
	next = sp->seq_found + 1;
	if ((r = state_read(sp, "seq", &a, NULL)) == 0 &&
	    (a == 0 || a > SEQ_LIMIT))
		r = -2;
	if (r == -2)
		log_warnx("spool %s: the seq file is unreadable or out of "
		    "range; %s %" PRIu64, dir, sp->seq_found > 0 ? "continuing "
		    "after the highest sequence number in the segments, at" :
		    "no segment holds a sequence number: numbering restarts "
		    "at", next);
	else if (r == 0 && a < next)
		log_warnx("spool %s: the seq file (%" PRIu64 ") is behind the "
		    "segments (sequence number %" PRIu64 "); continuing at %"
		    PRIu64, dir, a, sp->seq_found, next);
	else if (r == -1 && sp->seq_found > 0)
		log_warnx("spool %s: the seq file is missing; continuing after "
		    "the segments, at %" PRIu64, dir, next);
	sp->seq = sp->seq_reserved = r == 0 && a > next ? a : next;
	if (open_writer(sp, 0) != 0) {
		if (errno == ENOMEM)
			goto nomem;
		snprintf(err, errlen, "spool %s: cannot open a segment: %s",
		    dir, strerror(errno));
		spool_close(sp);
		return NULL;
	}
	return sp;
nomem:
	/* Nothing written: the spool stays as it was for the next open. */
	snprintf(err, errlen, "spool %s: no memory to open it", dir);
	if (d != NULL)
		closedir(d);
	spool_free(sp);
	return NULL;
}

static void
spool_free(struct spool *sp)
{
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->rfd >= 0)
		close(sp->rfd);
	if (sp->dfd >= 0)
		close(sp->dfd);
	free(sp->rbuf);
	free(sp->frame);
	free(sp->segs);
	free(sp->dir);
	free(sp);
}

void
spool_close(struct spool *sp)
{
	char	buf[64];

	if (sp == NULL)
		return;
	spool_sync(sp);
	snprintf(buf, sizeof(buf), "%" PRIu64 "\n", sp->seq);
	if (state_write(sp, "seq", buf) != 0)
		log_warn("spool %s: seq", sp->dir);
	spool_free(sp);
}

static void
reader_close(struct spool *sp)
{
	if (sp->rfd >= 0)
		close(sp->rfd);
	sp->rfd = -1;
	sp->rbuf_len = 0;
}

/* Remove the oldest segment; its unread frames are dropped. */
static void
drop_oldest(struct spool *sp)
{
	struct segment	*s = &sp->segs[0];
	uint64_t	 unread;

	if (sp->rpos.seg > s->id)
		unread = 0;
	else if (sp->rpos.seg == s->id)
		unread = s->frames - sp->rframes;
	else
		unread = s->frames;
	sp->dropped += unread;
	sp->pending -= unread;
	sp->total -= s->size;
	seg_unlink(sp, s->id);
	if (sp->rfd >= 0 && sp->rfd_seg == s->id)
		reader_close(sp);
	memmove(sp->segs, sp->segs + 1, (sp->nsegs - 1) * sizeof(*sp->segs));
	sp->nsegs--;
	if (sp->nsegs > 0 && sp->rpos.seg < sp->segs[0].id) {
		sp->rpos.seg = sp->segs[0].id;
		sp->rpos.off = 0;
		sp->rframes = 0;
	}
	if (sp->nsegs > 0 && sp->cpos.seg < sp->segs[0].id) {
		sp->cpos.seg = sp->segs[0].id;
		sp->cpos.off = 0;
		sp->dirty = 1;
	}
}

int
spool_append(struct spool *sp, const char *frame, size_t len)
{
	struct segment	*last;
	ssize_t		 n;

	if (len > sp->max)
		return -1;
	last = &sp->segs[sp->nsegs - 1];
	if (last->size > 0 && last->size + len > sp->seg_max) {
		if (sp->fsync != SPOOL_FSYNC_NEVER)
			(void)fdatasync(sp->wfd);
		if (open_writer(sp, 1) != 0)
			return -1;
	}
	while (sp->total + len > sp->max && sp->nsegs > 1)
		drop_oldest(sp);
	last = &sp->segs[sp->nsegs - 1];
	n = write(sp->wfd, frame, len);
	if (n != (ssize_t)len) {
		/* A short write to a file: its disk is full. */
		int e = n < 0 ? errno : ENOSPC;

		if (n > 0 && ftruncate(sp->wfd, (off_t)last->size) != 0)
			log_warn("spool: truncate");
		errno = e;
		return -1;
	}
	last->size += len;
	last->frames++;
	sp->total += len;
	sp->pending++;
	sp->dirty = 1;
	if (sp->fsync == SPOOL_FSYNC_ALWAYS)
		(void)fdatasync(sp->wfd);
	return 0;
}

/*
 * Put frames (unacknowledged at exit) before everything unsent: a new
 * segment holds them and the rest of the committed segment, so that a
 * restart sends them first and nothing twice.
 */
int
spool_prepend(struct spool *sp, int (*next)(void *, const char **, size_t *),
    void *arg, size_t len, uint64_t nframes)
{
	struct segment	*s, *ns;
	uint64_t	 id, rest = 0, rest_bytes = 0, oid = 0;
	const char	*piece;
	size_t		 plen, wrote = 0;
	int		 fd, ofd, was_writer = 0;

	if (len == 0)
		return 0;
	/* Room for the new segment first: nothing is undone after. */
	if (seg_reserve(sp) != 0)
		return -1;
	spool_commit_read(sp);
	s = seg_find(sp, sp->cpos.seg);
	id = (s ? s->id : sp->segs[0].id) - 1;
	if ((fd = seg_open(sp, id, O_WRONLY | O_CREAT | O_TRUNC)) < 0)
		return -1;
	while (next(arg, &piece, &plen)) {
		if (write(fd, piece, plen) != (ssize_t)plen)
			goto fail;
		wrote += plen;
	}
	if (wrote != len) {
		errno = EINVAL;
		goto fail;
	}
	if (s != NULL && sp->cpos.off > 0) {
		char	buf[65536];
		off_t	o = (off_t)sp->cpos.off;
		ssize_t	n;

		oid = s->id;
		rest = s->frames - sp->rframes;
		rest_bytes = s->size - sp->cpos.off;
		if ((ofd = seg_open(sp, oid, O_RDONLY)) < 0)
			goto fail;
		while ((n = pread(ofd, buf, sizeof(buf), o)) > 0) {
			if (write(fd, buf, (size_t)n) != n) {
				close(ofd);
				goto fail;
			}
			o += n;
		}
		close(ofd);
	}
	if (sp->fsync != SPOOL_FSYNC_NEVER)
		(void)fdatasync(fd);
	close(fd);
	reader_close(sp);
	if (oid != 0) {
		was_writer = s == &sp->segs[sp->nsegs - 1];
		seg_unlink(sp, oid);
		sp->total -= s->size;
		memmove(s, s + 1, (size_t)(&sp->segs[sp->nsegs] - s - 1) *
		    sizeof(*s));
		sp->nsegs--;
	}
	ns = seg_add(sp, id, 1);
	ns->size = len + rest_bytes;
	ns->frames = nframes + rest;
	sp->total += len + rest_bytes;
	sp->pending += nframes;
	sp->cpos.seg = id;
	sp->cpos.off = 0;
	sp->rpos = sp->cpos;
	sp->rframes = 0;
	sp->dirty = 1;
	if (was_writer)
		(void)open_writer(sp, 1);
	spool_sync(sp);
	return 0;
fail:
	close(fd);
	seg_unlink(sp, id);
	return -1;
}

static struct segment *
seg_find(struct spool *sp, uint64_t id)
{
	size_t	i;

	for (i = 0; i < sp->nsegs; i++)
		if (sp->segs[i].id == id)
			return &sp->segs[i];
	return NULL;
}

int
spool_read(struct spool *sp, char **frame, size_t *len, struct spool_pos *end)
{
	struct segment	*s;
	size_t		 hdr, body, at;
	int		 r;

	for (;;) {
		if ((s = seg_find(sp, sp->rpos.seg)) == NULL) {
			/* Past a removed segment: the first one after it. */
			size_t i;

			for (i = 0; i < sp->nsegs; i++)
				if (sp->segs[i].id > sp->rpos.seg)
					break;
			if (i == sp->nsegs)
				return 0;
			sp->rpos.seg = sp->segs[i].id;
			sp->rpos.off = 0;
			sp->rframes = 0;
			continue;
		}
		if (sp->rpos.off < s->size)
			break;
		if (s == &sp->segs[sp->nsegs - 1])
			return 0;
		sp->rpos.seg = s[1].id;
		sp->rpos.off = 0;
		sp->rframes = 0;
	}
	if (sp->rfd < 0 || sp->rfd_seg != s->id) {
		reader_close(sp);
		if ((sp->rfd = seg_open(sp, s->id, O_RDONLY)) < 0)
			return -1;
		sp->rfd_seg = s->id;
	}
	/* Make sure the frame is in the buffer (or read it whole). */
	at = (size_t)(sp->rpos.off - sp->rbuf_off);
	if (sp->rpos.off < sp->rbuf_off || at > sp->rbuf_len ||
	    (r = frame_header(sp->rbuf + at, sp->rbuf_len - at, &hdr,
	    &body)) != 1 || at + hdr + body > sp->rbuf_len) {
		ssize_t n = pread(sp->rfd, sp->rbuf, RBUF_SIZE,
		    (off_t)sp->rpos.off);

		if (n <= 0)
			return -1;
		sp->rbuf_off = sp->rpos.off;
		sp->rbuf_len = (size_t)n;
		at = 0;
		if ((r = frame_header(sp->rbuf, sp->rbuf_len, &hdr,
		    &body)) != 1) {
			uint64_t lost = s->frames > sp->rframes ?
			    s->frames - sp->rframes : 0;

			log_warnx("spool %s: corrupt frame in segment %016"
			    PRIx64 " at byte %" PRIu64 "; skipping the rest of "
			    "the segment: %" PRIu64 " alert(s) lost", sp->dir,
			    s->id, sp->rpos.off, lost);
			sp->corrupt += lost;
			sp->pending -= lost < sp->pending ? lost : sp->pending;
			sp->rpos.off = s->size;
			return spool_read(sp, frame, len, end);
		}
	}
	if (hdr + body > sp->frame_cap) {
		/* Without memory: an error, the frame read again next time. */
		char	*nf = malloc(hdr + body);

		if (nf == NULL)
			return -1;
		free(sp->frame);
		sp->frame = nf;
		sp->frame_cap = hdr + body;
	}
	if (at + hdr + body <= sp->rbuf_len)
		memcpy(sp->frame, sp->rbuf + at, hdr + body);
	else if (pread(sp->rfd, sp->frame, hdr + body,
	    (off_t)sp->rpos.off) != (ssize_t)(hdr + body))
		return -1;
	*frame = sp->frame;
	*len = hdr + body;
	sp->rpos.off += hdr + body;
	sp->rframes++;
	if (sp->pending > 0)
		sp->pending--;
	*end = sp->rpos;
	return 1;
}

void
spool_commit(struct spool *sp, const struct spool_pos *pos)
{
	if (pos->seg < sp->cpos.seg || (pos->seg == sp->cpos.seg &&
	    pos->off <= sp->cpos.off))
		return;
	sp->cpos = *pos;
	sp->dirty = 1;
	/* Whole segments before the cursor are delivered. */
	while (sp->nsegs > 1 && sp->segs[0].id < sp->cpos.seg) {
		seg_unlink(sp, sp->segs[0].id);
		sp->total -= sp->segs[0].size;
		if (sp->rfd >= 0 && sp->rfd_seg == sp->segs[0].id)
			reader_close(sp);
		memmove(sp->segs, sp->segs + 1,
		    (sp->nsegs - 1) * sizeof(*sp->segs));
		sp->nsegs--;
	}
	/* The last segment fully delivered: start it over, small. */
	if (sp->nsegs == 1 && sp->cpos.seg == sp->segs[0].id &&
	    sp->cpos.off == sp->segs[0].size && sp->segs[0].size >
	    sp->seg_max / 2 && sp->rpos.off == sp->cpos.off) {
		if (open_writer(sp, 1) == 0) {
			sp->rpos.seg = sp->cpos.seg = sp->segs[1].id;
			sp->rpos.off = sp->cpos.off = 0;
			sp->rframes = 0;
			spool_commit(sp, &sp->cpos);
		}
	}
}

void
spool_unread(struct spool *sp, size_t len)
{
	if (len == 0 || len > sp->rpos.off || sp->rframes == 0)
		return;
	sp->rpos.off -= len;
	sp->rframes--;
	sp->pending++;
}

/* Commit everything that was read. */
void
spool_commit_read(struct spool *sp)
{
	struct spool_pos p = sp->rpos;

	spool_commit(sp, &p);
}

uint64_t
spool_pending(const struct spool *sp)
{
	return sp->pending;
}

uint64_t
spool_bytes(const struct spool *sp)
{
	return sp->total;
}

uint64_t
spool_dropped(const struct spool *sp)
{
	return sp->dropped;
}

uint64_t
spool_corrupt(const struct spool *sp)
{
	return sp->corrupt;
}

void
spool_sync(struct spool *sp)
{
	char	buf[64];

	if (sp->fsync != SPOOL_FSYNC_NEVER && sp->wfd >= 0)
		(void)fdatasync(sp->wfd);
	if (!sp->dirty)
		return;
	snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64 "\n", sp->cpos.seg,
	    sp->cpos.off);
	if (state_write(sp, "cursor", buf) != 0)
		log_warn("spool %s: cursor", sp->dir);
	sp->dirty = 0;
}

uint64_t
spool_next_seq(struct spool *sp)
{
	char	buf[64];

	if (sp->seq >= sp->seq_reserved) {
		sp->seq_reserved = sp->seq + SEQ_RESERVE;
		snprintf(buf, sizeof(buf), "%" PRIu64 "\n", sp->seq_reserved);
		if (state_write(sp, "seq", buf) != 0)
			log_warn("spool %s: seq", sp->dir);
	}
	return sp->seq++;
}
