/*
 * syslog_kv_test: the local syslog line against libevtlog, the library
 * whose format the collectors expect. For descriptions and values
 * without '\\' or '=' (nothing to escape differently) it must be
 * byte-for-byte libevtlog's evt_format; where libevtlog's escaping lets
 * a value end its own quoting (a trailing backslash), ours must not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <evtlog.h>

#include "output.h"

/* libevtlog's rendering of desc and the pairs (a string to free). */
static char *
evt_line(const char *desc, const char *const *k, const char *const *v,
    size_t n)
{
	EVTCONTEXT	*ctx = evt_ctx_init("syslog_kv_test", 0);
	EVTREC		*e = evt_rec_init(ctx, 3, desc);
	char		*s;
	size_t		 i;

	for (i = 0; i < n; i++)
		evt_rec_add_tag(e, evt_tag_str(k[i], v[i]));
	s = evt_format(e);
	evt_rec_free(e);
	evt_ctx_free(ctx);
	return s;
}

static uint64_t rnd = 0x9e3779b97f4a7c15ULL;

static unsigned
next(unsigned n)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 7;
	rnd ^= rnd << 17;
	return (unsigned)(rnd % n);
}

/* Printable ASCII, quote, semicolon, comma and UTF-8 but no '\\' or '='. */
static void
plain(char *s, size_t max)
{
	static const char extra[] = "';,\" ";
	size_t	 n = next((unsigned)max), i;

	for (i = 0; i < n; i++) {
		unsigned r = next(100);

		if (r < 10)
			s[i] = extra[next(sizeof(extra) - 1)];
		else if (r < 14 && i + 1 < n) {
			s[i++] = (char)0xc3;	/* é in UTF-8 */
			s[i] = (char)0xa9;
		} else {
			do
				s[i] = (char)(0x20 + next(0x5f));
			while (s[i] == '\\' || s[i] == '=');
		}
	}
	s[n] = '\0';
}

static void
test_same_as_libevtlog(void **state)
{
	static const char *const names[] = { "src_ip", "dest_ip",
	    "alert.signature", "http.http_user_agent", "tls.sni", "flow_id" };
	char	 desc[80], vals[6][120], out[4096];
	const char *v[6];
	int	 round;
	size_t	 i, n;

	(void)state;
	for (round = 0; round < 5000; round++) {
		char *ref;

		plain(desc, sizeof(desc) - 1);
		for (i = 0; i < 6; i++) {
			plain(vals[i], sizeof(vals[i]) - 1);
			v[i] = vals[i];
		}
		n = syslog_kv_format(out, sizeof(out), desc, names, v, 6);
		assert_true(n > 0);
		out[n] = '\0';
		ref = evt_line(desc, names, v, 6);
		if (strcmp(out, ref) != 0)
			fail_msg("round %d\n ours: %s\n evt:  %s", round, out,
			    ref);
		free(ref);
	}
}

/* libevtlog leaves '\\' alone: a trailing one escapes its closing quote. */
static void
test_backslash_kept_in_value(void **state)
{
	static const char *const k[] = { "http.http_user_agent", "src_ip" };
	static const char *const v[] = { "x\\", "10.0.0.1" };
	char	 out[256], *ref;
	size_t	 n;

	(void)state;
	ref = evt_line("sig", k, v, 2);
	assert_string_equal(ref,
	    "sig; http.http_user_agent='x\\', src_ip='10.0.0.1'");
	free(ref);
	n = syslog_kv_format(out, sizeof(out), "sig", k, v, 2);
	out[n] = '\0';
	assert_string_equal(out,
	    "sig; http.http_user_agent='x\\\\', src_ip='10.0.0.1'");
}

static void
test_short_buffer(void **state)
{
	static const char *const k[] = { "a" };
	static const char *const v[] = { "0123456789" };
	char	 out[32];

	(void)state;
	/* "d; a='0123456789'" is 17 bytes. */
	assert_int_equal(syslog_kv_format(out, 16, "d", k, v, 1), 0);
	assert_int_equal(syslog_kv_format(out, 17, "d", k, v, 1), 17);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_libevtlog),
		cmocka_unit_test(test_backslash_kept_in_value),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
