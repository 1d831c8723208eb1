/*
 * spool.c: frames come back in order, survive a reopen from the
 * committed position, the oldest go (counted) when full, prepended
 * frames come first, sequence numbers never repeat after a restart.
 * A damaged spool (cursor past the end or inside a frame, garbage or
 * lowered seq file, truncated middle segment) loses nothing intact,
 * repeats no number, and counts what it lost.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "spool.h"

static char dir[256];

/*
 * malloc and reallocarray of spool.c, wrapped (-Wl,--wrap, Makefile.am):
 * the nomem_in-th call from now fails as with no memory left, once.
 */
static int	nomem_in, nomem_failed;

void	*__real_malloc(size_t);
void	*__wrap_malloc(size_t);
void	*__real_reallocarray(void *, size_t, size_t);
void	*__wrap_reallocarray(void *, size_t, size_t);

static int
nomem_now(void)
{
	if (nomem_in == 0 || --nomem_in > 0)
		return 0;
	nomem_failed++;
	errno = ENOMEM;
	return 1;
}

void *
__wrap_malloc(size_t n)
{
	return nomem_now() ? NULL : __real_malloc(n);
}

void *
__wrap_reallocarray(void *p, size_t n, size_t size)
{
	return nomem_now() ? NULL : __real_reallocarray(p, n, size);
}

/* spool_prepend's pieces: one buffer. */
struct one_piece {
	const char	*data;
	size_t		 len;
};

static int
one_next(void *arg, const char **data, size_t *len)
{
	struct one_piece	*p = arg;

	if (p->data == NULL)
		return 0;
	*data = p->data;
	*len = p->len;
	p->data = NULL;
	return 1;
}

static size_t
frame(char *buf, size_t len, unsigned i)
{
	char	msg[64];
	int	n = snprintf(msg, sizeof(msg), "<165>1 - - - - - - message %u", i);

	return (size_t)snprintf(buf, len, "%d %s", n, msg);
}

/* The number in the next frame, or -1 when none. */
static int
next(struct spool *sp)
{
	char		*f;
	size_t		 len;
	struct spool_pos e;
	const char	*p;

	if (spool_read(sp, &f, &len, &e) != 1)
		return -1;
	p = memmem(f, len, "message ", 8);
	assert_non_null(p);
	{
		char	num[16];
		size_t	n = len - (size_t)(p + 8 - f);

		if (n >= sizeof(num))
			n = sizeof(num) - 1;
		memcpy(num, p + 8, n);
		num[n] = '\0';
		return atoi(num);
	}
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/spool_test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The spool in dir (1 MiB) opened with frames 0 to n - 1 appended. */
static struct spool *
open_filled_max(uint64_t max, unsigned n)
{
	char		 err[256], buf[128];
	struct spool	*sp;
	unsigned	 i;

	sp = spool_open(dir, max, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	for (i = 0; i < n; i++)
		assert_int_equal(spool_append(sp, buf, frame(buf, sizeof(buf),
		    i)), 0);
	return sp;
}

static struct spool *
open_filled(unsigned n)
{
	return open_filled_max(1 << 20, n);
}

static void
test_order_and_reopen(void **state)
{
	char		 err[256];
	struct spool	*sp;
	unsigned	 i;
	char		*f;
	size_t		 len;
	struct spool_pos e;

	(void)state;
	sp = open_filled(1000);
	assert_int_equal(spool_pending(sp), 1000);
	for (i = 0; i < 400; i++)
		assert_int_equal(next(sp), (int)i);
	/* Delivered up to 300: commit there by re-reading from a copy. */
	spool_close(sp);
	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	/* Nothing was committed: everything comes again. */
	assert_int_equal(spool_pending(sp), 1000);
	for (i = 0; i < 300; i++) {
		assert_int_equal(spool_read(sp, &f, &len, &e), 1);
		spool_commit(sp, &e);
	}
	spool_close(sp);
	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_int_equal(spool_pending(sp), 700);
	for (i = 300; i < 1000; i++)
		assert_int_equal(next(sp), (int)i);
	assert_int_equal(next(sp), -1);
	spool_commit_read(sp);
	assert_int_equal(spool_pending(sp), 0);
	spool_close(sp);
}

/* A frame read and not sent (the socket would not take it) is unread:
 * it comes again, in its place, and commits of what follows count it. */
static void
test_unread(void **state)
{
	char		 err[256];
	struct spool	*sp;
	unsigned	 i;
	char		*f;
	size_t		 len;
	struct spool_pos e;

	(void)state;
	sp = open_filled(10);
	assert_int_equal(next(sp), 0);
	assert_int_equal(spool_read(sp, &f, &len, &e), 1);
	assert_int_equal(spool_pending(sp), 8);
	spool_unread(sp, len);
	assert_int_equal(spool_pending(sp), 9);
	for (i = 1; i < 10; i++) {
		char	want[32];
		int	wl = snprintf(want, sizeof(want), "message %u", i);

		assert_int_equal(spool_read(sp, &f, &len, &e), 1);
		/* The number ends the frame: "message 1" is not "message 10". */
		assert_true(len >= (size_t)wl);
		assert_memory_equal(f + len - (size_t)wl, want, (size_t)wl);
		if (i == 5)
			spool_commit(sp, &e);
	}
	assert_int_equal(next(sp), -1);
	/* Reopened: what was committed (up to 5, the unread 1 among it)
	 * stays delivered, the rest comes again. */
	spool_close(sp);
	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	assert_int_equal(spool_pending(sp), 4);
	for (i = 6; i < 10; i++)
		assert_int_equal(next(sp), (int)i);
	assert_int_equal(next(sp), -1);
	spool_close(sp);
}

static void
test_full_drops_oldest(void **state)
{
	struct spool	*sp;
	unsigned	 i, kept;
	int		 first;

	(void)state;
	sp = open_filled_max(65536, 5000);
	assert_true(spool_bytes(sp) <= 65536);
	assert_true(spool_dropped(sp) > 0);
	kept = (unsigned)spool_pending(sp);
	assert_int_equal(kept + spool_dropped(sp), 5000);
	/* What is kept is the newest, in order. */
	first = next(sp);
	assert_int_equal(first, (int)(5000 - kept));
	for (i = (unsigned)first + 1; i < 5000; i++)
		assert_int_equal(next(sp), (int)i);
	spool_close(sp);
}

static void
test_prepend(void **state)
{
	char		 err[256], buf[128], pre[512];
	struct spool	*sp;
	size_t		 n = 0;
	unsigned	 i;

	(void)state;
	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	for (i = 10; i < 20; i++)
		spool_append(sp, buf, frame(buf, sizeof(buf), i));
	for (i = 10; i < 13; i++)	/* sent, unacknowledged at exit */
		assert_int_equal(next(sp), (int)i);
	for (i = 0; i < 3; i++)
		n += frame(pre + n, sizeof(pre) - n, 100 + i);
	{
		struct one_piece	one = { pre, n };

		assert_int_equal(spool_prepend(sp, one_next, &one, n, 3), 0);
	}
	spool_close(sp);
	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_int_equal(spool_pending(sp), 10);
	for (i = 0; i < 3; i++)
		assert_int_equal(next(sp), (int)(100 + i));
	for (i = 13; i < 20; i++)
		assert_int_equal(next(sp), (int)i);
	assert_int_equal(next(sp), -1);
	spool_close(sp);
}

static void
test_seq_never_repeats(void **state)
{
	char		 err[256];
	struct spool	*sp;
	uint64_t	 a, b;

	(void)state;
	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	a = spool_next_seq(sp);
	a = spool_next_seq(sp);
	spool_close(sp);	/* clean: continues at a + 1 */
	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	b = spool_next_seq(sp);
	assert_int_equal(b, a + 1);
	/* A crash (no close) continues past everything reserved. */
	{
		struct spool *sp2;

		sp2 = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err,
		    sizeof(err));
		assert_true(spool_next_seq(sp2) > b);
		spool_close(sp2);
	}
	spool_close(sp);
}

/* A frame as a remote destination spools it, with its seq. */
static size_t
frame_seq(char *buf, size_t len, unsigned i, uint64_t seq)
{
	char	msg[128];
	int	n = snprintf(msg, sizeof(msg), "<165>1 - - - - - [canhgac@1 "
	    "seq=\"%" PRIu64 "\"] message %u", seq, i);

	return (size_t)snprintf(buf, len, "%d %s", n, msg);
}

static void
put_file(const char *name, const char *text)
{
	char	 p[300];
	FILE	*fp;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	(void)unlink(p);
	assert_non_null(fp = fopen(p, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* The cursor file's two numbers. */
static void
get_cursor(uint64_t *seg, uint64_t *off)
{
	char			 p[300];
	FILE			*fp;
	unsigned long long	 a, b;

	snprintf(p, sizeof(p), "%s/cursor", dir);
	assert_non_null(fp = fopen(p, "r"));
	assert_int_equal(fscanf(fp, "%llu %llu", &a, &b), 2);
	fclose(fp);
	*seg = a;
	*off = b;
}

/* 50 frames, the first 10 delivered (committed), closed. */
static void
fill_50_commit_10(void)
{
	char		*f;
	struct spool	*sp;
	size_t		 len;
	struct spool_pos e;
	unsigned	 i;

	sp = open_filled(50);
	for (i = 0; i < 10; i++) {
		assert_int_equal(spool_read(sp, &f, &len, &e), 1);
		spool_commit(sp, &e);
	}
	spool_close(sp);
}

/* Reopen after the cursor file was replaced; the first frame read. */
static int
reopen_first(const char *cursor, uint64_t pending)
{
	char		 err[256];
	struct spool	*sp;
	int		 first;

	put_file("cursor", cursor);
	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	assert_int_equal(spool_pending(sp), pending);
	first = next(sp);
	assert_int_equal(spool_corrupt(sp), 0);
	spool_close(sp);
	return first;
}

static void
test_cursor_damaged(void **state)
{
	char		 text[64];
	uint64_t	 seg, off;

	(void)state;
	fill_50_commit_10();
	get_cursor(&seg, &off);
	assert_true(off > 0);
	/* Intact: from frame 10. */
	snprintf(text, sizeof(text), "%" PRIu64 " %" PRIu64 "\n", seg, off);
	assert_int_equal(reopen_first(text, 40), 10);
	/* Past the last segment: everything again, not nothing. */
	snprintf(text, sizeof(text), "%" PRIu64 " 0\n", seg + 5);
	assert_int_equal(reopen_first(text, 50), 0);
	/* Past the end of its segment: that segment again. */
	snprintf(text, sizeof(text), "%" PRIu64 " 99999999\n", seg);
	assert_int_equal(reopen_first(text, 50), 0);
	/* Inside frame 10: from its start, not from a broken frame. */
	snprintf(text, sizeof(text), "%" PRIu64 " %" PRIu64 "\n", seg,
	    off + 3);
	assert_int_equal(reopen_first(text, 40), 10);
	/* Garbage, or numbers out of range: everything again. */
	assert_int_equal(reopen_first("zz top\n", 50), 0);
	assert_int_equal(reopen_first("99999999999999999999999 0\n", 50), 0);
	assert_int_equal(reopen_first("", 50), 0);
}

/* Frames carrying seq 1..30, none delivered; closed. */
static void
fill_seq_30(void)
{
	char		 err[256], buf[160];
	struct spool	*sp;
	unsigned	 i;

	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	for (i = 0; i < 30; i++)
		assert_int_equal(spool_append(sp, buf, frame_seq(buf,
		    sizeof(buf), i, spool_next_seq(sp))), 0);
	spool_close(sp);
}

static uint64_t
seq_after(const char *seqfile)
{
	char		 err[256];
	struct spool	*sp;
	uint64_t	 q;

	if (seqfile != NULL)
		put_file("seq", seqfile);
	else {
		char p[300];

		snprintf(p, sizeof(p), "%s/seq", dir);
		(void)unlink(p);
	}
	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	q = spool_next_seq(sp);
	spool_close(sp);
	return q;
}

static void
test_seq_damaged(void **state)
{
	(void)state;
	fill_seq_30();
	/* The segments hold 1..30: lowered, garbage, huge, missing. */
	assert_int_equal(seq_after("5\n"), 31);
	assert_int_equal(seq_after("0\n"), 31);
	assert_int_equal(seq_after("garbage\n"), 31);
	assert_int_equal(seq_after("18446744073709551615\n"), 31);
	assert_int_equal(seq_after("99999999999999999999999\n"), 31);
	assert_int_equal(seq_after("-3\n"), 31);
	assert_int_equal(seq_after(NULL), 31);
	/* Ahead of the segments (numbers reserved): honoured. */
	assert_int_equal(seq_after("500\n"), 500);
}

/* The names of the segments, oldest first. */
static size_t
segments(char names[][32], size_t max)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0, i, j;

	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL && n < max)
		if (strlen(de->d_name) == 20 &&
		    strcmp(de->d_name + 16, ".seg") == 0)
			snprintf(names[n++], 32, "%s", de->d_name);
	closedir(d);
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[32];

			memcpy(t, names[j], 32);
			memcpy(names[j], names[j - 1], 32);
			memcpy(names[j - 1], t, 32);
		}
	return n;
}

static void
test_truncated_middle_segment(void **state)
{
	char		 err[256], names[16][32], p[300];
	struct spool	*sp;
	unsigned	 got = 0;
	int		 v, last = -1, gap = -1;
	size_t		 n;
	struct stat	 st;

	(void)state;
	/* 64 KiB: segments of 8 KiB. */
	sp = open_filled_max(65536, 600);
	assert_int_equal(spool_dropped(sp), 0);
	spool_close(sp);
	assert_true((n = segments(names, 16)) >= 3);
	snprintf(p, sizeof(p), "%s/%s", dir, names[1]);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(truncate(p, st.st_size - 5), 0);
	sp = spool_open(dir, 65536, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	/* The torn frame is lost, counted; the rest all come, in order. */
	assert_int_equal(spool_corrupt(sp), 1);
	assert_int_equal(spool_pending(sp), 599);
	while ((v = next(sp)) >= 0) {
		assert_true(v > last);
		if (v != last + 1) {
			assert_int_equal(gap, -1);
			gap = last + 1;
		}
		last = v;
		got++;
	}
	assert_int_equal(got, 599);
	assert_int_equal(last, 599);
	assert_true(gap > 0);
	spool_close(sp);
}

/*
 * Garbage over a frame's header in the middle of a segment (a bad disk,
 * a stray write): the frames before it and every other segment's come,
 * in order, none twice; the loss is counted and the spool goes on
 * taking frames after it.
 */
static void
test_garbage_middle_frame(void **state)
{
	char		 err[256], buf[128], names[16][32], p[300];
	struct spool	*sp;
	unsigned	 got = 0, k;
	int		 v, last = -1, fd;
	size_t		 n, off = 0, pending;
	ssize_t		 r;

	(void)state;
	sp = open_filled_max(65536, 600);
	spool_close(sp);
	assert_true((n = segments(names, 16)) >= 3);
	snprintf(p, sizeof(p), "%s/%s", dir, names[1]);
	/* The tenth frame's header, found by walking the first nine. */
	assert_true((fd = open(p, O_RDWR)) >= 0);
	for (k = 0; k < 9; k++) {
		char	h[8];

		assert_int_equal(pread(fd, h, sizeof(h), (off_t)off),
		    (ssize_t)sizeof(h));
		off += (size_t)(strchr(h, ' ') - h) + 1 + (size_t)atoi(h);
	}
	r = pwrite(fd, "x9!", 3, (off_t)off);
	assert_int_equal(r, 3);
	close(fd);
	sp = spool_open(dir, 65536, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	assert_true(spool_corrupt(sp) >= 1);
	pending = spool_pending(sp);
	assert_true(pending < 600);
	while ((v = next(sp)) >= 0) {
		assert_true(v > last);
		last = v;
		got++;
	}
	assert_int_equal(got, pending);
	assert_int_equal(last, 599);
	/* Written after the damage: read after it. */
	assert_int_equal(spool_append(sp, buf, frame(buf, sizeof(buf), 600)),
	    0);
	assert_int_equal(next(sp), 600);
	spool_close(sp);
}

/*
 * spool_open of dir (64 KiB) with its k-th allocation from now failing:
 * NULL with err naming the spool when it did; *failed says whether the
 * open got that far (it has fewer than k allocations when not).
 */
static struct spool *
open_failing_at(unsigned k, char *err, size_t errlen, int *failed)
{
	struct spool	*sp;

	nomem_failed = 0;
	nomem_in = (int)k;
	err[0] = '\0';
	sp = spool_open(dir, 1 << 16, SPOOL_FSYNC_NEVER, err, errlen);
	nomem_in = 0;
	*failed = nomem_failed > 0;
	if (!*failed)
		assert_non_null(sp);
	if (sp == NULL) {
		assert_non_null(strstr(err, dir));
		assert_non_null(strstr(err, "no memory"));
	}
	return sp;
}

/*
 * Without memory, opening a spool fails naming it, at whichever
 * allocation it happens, and leaves the spool as it was: before, a
 * segment whose read buffer could not be had ended the process
 * (xmalloc), and so did the segment list's growth. Every frame is
 * still there, in order, at the next open.
 */
static void
test_open_nomem(void **state)
{
	char		 err[256];
	struct spool	*sp;
	unsigned	 i, k, failed_opens = 0;
	int		 failed;

	(void)state;
	/* Many segments (a spool of 64 KiB has 8 KiB ones: 55 KiB of
	 * frames in seven), five read and committed. */
	sp = open_filled_max(1 << 16, 1500);
	for (i = 0; i < 5; i++)
		assert_int_equal(next(sp), (int)i);
	spool_commit_read(sp);
	spool_close(sp);
	for (k = 1; k < 64; k++) {
		sp = open_failing_at(k, err, sizeof(err), &failed);
		failed_opens += sp == NULL;
		spool_close(sp);
		if (!failed)
			break;		/* every allocation was tried */
	}
	assert_true(failed_opens >= 2);
	sp = spool_open(dir, 1 << 16, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	/* From the committed cursor on, every frame in order. */
	assert_int_equal(spool_pending(sp), 1495);
	for (i = 5; i < 1500; i++)
		assert_int_equal(next(sp), (int)i);
	assert_int_equal(next(sp), -1);
	spool_close(sp);
}

/* The same for a new spool: refused, and nothing written in it (not
 * even its seq file). */
static void
test_open_nomem_fresh(void **state)
{
	char		 err[256], path[300];
	struct spool	*sp;
	unsigned	 k, failed_opens = 0;
	int		 failed;
	DIR		*d;
	struct dirent	*de;

	(void)state;
	for (k = 1; k < 16; k++) {
		sp = open_failing_at(k, err, sizeof(err), &failed);
		if (!failed) {
			spool_close(sp);
			break;
		}
		assert_null(sp);
		failed_opens++;
		assert_non_null(d = opendir(dir));
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s", de->d_name);
				fail_msg("%s left in a spool never opened", path);
			}
		closedir(d);
	}
	assert_true(failed_opens >= 2);
}

/* A frame read without memory for it: an error, and the same frame at
 * the next read, none skipped (before: xmalloc ended the process). */
static void
test_read_nomem(void **state)
{
	char		*f;
	size_t		 len;
	struct spool_pos e;
	struct spool	*sp;

	(void)state;
	sp = open_filled(3);
	nomem_in = 1;
	nomem_failed = 0;
	assert_int_equal(spool_read(sp, &f, &len, &e), -1);
	assert_int_equal(nomem_failed, 1);
	nomem_in = 0;
	assert_int_equal(next(sp), 0);
	assert_int_equal(next(sp), 1);
	assert_int_equal(next(sp), 2);
	assert_int_equal(next(sp), -1);
	spool_close(sp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_drops_oldest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prepend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_damaged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seq_damaged, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_garbage_middle_frame,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_middle_segment,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_never_repeats, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_nomem, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_read_nomem, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_open_nomem_fresh, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
