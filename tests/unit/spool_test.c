/*
 * spool.c: frames come back in order, survive a reopen from the
 * committed position, the oldest go (counted) when full, prepended
 * frames come first, sequence numbers never repeat after a restart.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "canhgac.h"

static char dir[256];

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

static void
test_order_and_reopen(void **state)
{
	char		 err[256], buf[128];
	struct spool	*sp;
	unsigned	 i;
	char		*f;
	size_t		 len;
	struct spool_pos e;

	(void)state;
	sp = spool_open(dir, 1 << 20, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	for (i = 0; i < 1000; i++)
		assert_int_equal(spool_append(sp, buf, frame(buf, sizeof(buf),
		    i)), 0);
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

static void
test_full_drops_oldest(void **state)
{
	char		 err[256], buf[128];
	struct spool	*sp;
	unsigned	 i, kept;
	int		 first;

	(void)state;
	sp = spool_open(dir, 65536, SPOOL_FSYNC_NEVER, err, sizeof(err));
	assert_non_null(sp);
	for (i = 0; i < 5000; i++)
		assert_int_equal(spool_append(sp, buf, frame(buf, sizeof(buf),
		    i)), 0);
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
	assert_int_equal(spool_prepend(sp, pre, n, 3), 0);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_order_and_reopen, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full_drops_oldest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prepend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_never_repeats, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
