/*
 * Configuration loading: defaults, the shipped example, and each kind of
 * mistake reported as FILE:LINE:COLUMN with what was expected.
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
	    "    buffer_size: 64MB\n");

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_shipped_example),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
