/*
 * The in-place reader of classic pcap files (pcapfile.c), against
 * libpcap itself as the referee: for each file, every record (stamp,
 * lengths, bytes), the end, and the words of an error must be what
 * pcap_next_ex gives on the same file. Files: records across the 1 MiB
 * chunk boundary and of the largest size allowed, nanosecond stamps
 * (negative ones too), records over the snapshot length (cut), lengths
 * over the maximum, and every way to cut a file short. Files this
 * reader leaves to libpcap (other byte order, version 2.3, pcapng) are
 * refused.
 */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <pcap/pcap.h>

#include "pcap_referee.h"

struct fbuf {
	uint8_t	*b;
	size_t	 n, cap;
};

static void
put(struct fbuf *f, const void *p, size_t n)
{
	if (f->n + n > f->cap) {
		f->cap = (f->n + n) * 2;
		f->b = realloc(f->b, f->cap);
		assert_non_null(f->b);
	}
	memcpy(f->b + f->n, p, n);
	f->n += n;
}

static void
put32(struct fbuf *f, uint32_t v)
{
	put(f, &v, 4);
}

static void
file_header(struct fbuf *f, uint32_t magic, uint16_t major, uint16_t minor,
    uint32_t snaplen)
{
	put32(f, magic);
	put(f, &major, 2);
	put(f, &minor, 2);
	put32(f, 0);
	put32(f, 0);
	put32(f, snaplen);
	put32(f, 1);			/* Ethernet */
}

/* A record: caplen bytes (a pattern of i) of a len-byte packet. */
static void
record(struct fbuf *f, uint32_t sec, uint32_t frac, uint32_t caplen,
    uint32_t len, unsigned i)
{
	uint32_t	k;

	put32(f, sec);
	put32(f, frac);
	put32(f, caplen);
	put32(f, len);
	for (k = 0; k < caplen; k++) {
		uint8_t c = (uint8_t)(i * 31 + k * 7);

		put(f, &c, 1);
	}
}

static char tmpl[] = "/tmp/pcapfile_test.XXXXXX";
static char path[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "%s", tmpl);
	return mkdtemp(path) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	f[96];

	(void)state;
	snprintf(f, sizeof(f), "%s/f.pcap", path);
	unlink(f);
	return rmdir(path);
}

static const char *
write_file(const uint8_t *b, size_t n)
{
	static char	 f[96];
	FILE		*fp;

	snprintf(f, sizeof(f), "%s/f.pcap", path);
	fp = fopen(f, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(b, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
	return f;
}

/*
 * The first n bytes of f read by both (pcap_referee.h); returns how many
 * records, or -1 if pcapfile would not take it. A difference fails.
 */
static long
against_libpcap(const struct fbuf *f, size_t n)
{
	const char	*name = write_file(f->b, n), *why;
	long		 count;
	int		 fd = open(name, O_RDONLY);

	assert_true(fd >= 0);
	count = pcap_referee(name, fd, &why);
	close(fd);
	if (count == REFEREE_DIFFERS)
		fail_msg("%zu bytes: the %s differs from libpcap's", n, why);
	return count;
}

/* Sizes from 0 to the largest, over four chunks: every boundary case
 * of a record begun in one chunk and ended in the next. */
static void
test_chunks(void **state)
{
	struct fbuf	f = { 0 };
	uint32_t	sizes[] = { 0, 1, 60, 1514, 9000, 65535, 200000,
	    262144 };
	unsigned	i;

	(void)state;
	file_header(&f, 0xa1b2c3d4, 2, 4, 262144);
	for (i = 0; f.n < 4500000; i++) {
		uint32_t c = sizes[(i * 7) % 8] + i % 13;

		if (c > 262144)
			c = 262144;
		record(&f, 1700000000 + i, i * 37 % 1000000, c, c + i % 3, i);
	}
	assert_int_equal(against_libpcap(&f, f.n), i);
	free(f.b);
}

/* test_held_frames: the frames read so far, and which are still held. */
#define HELD_MAX	4096

static struct held {
	const uint8_t	*data;
	uint32_t	 caplen;
	unsigned	 i, chunk;
	int		 live;		/* its chunk not handed back yet */
} held[HELD_MAX];
static unsigned	nheld, nchecked, holds;

/* Frame h still has the bytes record() wrote (nothing read over it). */
static void
held_intact(const struct held *h)
{
	uint32_t	k;

	for (k = 0; k < h->caplen; k++)
		if (h->data[k] != (uint8_t)(h->i * 31 + k * 7))
			fail_msg("frame %u (chunk %u) overwritten at byte %u "
			    "before its chunk was handed back", h->i,
			    h->chunk, k);
}

/* pcapfile's hold: every frame of every chunk still intact; chunk's
 * frames may go now. */
static void
hold_check(void *arg, unsigned chunk)
{
	unsigned	j;

	assert_ptr_equal(arg, held);
	assert_true(chunk < PCAPFILE_CHUNKS);
	holds++;
	for (j = 0; j < nheld; j++) {
		if (!held[j].live)
			continue;
		held_intact(&held[j]);
		if (held[j].chunk == chunk) {
			held[j].live = 0;
			nchecked++;
		}
	}
}

/*
 * A reader with a hold (a replay's workers read frames where they lie):
 * a frame keeps its bytes, whatever is read after it, until pcapfile
 * hands its chunk back (hold) before reading into it again, and close
 * hands back every chunk; the chunks go round.
 */
static void
test_held_frames(void **state)
{
	struct fbuf		 f = { 0 };
	uint32_t		 sizes[] = { 60, 1514, 9000, 65535, 200000 };
	char			 e[PCAP_ERRBUF_SIZE];
	const char		*name;
	struct pcap_pkthdr	 h;
	const u_char		*d;
	struct pcapfile		*pf;
	pcap_t			*p;
	unsigned		 i, j, used = 0;
	int			 fd;

	(void)state;
	file_header(&f, 0xa1b2c3d4, 2, 4, 262144);
	for (i = 0; f.n < 6000000 && i < HELD_MAX; i++)
		record(&f, 1700000000 + i, 0, sizes[(i * 3) % 5] + i % 11,
		    sizes[(i * 3) % 5] + i % 11, i);
	name = write_file(f.b, f.n);
	p = pcap_open_offline(name, e);
	assert_non_null(p);
	fd = open(name, O_RDONLY);
	assert_true(fd >= 0);
	pf = pcapfile_open(p, fd);
	assert_non_null(pf);
	pcapfile_set_hold(pf, hold_check, held);
	nheld = nchecked = holds = 0;
	while (pcapfile_next(pf, &h, &d) == 1) {
		assert_true(nheld < i);
		held[nheld].data = d;
		held[nheld].caplen = h.caplen;
		held[nheld].i = nheld;
		held[nheld].chunk = pcapfile_chunk(pf);
		held[nheld].live = 1;
		used |= 1u << held[nheld].chunk;
		nheld++;
	}
	assert_int_equal(nheld, i);
	/* Six megabytes of records went round all the chunks. */
	assert_int_equal(used, (1u << PCAPFILE_CHUNKS) - 1);
	assert_true(holds > PCAPFILE_CHUNKS);
	pcapfile_close(pf);
	for (j = 0; j < nheld; j++)
		assert_false(held[j].live);
	assert_int_equal(nchecked, nheld);
	close(fd);
	pcap_close(p);
	free(f.b);
}

static void
test_nanoseconds(void **state)
{
	struct fbuf	f = { 0 };

	(void)state;
	file_header(&f, 0xa1b23c4d, 2, 4, 65535);
	record(&f, 1, 999999999, 60, 60, 1);
	record(&f, 2, 1500, 60, 60, 2);
	record(&f, 0xfffffff0, 0xffffff00, 60, 60, 3);	/* negative */
	record(&f, 3, 0, 60, 60, 4);
	assert_int_equal(against_libpcap(&f, f.n), 4);
	free(f.b);
}

/* Over the snapshot: cut to it, the rest skipped; then cut short at
 * every byte of the first three records. */
static void
test_snapshot_and_truncation(void **state)
{
	struct fbuf	f = { 0 };
	size_t		n;

	(void)state;
	file_header(&f, 0xa1b2c3d4, 2, 4, 100);
	record(&f, 1, 1, 150, 150, 1);
	record(&f, 2, 2, 100, 100, 2);
	record(&f, 3, 3, 50, 1500, 3);
	record(&f, 4, 4, 101, 101, 4);
	assert_int_equal(against_libpcap(&f, f.n), 4);
	for (n = 24; n < f.n; n++)
		assert_true(against_libpcap(&f, n) >= 0);
	free(f.b);
}

/* Over libpcap's maximum: an error, worded by whether the snapshot
 * length (0 in the header: the maximum) is exceeded too. */
static void
test_too_long(void **state)
{
	struct fbuf	f = { 0 }, g = { 0 };

	(void)state;
	file_header(&f, 0xa1b2c3d4, 2, 4, 0);
	record(&f, 1, 1, 60, 60, 1);
	put32(&f, 2);
	put32(&f, 2);
	put32(&f, 262145);
	put32(&f, 262145);
	assert_int_equal(against_libpcap(&f, f.n), 1);

	file_header(&g, 0xa1b2c3d4, 2, 4, 65535);
	put32(&g, 2);
	put32(&g, 2);
	put32(&g, 0xffffffff);
	put32(&g, 60);
	assert_int_equal(against_libpcap(&g, g.n), 0);
	free(f.b);
	free(g.b);
}

/* What libpcap reads differently stays with libpcap. */
static void
test_left_to_libpcap(void **state)
{
	struct fbuf	 f = { 0 }, g = { 0 }, h = { 0 };

	(void)state;
	file_header(&f, 0xd4c3b2a1, 0x200, 0x400, 0xffff0000);
	assert_int_equal(against_libpcap(&f, f.n), -1);
	file_header(&g, 0xa1b2c3d4, 2, 3, 65535);
	record(&g, 1, 1, 60, 60, 1);
	assert_int_equal(against_libpcap(&g, g.n), -1);
	file_header(&h, 0xa1b2cd34, 2, 4, 65535);
	assert_int_equal(against_libpcap(&h, h.n), -1);
	free(f.b);
	free(g.b);
	free(h.b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_frames, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_nanoseconds, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_and_truncation,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_long, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_left_to_libpcap, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
