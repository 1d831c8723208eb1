/*
 * Configuration loading: defaults, the shipped example, and each kind of
 * mistake reported as FILE:LINE:COLUMN with what was expected.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "checksum.h"
#include "conf.h"
#include "flow.h"
#include "util.h"

static char	tmpl[] = "/tmp/cg-conf-XXXXXX";
static char	path[64];

static const char *
write_conf(const char *text)
{
	int	fd;

	snprintf(path, sizeof(path), "%s", tmpl);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* Load text and expect an error containing every given fragment. */
static void
expect_error(const char *text, const char *frag1, const char *frag2)
{
	char		 err[1024];
	struct config	*c;
	const char	*p = write_conf(text);

	c = config_load(p, err, sizeof(err));
	unlink(p);
	if (c != NULL)
		fail_msg("expected an error for:\n%s", text);
	if (strstr(err, frag1) == NULL || (frag2 && strstr(err, frag2) == NULL))
		fail_msg("error \"%s\" lacks \"%s\" / \"%s\"", err, frag1,
		    frag2 ? frag2 : "");
	/* Every error starts with the file name. */
	assert_int_equal(strncmp(err, p, strlen(p)), 0);
}

static void
test_defaults(void **state)
{
	char		 err[256];
	struct config	*c;
	const char	*p = write_conf("sensor: {name: s1}\n");

	(void)state;
	c = config_load(p, err, sizeof(err));
	unlink(p);
	assert_non_null(c);
	assert_string_equal(c->sensor_name, "s1");
	assert_int_equal(c->security_level, 1);
	assert_int_equal(c->flow_memcap, 256ULL << 20);
	assert_int_equal(c->utc_offset, 7 * 3600);
	assert_int_equal(c->timeouts.t[FLOW_NEW], 30ULL * 1000000);
	assert_int_equal(c->stream_checksum_validation, CSUM_AUTO);
	config_free(c);
}

static void
test_values(void **state)
{
	char		 err[256];
	struct config	*c;
	const char	*p = write_conf(
	    "sensor:\n  name: gw\n  security_level: 4\n  timezone: UTC\n"
	    "limits:\n  flow_memcap: 64MB\n"
	    "flow_timeouts: {new: 1m, established: 1h, closed: 5s}\n"
	    "capture:\n  - interface: eth1\n    bpf: \"tcp\"\n"
	    "    snaplen: 9000\n    promiscuous: false\n"
	    "    buffer_size: 64MB\n"
	    "stream: {memcap: 8MB, match_memcap: 4MB, depth: 2MB,"
	    " gateway_depth: 8MB, checksum_validation: no}\n"
	    "defrag: {enabled: false, memcap: 2MB, timeout: 1m}\n");

	(void)state;
	c = config_load(p, err, sizeof(err));
	unlink(p);
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->security_level, 4);
	assert_int_equal(c->utc_offset, 0);
	assert_int_equal(c->flow_memcap, 64ULL << 20);
	assert_int_equal(c->timeouts.t[FLOW_NEW], 60ULL * 1000000);
	assert_int_equal(c->timeouts.t[FLOW_ESTABLISHED], 3600ULL * 1000000);
	assert_int_equal(c->ncapture, 1);
	assert_string_equal(c->capture[0].iface, "eth1");
	assert_string_equal(c->capture[0].bpf, "tcp");
	assert_int_equal(c->capture[0].snaplen, 9000);
	assert_int_equal(c->capture[0].promisc, 0);
	assert_int_equal(c->capture[0].buffer_size, 64 << 20);
	/* Every documented stream and defrag key is taken. */
	assert_int_equal(c->stream_memcap, 8ULL << 20);
	assert_int_equal(c->stream_match_memcap, 4ULL << 20);
	assert_int_equal(c->stream_depth, 2ULL << 20);
	assert_int_equal(c->stream_gateway_depth, 8ULL << 20);
	assert_int_equal(c->stream_checksum_validation, CSUM_NO);
	assert_int_equal(c->defrag_enabled, 0);
	assert_int_equal(c->defrag_memcap, 2ULL << 20);
	assert_int_equal(c->defrag_timeout, 60ULL * 1000000);
	config_free(c);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error("sensor:\n  nmae: x\n", ":2:3:", "did you mean \"name\"");
	expect_error("sensr:\n  name: x\n", ":1:1:", "did you mean \"sensor\"");
	expect_error("sensor:\n  security_level: 7\n", ":2:19:", "1..5");
	expect_error("sensor:\n  security_level: three\n", ":2:19:",
	    "integer");
	expect_error("limits:\n  flow_memcap: lots\n", ":2:16:", "size");
	expect_error("flow_timeouts:\n  new: 10x\n", ":2:8:", "duration");
	expect_error("stream:\n  checksum_validation: sometimes\n", ":2:24:",
	    "stream.checksum_validation: expected auto, true or false");
	expect_error("sensor: {name: [a, b]}\n", ":1:16:", "single value");
	expect_error("sensor:\n  timezone: Mars/Olympus\n", ":2:13:",
	    "unknown time zone");
	expect_error("capture:\n  - bpf: tcp\n", ":2:5:", "interface");
	expect_error("capture:\n  - interface: eth0\n    snaplen: 10\n",
	    ":3:14:", "64..262144");
	expect_error("capture: eth0\n", ":1:10:", "list");
	/* A bad entry after one with a filter, or in the same one: both
	 * filters freed (LeakSanitizer in the ASan build; found by
	 * fuzz_config). */
	expect_error("capture:\n  - interface: eth0\n    bpf: tcp\n"
	    "  - bpf: udp\n", ":4:5:", "interface");
	expect_error("capture:\n  - interface: eth0\n    bpf: tcp\n"
	    "    snaplen: 10\n", ":4:14:", "64..262144");
	expect_error("sensor: {name: x\n", "YAML syntax error", NULL);
	expect_error("", ":1:1:", "empty");
}

/* Peak RSS of this process, in MB. */
static long
peak_mb(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss / 1024;
}

/*
 * The caps on YAML input hold before the document is built: 2 MB of
 * '[' had libyaml's scanner running for hours (time in proportion to
 * the nesting on every token), and 16 MiB of "0," built 1.35 GB of
 * document before its 8M nodes were counted and refused.
 */
static void
test_hostile_yaml(void **state)
{
	char		 err[1024], dir[] = "/tmp/cg-conf-fifo-XXXXXX", fifo[64];
	size_t		 n = 2000000, i;
	char		*t = malloc(16u << 20 | 64);
	time_t		 t0;
	long		 rss0;
	pid_t		 pid;
	int		 wfd;

	(void)state;
	assert_non_null(t);
	alarm(60);		/* a hang fails, as the old scanner's did */
	/* Nesting: 2 MB of '[' refused at once, at the 65th level (the
	 * document's mapping is the first). */
	memcpy(t, "rules: ", 7);
	memset(t + 7, '[', n);
	t[7 + n] = '\0';
	t0 = time(NULL);
	expect_error(t, ":1:71:", "nested deeper than 64 levels");
	assert_true(time(NULL) - t0 < 5);
	/* 64 levels are not refused for their nesting. */
	memset(t + 7, '[', 63);
	memset(t + 70, ']', 63);
	memcpy(t + 133, "\n", 2);
	err[0] = '\0';
	config_free(config_load(write_conf(t), err, sizeof(err)));
	unlink(path);
	if (strstr(err, "nested") != NULL)
		fail_msg("64 levels refused: %s", err);
	/* Nodes: 16 MiB of zeros refused before a document of them. */
	rss0 = peak_mb();
	memcpy(t, "rules: [", 8);
	for (i = 8; i + 3 < (16u << 20) - 8; i += 2)
		memcpy(t + i, "0,", 2);
	memcpy(t + i, "0]\n", 4);
	expect_error(t, ":1:4000003:", "more than 2000000 YAML nodes");
#ifndef __SANITIZE_ADDRESS__
	/* Not under ASan: its quarantine keeps what libyaml freed. */
	if (peak_mb() > rss0 + 256)
		fail_msg("peak RSS grew from %ld to %ld MB", rss0, peak_mb());
#else
	(void)rss0;
#endif
	/* Aliases: one inside the node it names was a walk without end
	 * (the process died of its stack); nine anchors of ten aliases
	 * each, 10^9 nodes to walk, kept a rule's digest busy for minutes.
	 * Both refused before the document is built; aliases within the
	 * node cap still load. */
	expect_error("rules:\n  - &r {sid: 1, x: [1, *r]}\n", ":2:24:",
	    "alias *r inside the node it names");
	expect_error("x: &s [1, &t [2, *s]]\n", ":1:18:", "inside the node");
	i = (size_t)snprintf(t, 64, "rules: [&a0 [0,1,2,3,4,5,6,7,8,9]");
	for (n = 1; n < 10; n++) {
		i += (size_t)snprintf(t + i, 64, ", &a%zu [", n);
		for (size_t j = 0; j < 10; j++)
			i += (size_t)snprintf(t + i, 64, "%s*a%zu",
			    j ? "," : "", n - 1);
		t[i++] = ']';
	}
	memcpy(t + i, "]\n", 3);
	t0 = time(NULL);
	expect_error(t, ":1:", "aliases expand to more than 2000000 YAML "
	    "nodes");
	assert_true(time(NULL) - t0 < 5);
	err[0] = '\0';
	config_free(config_load(write_conf("sensor: {name: &n t}\n"
	    "assets: {a: &A [10.0.0.1], b: *A, c: [*n]}\n"), err,
	    sizeof(err)));
	unlink(path);
	if (strstr(err, "alias") != NULL || strstr(err, "YAML") != NULL)
		fail_msg("aliases within the cap refused: %s", err);
	/*
	 * Size: a byte over 16 MiB. A FIFO, even one a writer fills past
	 * the cap, is refused before any read: with no writer, its open
	 * stopped -T, a start and a reload for ever.
	 */
	memset(t, '#', (16u << 20) + 1);
	t[(16u << 20) + 1] = '\0';
	expect_error(t, "file larger than 16777216 bytes", NULL);
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/conf.yaml", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* A writer there before the read begins (O_RDWR does not wait). */
	assert_true((wfd = open(fifo, O_RDWR)) >= 0);
	if ((pid = fork()) == 0) {
		size_t off = 0;
		ssize_t w;

		while (off < (16u << 20) + 1 &&
		    (w = write(wfd, t + off, (16u << 20) + 1 - off)) > 0)
			off += (size_t)w;
		_exit(0);
	}
	assert_null(config_load(fifo, err, sizeof(err)));
	if (strstr(err, "not a regular file") == NULL)
		fail_msg("%s", err);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(wfd);
	/* And with no writer at all (the alarm above ends a hang). */
	assert_null(config_load(fifo, err, sizeof(err)));
	if (strstr(err, "not a regular file") == NULL)
		fail_msg("%s", err);
	unlink(fifo);
	rmdir(dir);
	free(t);
	alarm(0);
}

static void
test_shipped_example(void **state)
{
	char		 err[1024], p[1024];
	const char	*top = getenv("top_srcdir");
	struct config	*c;

	(void)state;
	snprintf(p, sizeof(p), "%s/etc/canhgac.yaml", top ? top : "..");
	c = config_load(p, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_string_equal(c->sensor_name, "lgs-dc1-gw1");
	assert_int_equal(c->security_level, 3);
	config_free(c);
}

static void
test_missing_file(void **state)
{
	char	err[256];

	(void)state;
	assert_null(config_load("/nonexistent/canhgac.yaml", err,
	    sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/canhgac.yaml"));
}

static void
test_parsers(void **state)
{
	uint64_t	v;

	(void)state;
	assert_int_equal(util_parse_size("512MB", &v), 0);
	assert_int_equal(v, 512ULL << 20);
	assert_int_equal(util_parse_size("2GiB", &v), 0);
	assert_int_equal(v, 2ULL << 30);
	assert_int_equal(util_parse_size("100", &v), 0);
	assert_int_equal(v, 100);
	assert_int_equal(util_parse_size("1X", &v), -1);
	assert_int_equal(util_parse_size("99999999999999999999G", &v), -1);
	assert_int_equal(util_parse_duration("90s", &v), 0);
	assert_int_equal(v, 90ULL * 1000000);
	assert_int_equal(util_parse_duration("15m", &v), 0);
	assert_int_equal(v, 900ULL * 1000000);
	assert_int_equal(util_parse_duration("-1s", &v), -1);
	assert_int_equal(util_parse_duration("1w", &v), -1);
}

/*
 * A reload from BASE to text: NULL expects it to go ahead; otherwise
 * the error is "FILE:POS: KEY changes only at restart".
 */
static void
expect_reload(const char *base, const char *text, int live,
    const char *pos_key)
{
	char		 err[1024], want[256];
	struct config	*o, *n;
	const char	*p = write_conf(base);

	o = config_load(p, err, sizeof(err));
	unlink(p);
	assert_non_null(o);
	p = write_conf(text);
	n = config_load(p, err, sizeof(err));
	unlink(p);
	assert_non_null(n);
	err[0] = '\0';
	if (pos_key == NULL) {
		if (config_reload_check(o, n, live, err, sizeof(err)) != 0)
			fail_msg("reload to:\n%s\nrefused: %s", text, err);
	} else {
		snprintf(want, sizeof(want), "%s:%s changes only at restart", p,
		    pos_key);
		assert_int_equal(config_reload_check(o, n, live, err,
		    sizeof(err)), -1);
		if (strcmp(err, want) != 0)
			fail_msg("got \"%s\", expected \"%s\"", err, want);
	}
	config_free(o);
	config_free(n);
}

/*
 * The reload test's configuration, with one part changed: extra sensor
 * keys, the capture entry, the flow memcap, the syslog facility, extra
 * outputs and the status output, and what ends the file.
 */
static const char *
variant(char *buf, size_t len, const char *sensor, const char *capture,
    const char *memcap, const char *facility, const char *outputs,
    const char *tail)
{
	/* A sensor part that names the sensor replaces name: s1 (a key
	 * given twice is refused). */
	snprintf(buf, len,
	    "sensor: {%ssecurity_level: 2%s}\n"
	    "capture:\n  - {interface: eth0%s}\n"
	    "limits: {flow_memcap: %s, threshold_memcap: 8MB}\n"
	    "outputs:\n"
	    "  json: {path: /tmp/a.json}\n"
	    "  syslog: {facility: %s}\n"
	    "%s"
	    "user: nobody\n%s", strstr(sensor, "name:") ? "" : "name: s1, ",
	    sensor, capture, memcap, facility, outputs,
	    tail);
	return buf;
}

#define STATUS	"  status: {socket: /run/x.sock}\n"

/* Each key either applies on reload or is refused by name and place. */
static void
test_reload_keys(void **state)
{
	char	base[1024], b[1024];

	(void)state;
	variant(base, sizeof(base), "", "", "64MB", "local4", STATUS,
	    "flow_timeouts: {new: 30s}\n");
	/* Applied on reload: levels, name, zone, timeouts, files. */
	expect_reload(base, base, 1, NULL);
	expect_reload(base, variant(b, sizeof(b), ", name: s2, timezone: UTC",
	    "", "64MB", "local4", STATUS, "flow_timeouts: {new: 5s}\n"
	    "events: /tmp/e.json\n"), 1, NULL);
	/* The same size written another way is no change. */
	expect_reload(base, variant(b, sizeof(b), "", "", "65536KB", "local4",
	    STATUS, ""), 1, NULL);
	/* Restart only, each pointed at where the new file has it. */
	expect_reload(base, variant(b, sizeof(b), "", "", "128MB", "local4",
	    STATUS, ""), 1, "4:23: limits.flow_memcap");
	expect_reload(base, variant(b, sizeof(b), ", state_dir: /tmp/st", "",
	    "64MB", "local4", STATUS, ""), 1, "1:50: sensor.state_dir");
	expect_reload(base, variant(b, sizeof(b), "", ", bpf: udp", "64MB",
	    "local4", STATUS, ""), 1, "3:3: capture");
	expect_reload(base, variant(b, sizeof(b), "", "", "64MB", "local5",
	    STATUS, ""), 1, "7:11: outputs.syslog");
	expect_reload(base, variant(b, sizeof(b), "", "", "64MB", "local4",
	    "  remote: [{host: 192.0.2.1}]\n" STATUS, ""), 1,
	    "8:11: outputs.remote");
	/* Removed: pointed at the section that held it. */
	expect_reload(base, variant(b, sizeof(b), "", "", "64MB", "local4", "",
	    ""), 1, "6:3: outputs.status");
	expect_reload(base, variant(b, sizeof(b), "", "", "64MB", "local4",
	    STATUS, "pidfile: /run/x.pid\n"), 1, "10:10: pidfile");
	/* The options made at start: each refused by name. */
	expect_reload(base, variant(b, sizeof(b), ", workers: 2", "", "64MB",
	    "local4", STATUS, ""), 1, "1:48: sensor.workers");
	expect_reload(base, variant(b, sizeof(b), "", "", "64MB", "local4",
	    STATUS, "defrag: {memcap: 8MB}\n"), 1, "10:18: defrag.memcap");
	expect_reload(base, variant(b, sizeof(b), "", "", "64MB", "local4",
	    STATUS, "stream: {depth: 2MB}\n"), 1, "10:17: stream.depth");
	expect_reload(base, variant(b, sizeof(b), "", "", "64MB", "local4",
	    STATUS, "http: {decompress_limit: 2MB}\n"), 1,
	    "10:26: http.decompress_limit");
	expect_reload(base, variant(b, sizeof(b), "", "", "64MB", "local4",
	    STATUS, "inventory: {max_hosts: 100}\n"), 1,
	    "10:24: inventory.max_hosts");
	expect_reload("user: nobody\n", "user: daemon\n", 1, "1:7: user");
	/* Replaying (-r), the capture list is not used: no restart. */
	expect_reload(base, variant(b, sizeof(b), "", ", bpf: udp", "64MB",
	    "local4", STATUS, ""), 0, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_hostile_yaml),
		cmocka_unit_test(test_shipped_example),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_parsers),
		cmocka_unit_test(test_reload_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
