/*
 * update_format.c: the indicator formats canhgacctl update accepts,
 * converted to the list format (one entry a line), and the feeds it
 * must refuse.
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "update.h"

/* Convert in; expect rc, and on success the output want. */
static void
conv(const char *in, enum update_format f, int col, int header, int rc,
    const char *want, size_t wcount)
{
	struct upd_buf	out = { 0 };
	size_t		n = 99;
	char		err[256] = "";
	int		r;

	r = update_convert(in, strlen(in), f, col, header, NULL, &out, &n,
	    err, sizeof(err));
	if (r != rc)
		fail_msg("%s: rc %d, want %d (%s)", in, r, rc, err);
	if (rc == 0) {
		assert_string_equal(out.p ? out.p : "", want);
		assert_int_equal(n, wcount);
	} else if (want != NULL && strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	upd_buf_free(&out);
}

static void
test_plain(void **state)
{
	(void)state;
	conv("# feed\n192.0.2.1\n\n  198.51.100.0/24  # a net\r\n; c\n"
	    "2001:db8::1 extra\n", UPD_PLAIN, 1, 0, 0,
	    "192.0.2.1\n198.51.100.0/24\n2001:db8::1\n", 3);
	conv("evil.example\nno-newline.example", UPD_PLAIN, 1, 0, 0,
	    "evil.example\nno-newline.example\n", 2);
	conv("", UPD_PLAIN, 1, 0, 0, "", 0);
	/* Entries are the loader's to judge: a bad address goes through. */
	conv("999.1.1.1\n", UPD_PLAIN, 1, 0, 0, "999.1.1.1\n", 1);
	/* Not printable, or too long: refused, naming the line. */
	conv("ok.example\nbad\x01value\n", UPD_PLAIN, 1, 0, -1, "line 2", 0);
	conv("caf\xc3\xa9.example\n", UPD_PLAIN, 1, 0, -1, "line 1", 0);
	{
		char long_line[400];

		memset(long_line, 'a', 300);
		strcpy(long_line + 300, "\n");
		conv(long_line, UPD_PLAIN, 1, 0, -1, "300 bytes", 0);
	}
}

static void
test_misp(void **state)
{
	(void)state;
	/* MISP's text export: a value a line; composites give the first. */
	conv("192.0.2.7\n203.0.113.5|8080\nbad.example|192.0.2.9\n",
	    UPD_MISP, 1, 0, 0, "192.0.2.7\n203.0.113.5\nbad.example\n", 3);
	conv("a.example\n\n\nb.example\n", UPD_MISP, 1, 0, 0,
	    "a.example\nb.example\n", 2);
}

static void
test_csv(void **state)
{
	(void)state;
	conv("first_seen,ip,port\n2024-01-01,192.0.2.1,443\n"
	    "2024-01-02,\"198.51.100.2\",80\n", UPD_CSV, 2, 1, 0,
	    "192.0.2.1\n198.51.100.2\n", 2);
	/* No header: the first row counts. CRLF, comments, blank lines. */
	conv("192.0.2.1,x\r\n# note,y\r\n\r\n192.0.2.2,z\r\n", UPD_CSV, 1, 0,
	    0, "192.0.2.1\n192.0.2.2\n", 2);
	/* Quotes: "" inside, a comma inside, a newline inside another
	 * column. */
	conv("\"a,b\",\"x.example\"\n\"multi\nline\",y.example\n"
	    "z,\"q\"\"uote\"\n", UPD_CSV, 2, 0, 0,
	    "x.example\ny.example\nq\"uote\n", 3);
	/* A newline inside the column taken: not one word. */
	conv("a,\"two\nlines\"\n", UPD_CSV, 2, 0, -1, "not one printable", 0);
	/* A short row has no such column: nothing from it. */
	conv("only\n1,192.0.2.3\n", UPD_CSV, 2, 0, 0, "192.0.2.3\n", 1);
	conv("x,\"never ends\n", UPD_CSV, 2, 0, -1, "does not end", 0);
}

static void
test_rules_and_names(void **state)
{
	enum update_format	f;
	struct upd_buf		out = { 0 };
	size_t			n;
	char			err[128];

	(void)state;
	conv("rules:\n  - sid: 1\n", UPD_RULES, 1, 0, 0, "rules:\n  - sid: 1\n",
	    0);
	assert_int_equal(update_convert("a\0b", 3, UPD_RULES, 1, 0, NULL,
	    &out, &n, err, sizeof(err)), -1);
	upd_buf_free(&out);
	assert_int_equal(update_convert("1.2.3.4\n", 8, UPD_PLAIN, 1, 0,
	    "canhgacctl update: t", &out, &n, err, sizeof(err)), 0);
	assert_string_equal(out.p, "# canhgacctl update: t\n1.2.3.4\n");
	upd_buf_free(&out);
	assert_int_equal(update_format_parse("misp", &f), 0);
	assert_int_equal(f, UPD_MISP);
	assert_string_equal(update_format_name(UPD_CSV), "csv");
	assert_int_equal(update_format_parse("json", &f), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_misp),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_rules_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
