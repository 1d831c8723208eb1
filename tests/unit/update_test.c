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

/* The message a refused feed gives, each of its bytes printable. */
static void
expect_printable_err(const char *in, const char *want)
{
	struct upd_buf	 out = { 0 };
	size_t		 n;
	char		 err[256] = "";
	const char	*c;

	assert_int_equal(update_convert(in, strlen(in), UPD_PLAIN, 1, 0, NULL,
	    &out, &n, err, sizeof(err)), -1);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	for (c = err; *c != '\0'; c++)
		if ((unsigned char)*c < ' ' || (unsigned char)*c >= 0x7f)
			fail_msg("byte 0x%02x in the message", (unsigned char)*c);
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
	/* A feed's terminal escapes and UTF-8 never reach the admin's
	 * terminal or the log: quoted with '?' for each such byte. */
	expect_printable_err("ok.example\n\x1b[31mred\x1b]0;t\x07.example\n",
	    "line 2: \"?[31mred?]0;t?.example\" is not one printable word");
	expect_printable_err("caf\xc3\xa9\x7f.example\n",
	    "\"caf???.example\"");
	{
		char	v[300];

		/* 253 bytes are a value, 254 are not. */
		memset(v, 'a', 253);
		strcpy(v + 253, "\n");
		conv(v, UPD_PLAIN, 1, 0, 0, v, 1);
		memset(v, 'a', 254);
		strcpy(v + 254, "\n");
		conv(v, UPD_PLAIN, 1, 0, -1, "254 bytes (at most 253)", 0);
	}
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
	/* A comment is skipped whichever column is taken: its second
	 * field was an entry ("domain"), or refused the feed. */
	conv("# ip,domain\n192.0.2.1,x.example\n", UPD_CSV, 2, 0, 0,
	    "x.example\n", 1);
	conv("# made 2026-12-05, by the partner\n192.0.2.1,x.example\n",
	    UPD_CSV, 2, 0, 0, "x.example\n", 1);
	/* With a header: the comment is not the header either. */
	conv("# feed\nip,domain\n192.0.2.1,x.example\n", UPD_CSV, 2, 1, 0,
	    "x.example\n", 1);
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
