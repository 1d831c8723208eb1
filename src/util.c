/*
 * Small parsers and formatters shared by the configuration and outputs.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hkdf.h"
#include "log.h"
#include "safefile.h"
#include "types.h"
#include "util.h"

/* Parse "512MB", "64k", "1G" or a plain byte count. */
int
util_parse_size(const char *s, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;
	uint64_t		 mul = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	while (*end == ' ')
		end++;
	if (*end != '\0') {
		switch (toupper((unsigned char)*end)) {
		case 'K': mul = 1ULL << 10; break;
		case 'M': mul = 1ULL << 20; break;
		case 'G': mul = 1ULL << 30; break;
		case 'T': mul = 1ULL << 40; break;
		case 'B': mul = 1; break;
		default: return -1;
		}
		end++;
		if (mul != 1 && (*end == 'B' || *end == 'b'))
			end++;
		else if (mul != 1 && (*end == 'i') && (end[1] == 'B' ||
		    end[1] == 'b'))
			end += 2;
		if (*end != '\0')
			return -1;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

/* Parse "90s", "15m", "1h", "2d", "500ms" into microseconds. */
int
util_parse_duration(const char *s, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;
	uint64_t		 mul;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mul = 1000000ULL;
	else if (strcmp(end, "ms") == 0)
		mul = 1000ULL;
	else if (strcmp(end, "m") == 0)
		mul = 60ULL * 1000000ULL;
	else if (strcmp(end, "h") == 0)
		mul = 3600ULL * 1000000ULL;
	else if (strcmp(end, "d") == 0)
		mul = 86400ULL * 1000000ULL;
	else
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

/*
 * Format a packet timestamp the way EVE does:
 * 2025-01-01T10:53:20.001000+0700, in the configured zone offset.
 * Every alert and event record has one, and gmtime_r, strftime and
 * snprintf were a tenth of a record's cost (perf, bench gateway stage):
 * the text up to the seconds and the zone's are kept for the last
 * second asked, the microseconds put in by hand, two digits at a time
 * from a table (a division per digit was half of what was left). The
 * length comes back, for JW_SAFEN.
 */
size_t
util_format_ts(uint64_t usec, char *buf, size_t len, int utc_offset)
{
	static _Thread_local time_t	cached_t;
	static _Thread_local int	cached_off, cached_ok;
	static _Thread_local char	cached[32], zone[6];
	static const char		pairs[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	time_t				t = (time_t)(usec / 1000000) +
					    utc_offset;
	struct tm			tm;
	int				off = utc_offset < 0 ? -utc_offset :
					    utc_offset;
	unsigned			us = (unsigned)(usec % 1000000);

	/* 19 + 7 + 5 characters and the NUL; the cases outside, as before. */
	if (len < 32 || off / 3600 > 99) {
		char	date[32];

		if (gmtime_r(&t, &tm) == NULL) {
			snprintf(buf, len, "1970-01-01T00:00:00.000000+0000");
			return len > 0 ? strlen(buf) : 0;
		}
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf, len, "%s.%06u%c%02d%02d", date, us,
		    utc_offset < 0 ? '-' : '+', off / 3600, (off % 3600) / 60);
		return len > 0 ? strlen(buf) : 0;
	}
	if (!cached_ok || t != cached_t || utc_offset != cached_off) {
		if (gmtime_r(&t, &tm) == NULL) {
			snprintf(buf, len, "1970-01-01T00:00:00.000000+0000");
			return len > 0 ? strlen(buf) : 0;
		}
		/* A year past 9999 is longer: not cached, formatted as before. */
		if (strftime(cached, sizeof(cached), "%Y-%m-%dT%H:%M:%S",
		    &tm) != 19) {
			cached_ok = 0;
			snprintf(buf, len, "%s.%06u%c%02d%02d", cached, us,
			    utc_offset < 0 ? '-' : '+', off / 3600,
			    (off % 3600) / 60);
			return len > 0 ? strlen(buf) : 0;
		}
		zone[0] = utc_offset < 0 ? '-' : '+';
		memcpy(zone + 1, pairs + off / 3600 * 2, 2);
		memcpy(zone + 3, pairs + (off % 3600) / 60 * 2, 2);
		zone[5] = '\0';
		cached_t = t;
		cached_off = utc_offset;
		cached_ok = 1;
	}
	memcpy(buf, cached, 19);
	buf[19] = '.';
	memcpy(buf + 20, pairs + us / 10000 * 2, 2);
	memcpy(buf + 22, pairs + us / 100 % 100 * 2, 2);
	memcpy(buf + 24, pairs + us % 100 * 2, 2);
	memcpy(buf + 26, zone, sizeof(zone));
	return 31;
}

/* The EVE name of an IP protocol; others as their number in buf. */
const char *
util_proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case PROTO_TCP: return "TCP";
	case PROTO_UDP: return "UDP";
	case PROTO_ICMP: return "ICMP";
	case PROTO_ICMPV6: return "IPv6-ICMP";
	case PROTO_SCTP: return "SCTP";
	}
	snprintf(buf, len, "%u", proto);
	return buf;
}

/*
 * An IPv6 address by hand, as glibc's inet_ntop writes it (3,000
 * instructions through sprintf, for a DNS answer's AAAA): lower-case
 * words without leading zeros, the first longest run of two or more
 * zero words as "::", and ::a.b.c.d or ::ffff:a.b.c.d for the embedded
 * IPv4 forms. buf holds INET6_ADDRSTRLEN; the length written is
 * returned. Not inlined: its registers would cost every IPv4 address a
 * few instructions.
 */
static __attribute__((noinline)) size_t
addr6_str(const uint8_t *a, char *buf)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned		w[8];
	int			i, base = -1, blen = 0, cur = -1, clen = 0;
	char			*p = buf;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		if (w[i] != 0) {
			cur = -1;
			continue;
		}
		if (cur < 0) {
			cur = i;
			clen = 0;
		}
		/* Strictly longer: of runs alike, the first is kept. */
		if (++clen > blen) {
			base = cur;
			blen = clen;
		}
	}
	if (blen < 2)
		base = -1;
	for (i = 0; i < 8; i++) {
		unsigned v = w[i];

		if (base >= 0 && i >= base && i < base + blen) {
			if (i == base)
				*p++ = ':';
			continue;
		}
		if (i != 0)
			*p++ = ':';
		if (i == 6 && base == 0 &&
		    (blen == 6 || (blen == 5 && w[5] == 0xffff))) {
			return (size_t)(p - buf) + util_addr_fmt(4, a + 12, p);
		}
		if (v >= 0x1000)
			*p++ = hex[v >> 12];
		if (v >= 0x100)
			*p++ = hex[v >> 8 & 15];
		if (v >= 0x10)
			*p++ = hex[v >> 4 & 15];
		*p++ = hex[v & 15];
	}
	if (base >= 0 && base + blen == 8)
		*p++ = ':';
	*p = '\0';
	return (size_t)(p - buf);
}

/* An address of the given IP version into buf, which holds INET6_ADDRSTRLEN
 * (INET_ADDRSTRLEN for IPv4); the length written, less the NUL. */
size_t
util_addr_fmt(int ipver, const uint8_t *a, char *buf)
{
	/* IPv4 by hand: glibc's inet_ntop formats it through sprintf, a
	 * good part of every alert's cost. Each byte's digits come from a
	 * table, four at a time (the fourth overwritten or past the end):
	 * dividing cost two addresses a record 300 instructions. */
	static const char dec[256][4] = {
	"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12",
	"13", "14", "15", "16", "17", "18", "19", "20", "21", "22", "23",
	"24", "25", "26", "27", "28", "29", "30", "31", "32", "33", "34",
	"35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45",
	"46", "47", "48", "49", "50", "51", "52", "53", "54", "55", "56",
	"57", "58", "59", "60", "61", "62", "63", "64", "65", "66", "67",
	"68", "69", "70", "71", "72", "73", "74", "75", "76", "77", "78",
	"79", "80", "81", "82", "83", "84", "85", "86", "87", "88", "89",
	"90", "91", "92", "93", "94", "95", "96", "97", "98", "99", "100",
	"101", "102", "103", "104", "105", "106", "107", "108", "109", "110",
	"111", "112", "113", "114", "115", "116", "117", "118", "119", "120",
	"121", "122", "123", "124", "125", "126", "127", "128", "129", "130",
	"131", "132", "133", "134", "135", "136", "137", "138", "139", "140",
	"141", "142", "143", "144", "145", "146", "147", "148", "149", "150",
	"151", "152", "153", "154", "155", "156", "157", "158", "159", "160",
	"161", "162", "163", "164", "165", "166", "167", "168", "169", "170",
	"171", "172", "173", "174", "175", "176", "177", "178", "179", "180",
	"181", "182", "183", "184", "185", "186", "187", "188", "189", "190",
	"191", "192", "193", "194", "195", "196", "197", "198", "199", "200",
	"201", "202", "203", "204", "205", "206", "207", "208", "209", "210",
	"211", "212", "213", "214", "215", "216", "217", "218", "219", "220",
	"221", "222", "223", "224", "225", "226", "227", "228", "229", "230",
	"231", "232", "233", "234", "235", "236", "237", "238", "239", "240",
	"241", "242", "243", "244", "245", "246", "247", "248", "249", "250",
	"251", "252", "253", "254", "255"
	};
	if (ipver != 6) {
		size_t	n = 0;
		int	i;

		for (i = 0; i < 4; i++) {
			unsigned v = a[i];

			memcpy(buf + n, dec[v], 4);
			n += 1 + (v >= 10) + (v >= 100);
			buf[n++] = '.';
		}
		buf[--n] = '\0';
		return n;
	}
	return addr6_str(a, buf);
}

/* An IPv6 address cut to its first bits bits, in place. */
void
util_addr_net(uint8_t a[16], unsigned bits)
{
	if (bits >= 128)
		return;
	a[bits / 8] &= (uint8_t)(0xff00 >> (bits % 8));
	memset(a + bits / 8 + 1, 0, 15 - bits / 8);
}

/* Print an address of the given IP version. */
int
util_addr_str(int ipver, const uint8_t *a, char *buf, size_t len)
{
	if (len >= (ipver == 6 ? INET6_ADDRSTRLEN : INET_ADDRSTRLEN)) {
		(void)util_addr_fmt(ipver, a, buf);
		return 0;
	}
	if (inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, a, buf,
	    (socklen_t)len) == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

#define LIST_FILE_MAX	(1024L * 1024 * 1024)	/* list file size cap */
#define LIST_LINE_MAX	4096			/* bytes a line, comment included */

/*
 * Read one line of fp into buf without its newline, never past cap - 1
 * bytes. Returns 1 for a line, 0 at the end of the file, -1 for a line too
 * long, -2 for a NUL byte, -3 for a read error; *total counts bytes read.
 */
static int
list_getline(FILE *fp, char *buf, size_t cap, size_t *lenp, size_t *total)
{
	size_t	len = 0;
	int	c, any = 0;

	while ((c = getc_unlocked(fp)) != EOF) {
		any = 1;
		(*total)++;
		if (c == '\n')
			break;
		if (c == '\0')
			return -2;
		if (len + 1 >= cap)
			return -1;
		buf[len++] = (char)c;
	}
	if (ferror(fp))
		return -3;
	buf[len] = '\0';
	*lenp = len;
	return any;
}

static int
list_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * The digest of the list each thread read last: taken from the bytes the
 * entries came from, so that what the report and the history show is
 * what was loaded, not a second read's (a file rewritten in between).
 */
static _Thread_local struct {
	char	 path[PATH_MAX];
	char	 sha256[65];
	int64_t	 mtime;
	int	 whole;
} list_read;

int
util_list_digest(const char *path, char sha256[65], int64_t *mtime)
{
	if (!list_read.whole || strcmp(path, list_read.path) != 0)
		return -1;
	memcpy(sha256, list_read.sha256, 65);
	*mtime = list_read.mtime;
	return 0;
}

/*
 * Read a list file (indicator IPs, domains): one entry a line; '#' starts
 * a comment anywhere on a line; blank lines, surrounding white space and
 * CRLF line ends are ignored. size_cb, if given, learns the file size
 * first; entry_cb gets each entry. The file and its lines are capped, and
 * every error is "FILE:LINE: message" (or "FILE: message") in err.
 */
int
util_read_list(const char *path, int (*size_cb)(uint64_t, void *),
    int (*entry_cb)(const char *, void *, char *, size_t), void *arg,
    char *err, size_t errlen)
{
	FILE		*fp;
	struct stat	 st;
	struct sha256_hex h;
	char		 buf[LIST_LINE_MAX], msg[512], *p, *hash;
	size_t		 len = 0, total = 0, before;
	unsigned long	 line = 0;
	int		 r, fd;

	list_read.whole = 0;
	sha256_hex_init(&h);
	/* Root reads it at start: no link the service user planted. */
	if ((fd = safe_open_read(path, err, errlen)) < 0)
		return -1;
	if ((fp = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (fstat(fileno(fp), &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (st.st_size > LIST_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than the %ld-byte limit",
		    path, LIST_FILE_MAX);
		goto fail;
	}
	if (size_cb != NULL && (r = size_cb((uint64_t)st.st_size, arg)) !=
	    0) {
		/* -2: no memory (a reload's list beside the running one). */
		snprintf(err, errlen, "%s: %s", path, r == -2 ? "no memory "
		    "for the set's entries" : "too many entries in the set");
		goto fail;
	}
	while ((before = total, r = list_getline(fp, buf, sizeof(buf), &len,
	    &total)) != 0) {
		line++;
		if (total > (size_t)LIST_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than the %ld-byte "
			    "limit", path, LIST_FILE_MAX);
			goto fail;
		}
		if (r == -1) {
			snprintf(err, errlen, "%s:%lu: line longer than %d "
			    "bytes", path, line, LIST_LINE_MAX - 1);
			goto fail;
		}
		if (r == -2) {
			snprintf(err, errlen, "%s:%lu: NUL byte in line", path,
			    line);
			goto fail;
		}
		if (r == -3) {
			snprintf(err, errlen, "%s: read error: %s", path,
			    strerror(errno));
			goto fail;
		}
		/* The line as read, and its newline if it had one. */
		sha256_hex_update(&h, buf, len);
		if (total - before > len)
			sha256_hex_update(&h, "\n", 1);
		if ((hash = memchr(buf, '#', len)) != NULL)
			len = (size_t)(hash - buf);
		while (len > 0 && list_isspace(buf[len - 1]))
			len--;
		buf[len] = '\0';
		for (p = buf; list_isspace(*p); p++)
			;
		if (*p == '\0')
			continue;
		if ((r = entry_cb(p, arg, msg, sizeof(msg))) == -1) {
			snprintf(err, errlen, "%s:%lu: %s", path, line, msg);
			goto fail;
		}
		if (r == 1)
			log_warnx("%s:%lu: warning: %s", path, line, msg);
	}
	fclose(fp);
	if ((size_t)snprintf(list_read.path, sizeof(list_read.path), "%s",
	    path) < sizeof(list_read.path)) {
		sha256_hex_final(&h, list_read.sha256);
		list_read.mtime = (int64_t)st.st_mtime;
		list_read.whole = 1;
	}
	/*
	 * A big list grows its tables by doubling; glibc keeps the freed
	 * halves resident unless asked (a 1M-domain list: 48 MB -> 31 MB).
	 */
	malloc_trim(0);
	return 0;
fail:
	fclose(fp);
	return -1;
}

/*
 * Days in month mon (1-12) of year (proleptic Gregorian): a date's day
 * above it does not exist, where mktime and day counts would carry
 * 2025-02-30 into March.
 */
int
util_days_in_month(int year, int mon)
{
	static const int	days[12] = { 31, 28, 31, 30, 31, 30, 31, 31,
				    30, 31, 30, 31 };

	if (mon < 1 || mon > 12)
		return 0;
	if (mon == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
		return 29;
	return days[mon - 1];
}

void
util_background_thread(void)
{
	/* On Linux a thread's nice value is its own (setpriority(2)). */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), 10) != 0)
		log_debug("cannot lower a background thread's priority: %s",
		    strerror(errno));
}

int
util_job_busy(struct util_job *j)
{
	return __atomic_load_n(&j->busy, __ATOMIC_ACQUIRE);
}

int
util_job_start(struct util_job *j, void *(*fn)(void *), void *arg)
{
	if (util_job_busy(j))
		return 1;
	util_job_join(j);
	j->busy = 1;
	if (pthread_create(&j->tid, NULL, fn, arg) != 0) {
		j->busy = 0;
		return -1;
	}
	j->started = 1;
	return 0;
}

void
util_job_done(struct util_job *j)
{
	__atomic_store_n(&j->busy, 0, __ATOMIC_RELEASE);
}

void
util_job_join(struct util_job *j)
{
	if (j->started) {
		pthread_join(j->tid, NULL);
		j->started = 0;
	}
}

uint64_t
util_mono_usec(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

size_t
util_term_unsafe(const unsigned char *p, int newline)
{
	if ((p[0] < 0x20 && !(newline && p[0] == '\n')) || p[0] == 0x7f)
		return 1;
	if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return 2;
	if (p[0] == 0xe2 && p[1] == 0x80 && ((p[2] >= 0x8e && p[2] <= 0x8f) ||
	    (p[2] >= 0xaa && p[2] <= 0xae)))
		return 3;
	if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
		return 3;
	return 0;
}

int
util_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The configuration (the daemon's, an update's) read without memory
 * for it: the reload or the update is refused with these words.
 */
int
util_nomem(char *err, size_t errlen)
{
	snprintf(err, errlen, "no memory to read the configuration: %s",
	    strerror(ENOMEM));
	return -1;
}
