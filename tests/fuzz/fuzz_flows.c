/*
 * libFuzzer target: a sequence of frames through the daemon's packet
 * path, as `canhgacd -r FILE` runs it: each frame to sensor_packet
 * (sensor.c, what capture.c calls), on a sensor started by lifecycle.c
 * with every shipped rule pack at security level 5 (loaded once), the
 * JSON alert log, the event log and local syslog. fuzz_decode sees one
 * frame; here TCP reassembly, defragmentation, HTTP sessions and bodies,
 * payload matches across segments, thresholds and the alert formatting
 * see a conversation.
 *
 * Input: two header bytes, then records.
 *   byte 0  bits 0-1: link type (Ethernet, raw IP, Linux SLL2, BSD
 *           loopback); bit 2: alerts in Vietnamese; bits 3-5: the time
 *           step between records; bit 6: frames captured cut to 128
 *           bytes (snaplen); bit 7: the replay ends by shutdown rather
 *           than end of capture.
 *   byte 1  the hour of the week the input starts at.
 *   record  a 16-bit big-endian word: its low 14 bits the frame's
 *           length, its top 2 the time before the frame (one step, one
 *           step back, 61 s, 11 min); then the frame (cut: its first
 *           128 bytes, the length being the one on the wire).
 *
 * What the sensor writes is checked: every alert and event line one
 * JSON object, each syslog datagram well formed as syslog-ng's
 * kv-parser reads it, the alert log holding every alert, and no
 * citizen-ID number left unmasked anywhere (a violation aborts, saying
 * why). FUZZ_FLOWS_VERBOSE=1 prints every line written, for triage.
 *
 * Between inputs, as between two replays: every flow ends, fragment
 * trains time out, the host inventory starts empty. The rules' counters
 * and threshold tables live on, bounded by their memcaps; each input
 * starts a week after the one before, so their windows have passed.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>
#include <pcap/pcap.h>

#include "alert.h"
#include "capture.h"
#include "conf.h"
#include "defrag.h"
#include "eventlog.h"
#include "hosts.h"
#include "cccd.h"
#include "jsonw.h"
#include "lifecycle.h"
#include "output.h"
#include "sensor.h"
#include "fuzz_common.h"

#define SNAP		128
#define WEEK		(7 * 86400ULL)
#define T0		1704067200ULL		/* Monday 2024-01-01 00:00 UTC */

static struct sensor	 S;
static int		 alerts_fd = -1, events_fd = -1, syslog_fd = -1;
static unsigned		 week;
static int		 verbose;	/* FUZZ_FLOWS_VERBOSE: lines to stderr */
/* What the alert sink saw during the input. */
static uint64_t		 seen_lines, seen_bytes;
static char		 dgram[65536];

static const int	 dlts[4] = { DLT_EN10MB, DLT_RAW, 276, DLT_NULL };
static const char *const ifnames[4] = { "eth0", "raw0", "sll0", "lo0" };
static const uint64_t	 steps[8] = { 0, 1, 100, 1000, 20000, 200000,
			    1000000, 7000000 };

static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	fputs("fuzz_flows: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* A fingerprint the sensor computed is not masked (jsonw.h). */
static int
digest_key(const char *key)
{
	const char	*dot = key != NULL ? strrchr(key, '.') : NULL;
	const char	*last = dot != NULL ? dot + 1 : key;

	return last != NULL && (strcmp(last, "hash") == 0 ||
	    strcmp(last, "ja4") == 0);
}

/* Masking what went out must find nothing left to mask. */
static void
check_masked(const char *what, const char *key, const char *s, size_t n)
{
	char	*c;

	if (n < 12 || digest_key(key))
		return;
	if ((c = malloc(n)) == NULL)
		abort();
	memcpy(c, s, n);
	if (cccd_mask(c, n) != 0)
		fail("%s: %s: a citizen-ID number left unmasked: %.*s", what,
		    key != NULL ? key : "", (int)n, s);
	free(c);
}

static void
check_tree(const char *what, const char *key, json_t *j)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		json_object_foreach(j, k, v) {
			check_masked(what, k, k, strlen(k));
			check_tree(what, k, v);
		}
		break;
	case JSON_ARRAY:
		json_array_foreach(j, i, v)
			check_tree(what, key, v);
		break;
	case JSON_STRING:
		check_masked(what, key, json_string_value(j),
		    json_string_length(j));
		break;
	default:
		break;
	}
}

/* One record of a log: one line, one JSON object. */
static void
check_line(const char *what, const char *s, size_t n)
{
	json_error_t	 e;
	json_t		*j;

	if (n == 0 || s[n - 1] != '\n' || memchr(s, '\n', n - 1) != NULL)
		fail("%s: not one line: %.*s", what, (int)n, s);
	j = json_loadb(s, n - 1, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &e);
	if (j == NULL || !json_is_object(j))
		fail("%s: not a JSON object (%s at %d): %.*s", what,
		    j == NULL ? e.text : "not an object", j == NULL ?
		    e.position : 0, (int)n, s);
	check_tree(what, NULL, j);
	json_decref(j);
}

static int
key_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

/*
 * A local syslog datagram: "<PRI>TIME IDENT[PID]: DESC; k='v', ..." as
 * output_syslog.c writes it for syslog-ng's kv-parser: the description
 * with no bare '=' or ';', then keys and quoted values to the end.
 */
static void
check_dgram(const char *d, size_t n)
{
	const char	*p, *end = d + n, *k;
	char		*v;
	size_t		 vn, kn;
	char		 key[256];
	int		 first = 1;

	if (n == 0 || d[0] != '<' || (p = memmem(d, n, "]: ", 3)) == NULL)
		fail("syslog: no header: %.*s", (int)n, d);
	if ((v = malloc(n)) == NULL)
		abort();
	for (p += 3, vn = 0; p < end && *p != ';'; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '\\' && p + 1 < end)
			c = (unsigned char)*++p;
		else if (c < 0x20 || c == 0x7f || c == '=')
			fail("syslog: byte %#x in the description: %.*s", c,
			    (int)n, d);
		v[vn++] = (char)c;
	}
	check_masked("syslog", "description", v, vn);
	if (p == end)
		fail("syslog: no ';' after the description: %.*s", (int)n, d);
	for (p++; p < end; first = 0) {
		if (first ? *p != ' ' : (end - p < 2 || memcmp(p, ", ", 2)))
			fail("syslog: no separator at %zu: %.*s",
			    (size_t)(p - d), (int)n, d);
		p += first ? 1 : 2;
		for (k = p; p < end && key_byte(*p); p++)
			;
		kn = (size_t)(p - k);
		if (kn == 0 || end - p < 2 || memcmp(p, "='", 2) != 0)
			fail("syslog: no key at %zu: %.*s", (size_t)(k - d),
			    (int)n, d);
		snprintf(key, sizeof(key), "%.*s", (int)kn, k);
		for (p += 2, vn = 0; p < end && *p != '\''; p++) {
			if (*p == '\\') {
				if (++p == end || strchr("\\'nrtbf", *p) ==
				    NULL)
					fail("syslog: %s: a bad escape: %.*s",
					    key, (int)n, d);
			}
			v[vn++] = *p;
		}
		if (p == end)
			fail("syslog: %s: unterminated value: %.*s", key,
			    (int)n, d);
		p++;
		check_masked("syslog", key, v, vn);
	}
	free(v);
}

static void
drain_syslog(void)
{
	ssize_t	n;

	while ((n = recv(syslog_fd, dgram, sizeof(dgram), MSG_DONTWAIT)) >=
	    0) {
		check_dgram(dgram, (size_t)n);
		if (verbose)
			fprintf(stderr, "syslog: %.*s\n", (int)n, dgram);
	}
}

static void
on_syslog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	drain_syslog();
}

/*
 * Every alert, after the outputs' sink (registered first) sent it to
 * syslog: the line, and the datagram at once (the socket holds ten).
 */
static void
on_alert(void *ctx, const struct alert_rec *a)
{
	(void)ctx;
	check_line("alert", a->json, a->len);
	seen_lines++;
	seen_bytes += a->len;
	drain_syslog();
}

/* A log file's lines, checked (check: each as a record), then emptied. */
static uint64_t
take_file(int fd, const char *what, int check, uint64_t *bytes)
{
	struct stat	 st;
	char		*buf, *p, *nl;
	uint64_t	 lines = 0;
	size_t		 len;

	if (fstat(fd, &st) != 0)
		fail("%s: fstat", what);
	len = (size_t)st.st_size;
	*bytes = len;
	if (len == 0)
		return 0;
	if ((buf = malloc(len)) == NULL || pread(fd, buf, len, 0) !=
	    (ssize_t)len)
		fail("%s: cannot read the log back", what);
	if (buf[len - 1] != '\n')
		fail("%s: the log ends in a cut line", what);
	for (p = buf; p < buf + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (check)
			check_line(what, p, (size_t)(nl - p) + 1);
		if (verbose)
			fprintf(stderr, "%s: %.*s", what, (int)(nl - p) + 1, p);
		lines++;
	}
	free(buf);
	if (ftruncate(fd, 0) != 0)
		fail("%s: ftruncate", what);
	return lines;
}

static int
open_log(const char *name)
{
	char	path[512];
	int	fd;

	if ((fd = open(fuzz_path(name, path, sizeof(path)),
	    O_RDWR | O_CLOEXEC)) < 0)
		fail("%s: cannot open", path);
	return fd;
}

/*
 * The configuration: tests/rules/canhgac-test.yaml's (the shipped
 * assets and lists, every rule pack, level 5) with the source tree's
 * paths, small memory caps, one packet worker (no threads), and the
 * outputs in the scratch directory.
 */
static void
write_config(void)
{
	char	*c, a[512], e[512], l[512];
	int	 n;

	fuzz_path("alerts.json", a, sizeof(a));
	fuzz_path("events.json", e, sizeof(e));
	fuzz_path("log", l, sizeof(l));
	n = asprintf(&c,
	    "sensor:\n"
	    "  name: fuzz-flows\n"
	    "  security_level: 5\n"
	    "  timezone: Asia/Ho_Chi_Minh\n"
	    "  catalog: %1$s/rules/controls-tcvn11930.yaml\n"
	    "  state_dir: none\n"
	    "  workers: 1\n"
	    "%5$s"
	    "  ioc_ja3: {file: %1$s/tests/rules/ioc-ja3.txt, type: ja3}\n"
	    "  ioc_ja4: {file: %1$s/tests/rules/ioc-ja4.txt, type: ja4}\n"
	    "  pinned_certs: {file: %1$s/tests/rules/pinned-certs.txt, "
	    "type: sha256}\n"
	    "rules:\n"
	    "  - %1$s/rules/*.yaml\n"
	    "outputs:\n"
	    "  json: {path: %2$s}\n"
	    "  syslog: {socket: %4$s, facility: local4}\n"
	    "events: %3$s\n"
	    "limits: {flow_memcap: 4MB, threshold_memcap: 4MB, "
	    "behaviour_memcap: 4MB}\n"
	    "defrag: {enabled: true, memcap: 1MB, timeout: 30s}\n"
	    "stream: {memcap: 1MB, match_memcap: 1MB}\n"
	    "inventory: {max_hosts: 256}\n",
	    FUZZ_SRCDIR, a, e, l, FUZZ_ASSETS(FUZZ_SRCDIR "/etc/lists"));
	if (n < 0)
		abort();
	fuzz_write("canhgac.yaml", c, (size_t)n);
	free(c);
}

/* The syslog listener: datagrams read as they come. */
static void
listen_syslog(void)
{
	struct sockaddr_un	sun;
	struct event		*ev;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	fuzz_path("log", sun.sun_path, sizeof(sun.sun_path));
	if ((syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0 || bind(syslog_fd,
	    (struct sockaddr *)&sun, sizeof(sun)) != 0)
		fail("%s: cannot listen", sun.sun_path);
	/* What waited for room in the socket goes out during the stop. */
	if ((ev = event_new(S.base, syslog_fd, EV_READ | EV_PERSIST,
	    on_syslog, NULL)) == NULL || event_add(ev, NULL) != 0)
		fail("event_new");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[2048], path[512];
	size_t	i;

	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_FLOWS_VERBOSE") != NULL;
	write_config();
	S.base = event_base_new();
	S.offline = 1;
	listen_syslog();
	if ((S.conf = config_load(fuzz_path("canhgac.yaml", path,
	    sizeof(path)), err, sizeof(err))) == NULL ||
	    sensor_capture(&S) == NULL ||
	    sensor_start(&S, err, sizeof(err)) != 0)
		fail("%s", err);
	/* No source: the first turn of the loop ends that (empty) replay. */
	sensor_run(&S);
	/* The links the frames come from, one per link type. */
	for (i = 0; i < 4; i++) {
		pcap_t *p = pcap_open_dead(dlts[i], 65535);

		if (p == NULL || capture_add_offline(S.cap, p, ifnames[i], err,
		    sizeof(err)) != 0)
			fail("%s", err);
	}
	if (alert_sink_add(on_alert, NULL) != 0)
		fail("alert_sink_add");
	alerts_fd = open_log("alerts.json");
	events_fd = open_log("events.json");
	/* Each input has an inventory of its own (LLVMFuzzerTestOneInput). */
	hosts_shutdown(&S);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct iface	*ifc;
	char			 err[1024];
	uint64_t		 ts, step, alerts0, events0, lines, bytes;
	uint64_t		 flat0;
	uint8_t			*frame;
	size_t			 len, caplen;
	int			 snap;
	enum flow_end_reason	 why;

	if (size < 2)
		return 0;
	ifc = capture_iface(S.cap, data[0] & 3);
	S.conf->language_vi = (data[0] >> 2) & 1;
	step = steps[(data[0] >> 3) & 7];
	snap = data[0] & 0x40;
	why = data[0] & 0x80 ? FLOW_END_SHUTDOWN : FLOW_END_CAPTURE;
	ts = (T0 + week * WEEK + (uint64_t)(data[1] % 168) * 3600) * 1000000;
	/* Ten years of weeks, then the clock starts over (time may go back). */
	week = (week + 1) % 520;
	data += 2;
	size -= 2;

	S.shutting_down = 0;
	S.drained = 0;
	if (hosts_init(&S, err, sizeof(err)) != 0)
		fail("hosts_init: %s", err);
	alerts0 = alert_out_count(S.alerts);
	events0 = eventlog_count(S.events);
	flat0 = outputs_unformattable(S.outputs);
	seen_lines = seen_bytes = 0;
	while (size >= 2) {
		unsigned	w = (unsigned)data[0] << 8 | data[1];

		data += 2;
		size -= 2;
		len = w & 0x3fff;
		caplen = snap && len > SNAP ? SNAP : len;
		if (caplen > size)
			caplen = size;
		if (!snap)
			len = caplen;
		switch (w >> 14) {
		case 0:
			ts += step;
			break;
		case 1:
			ts -= ts >= step ? step : 0;
			break;
		case 2:
			ts += 61000000;
			break;
		default:
			ts += 660000000;
			break;
		}
		/* A copy of its own size: a read past the frame is caught. */
		if ((frame = malloc(caplen > 0 ? caplen : 1)) == NULL)
			abort();
		if (caplen > 0)
			memcpy(frame, data, caplen);
		sensor_packet(ifc, ts, frame, (uint32_t)caplen, (uint32_t)len,
		    &S);
		free(frame);
		data += caplen;
		size -= caplen;
	}
	/* The end of the batch, then of the replay (lifecycle.c). */
	alert_out_batch_end(S.alerts, 0);
	sensor_stop(&S, why);
	event_base_dispatch(S.base);
	drain_syslog();
	if (S.w.defrag != NULL)
		defrag_expire(S.w.defrag, S.w.last_ts + S.conf->defrag_timeout);
	hosts_shutdown(&S);

	lines = take_file(alerts_fd, "alert log", 0, &bytes);
	if (lines != alert_out_count(S.alerts) - alerts0 ||
	    lines != seen_lines || bytes != seen_bytes)
		fail("alert log: %llu lines (%llu bytes) for %llu alerts "
		    "(%llu bytes)", (unsigned long long)lines,
		    (unsigned long long)bytes, (unsigned long long)seen_lines,
		    (unsigned long long)seen_bytes);
	if (outputs_unformattable(S.outputs) != flat0)
		fail("an alert line the outputs could not flatten");
	lines = take_file(events_fd, "event", 1, &bytes);
	if (lines != eventlog_count(S.events) - events0)
		fail("event log: %llu lines for %llu events",
		    (unsigned long long)lines, (unsigned long long)
		    (eventlog_count(S.events) - events0));
	return 0;
}
