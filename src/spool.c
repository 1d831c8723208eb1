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

#include "canhgac.h"

#define SEQ_RESERVE	100000
#define FRAME_MAX	(1024 * 1024)
#define RBUF_SIZE	65536

struct segment {
	uint64_t	 id;
	uint64_t	 size;
	uint64_t	 frames;
};

struct spool {
	char		*dir;
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
seg_path(const struct spool *sp, uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%016" PRIx64 ".seg", sp->dir, id);
}

/* Write a small state file atomically. */
static int
state_write(const struct spool *sp, const char *name, const char *text)
{
	char	tmp[1100], path[1100];
	int	fd;
	ssize_t	n, len = (ssize_t)strlen(text);

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", sp->dir, name);
	snprintf(path, sizeof(path), "%s/%s", sp->dir, name);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640)) < 0)
		return -1;
	n = write(fd, text, (size_t)len);
	if (sp->fsync != SPOOL_FSYNC_NEVER)
		(void)fdatasync(fd);
	close(fd);
	if (n != len || rename(tmp, path) != 0)
		return -1;
	return 0;
}

static int
state_read(const struct spool *sp, const char *name, uint64_t *a, uint64_t *b)
{
	char	path[1100];
	FILE	*fp;
	int	n;
	unsigned long long x = 0, y = 0;

	snprintf(path, sizeof(path), "%s/%s", sp->dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	n = fscanf(fp, "%llu %llu", &x, &y);
	fclose(fp);
	*a = x;
	if (b != NULL)
		*b = y;
	return n >= 1 ? 0 : -1;
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

/* Count the frames of one segment; cut a torn tail off the last one. */
static int
seg_scan(struct spool *sp, struct segment *s, int last)
{
	char		 path[1100];
	char		*buf = xmalloc(RBUF_SIZE);
	int		 fd;
	uint64_t	 off = 0, good = 0;
	size_t		 have = 0, hdr, body;
	ssize_t		 n;

	seg_path(sp, s->id, path, sizeof(path));
	if ((fd = open(path, O_RDWR)) < 0) {
		free(buf);
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
			memmove(buf, buf + hdr + body, have - hdr - body);
			have -= hdr + body;
			off += hdr + body;
			good = off;
			s->frames++;
		}
		if (r == -1)
			break;
		if (r == 1 && hdr + body > RBUF_SIZE) {
			/* A large frame: skip it by seeking. */
			if (lseek(fd, (off_t)(off + hdr + body), SEEK_SET) < 0)
				break;
			off += hdr + body;
			good = off;
			s->frames++;
			have = 0;
		}
	}
	if (good != s->size || (off_t)good != lseek(fd, 0, SEEK_END)) {
		if (last) {
			log_warnx("%s: cutting a torn frame at byte %" PRIu64,
			    path, good);
			if (ftruncate(fd, (off_t)good) != 0)
				log_warn("%s", path);
		}
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

static struct segment *
seg_add(struct spool *sp, uint64_t id, int front)
{
	if (sp->nsegs == sp->cap) {
		sp->cap = sp->cap ? sp->cap * 2 : 16;
		sp->segs = xreallocarray(sp->segs, sp->cap, sizeof(*sp->segs));
	}
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

static int
mkdirs(const char *dir)
{
	char	buf[1024], *p;

	if (strlen(dir) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		(void)mkdir(buf, 0750);
		*p = '/';
	}
	if (mkdir(buf, 0750) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Open the write segment: the last one, or a new one after it. */
static int
open_writer(struct spool *sp, int fresh)
{
	char	path[1100];

	if (sp->wfd >= 0)
		close(sp->wfd);
	sp->wfd = -1;
	if (fresh || sp->nsegs == 0)
		seg_add(sp, sp->nsegs ? sp->segs[sp->nsegs - 1].id + 1 :
		    (1ULL << 32), 0);
	seg_path(sp, sp->segs[sp->nsegs - 1].id, path, sizeof(path));
	if ((sp->wfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0640)) < 0) {
		log_warn("spool: %s", path);
		return -1;
	}
	return 0;
}

struct spool *
spool_open(const char *dir, uint64_t max, enum spool_fsync fs, char *err,
    size_t errlen)
{
	struct spool	*sp;
	DIR		*d;
	struct dirent	*de;
	uint64_t	 a, b;
	size_t		 i;

	if (mkdirs(dir) != 0 || (d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "spool %s: %s", dir, strerror(errno));
		return NULL;
	}
	sp = xcalloc(1, sizeof(*sp));
	sp->dir = xstrdup(dir);
	sp->max = max;
	sp->seg_max = max / 8;
	if (sp->seg_max > 16 * 1024 * 1024)
		sp->seg_max = 16 * 1024 * 1024;
	if (sp->seg_max < 4096)
		sp->seg_max = 4096;
	sp->fsync = fs;
	sp->wfd = sp->rfd = -1;
	sp->rbuf = xmalloc(RBUF_SIZE);
	while ((de = readdir(d)) != NULL) {
		char		*end;
		struct stat	 st;
		char		 path[1100];
		unsigned long long id;

		if (strlen(de->d_name) != 20 ||
		    strcmp(de->d_name + 16, ".seg") != 0)
			continue;
		id = strtoull(de->d_name, &end, 16);
		if (end != de->d_name + 16)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (stat(path, &st) != 0)
			continue;
		seg_add(sp, id, 0)->size = (uint64_t)st.st_size;
	}
	closedir(d);
	if (sp->nsegs > 1)
		qsort(sp->segs, sp->nsegs, sizeof(*sp->segs), seg_cmp);
	for (i = 0; i < sp->nsegs; i++)
		seg_scan(sp, &sp->segs[i], i + 1 == sp->nsegs);
	if (state_read(sp, "cursor", &a, &b) == 0) {
		sp->cpos.seg = a;
		sp->cpos.off = b;
	}
	/* The read position starts at the committed one. */
	sp->rpos = sp->cpos;
	if (sp->nsegs > 0 && sp->rpos.seg < sp->segs[0].id) {
		sp->rpos.seg = sp->segs[0].id;
		sp->rpos.off = 0;
	}
	for (i = 0; i < sp->nsegs; i++) {
		sp->total += sp->segs[i].size;
		if (sp->segs[i].id > sp->rpos.seg)
			sp->pending += sp->segs[i].frames;
	}
	/* Frames of the read segment after the cursor. */
	for (i = 0; i < sp->nsegs; i++) {
		if (sp->segs[i].id != sp->rpos.seg)
			continue;
		{
			char		*f;
			size_t		 l;
			struct spool_pos e;
			struct spool_pos save = sp->rpos;
			uint64_t	 before = 0, all = sp->segs[i].frames;

			/* Count frames before the cursor by reading them. */
			sp->rpos.off = 0;
			sp->pending += all;
			while (sp->rpos.seg == save.seg &&
			    sp->rpos.off < save.off &&
			    spool_read(sp, &f, &l, &e) == 1)
				before++;
			sp->rpos = save;
			sp->rframes = before;
		}
	}
	if (state_read(sp, "seq", &a, NULL) == 0 && a > 0)
		sp->seq = sp->seq_reserved = a;
	else
		sp->seq = sp->seq_reserved = 1;
	if (open_writer(sp, 0) != 0) {
		snprintf(err, errlen, "spool %s: cannot open a segment: %s",
		    dir, strerror(errno));
		spool_close(sp);
		return NULL;
	}
	return sp;
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
	if (sp->wfd >= 0)
		close(sp->wfd);
	if (sp->rfd >= 0)
		close(sp->rfd);
	free(sp->rbuf);
	free(sp->frame);
	free(sp->segs);
	free(sp->dir);
	free(sp);
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
	char		 path[1100];
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
	seg_path(sp, s->id, path, sizeof(path));
	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("spool: %s", path);
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

static struct segment *seg_find(struct spool *, uint64_t);

/*
 * Put frames (unacknowledged at exit) before everything unsent: a new
 * segment holds them and the rest of the committed segment, so that a
 * restart sends them first and nothing twice.
 */
int
spool_prepend(struct spool *sp, const char *frames, size_t len,
    uint64_t nframes)
{
	char		 path[1100], opath[1100];
	struct segment	*s, *ns;
	uint64_t	 id, rest = 0, rest_bytes = 0, oid = 0;
	int		 fd, ofd, was_writer = 0;

	if (len == 0)
		return 0;
	spool_commit_read(sp);
	s = seg_find(sp, sp->cpos.seg);
	id = (s ? s->id : sp->segs[0].id) - 1;
	seg_path(sp, id, path, sizeof(path));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0640)) < 0)
		return -1;
	if (write(fd, frames, len) != (ssize_t)len)
		goto fail;
	if (s != NULL && sp->cpos.off > 0) {
		char	buf[65536];
		off_t	o = (off_t)sp->cpos.off;
		ssize_t	n;

		oid = s->id;
		rest = s->frames - sp->rframes;
		rest_bytes = s->size - sp->cpos.off;
		seg_path(sp, oid, opath, sizeof(opath));
		if ((ofd = open(opath, O_RDONLY)) < 0)
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
		(void)unlink(opath);
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
	(void)unlink(path);
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
		char path[1100];

		reader_close(sp);
		seg_path(sp, s->id, path, sizeof(path));
		if ((sp->rfd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			log_warn("spool: %s", path);
			return -1;
		}
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
			log_warnx("spool: %s: corrupt frame in segment %"
			    PRIx64 " at %" PRIu64 "; skipping the segment",
			    sp->dir, s->id, sp->rpos.off);
			sp->pending -= s->frames > sp->rframes ?
			    s->frames - sp->rframes : 0;
			sp->rpos.off = s->size;
			return spool_read(sp, frame, len, end);
		}
	}
	if (hdr + body > sp->frame_cap) {
		sp->frame_cap = hdr + body;
		free(sp->frame);
		sp->frame = xmalloc(sp->frame_cap);
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
	char	path[1100];

	if (pos->seg < sp->cpos.seg || (pos->seg == sp->cpos.seg &&
	    pos->off <= sp->cpos.off))
		return;
	sp->cpos = *pos;
	sp->dirty = 1;
	/* Whole segments before the cursor are delivered. */
	while (sp->nsegs > 1 && sp->segs[0].id < sp->cpos.seg) {
		seg_path(sp, sp->segs[0].id, path, sizeof(path));
		if (unlink(path) != 0 && errno != ENOENT)
			log_warn("spool: %s", path);
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
