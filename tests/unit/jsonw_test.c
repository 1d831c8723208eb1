/*
 * The bounded JSON writer: valid output (parsed back with jansson),
 * escaping of hostile strings, overflow reported rather than cut, and
 * citizen-ID numbers masked in every string it writes.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "app.h"
#include "flow.h"
#include "cccd.h"
#include "jsonw.h"
#include "rules.h"
#include "util.h"

static void
test_roundtrip(void **state)
{
	char		 buf[512];
	struct jsonw	 w;
	json_t		*j;
	json_error_t	 err;
	const char	 evil[] = "a\"b\\c\n\x01\xff\x7f end";

	(void)state;
	jw_init(&w, buf, sizeof(buf));
	jw_str(&w, "s", evil);
	jw_int(&w, "neg", -42);
	jw_uint(&w, "big", (uint64_t)INT64_MAX);
	jw_bool(&w, "t", 1);
	jw_arr_open(&w, "vlan");
	jw_uint(&w, NULL, 10);
	jw_uint(&w, NULL, 20);
	jw_arr_close(&w);
	jw_obj_open(&w, "o");
	jw_str(&w, "k", "v");
	jw_obj_close(&w);
	assert_true(jw_finish(&w) > 0);
	assert_int_equal(buf[strlen(buf) - 1], '\n');
	j = json_loads(buf, 0, &err);
	if (j == NULL)
		fail_msg("%s: %s", buf, err.text);
	assert_int_equal(json_integer_value(json_object_get(j, "neg")), -42);
	assert_int_equal(json_array_size(json_object_get(j, "vlan")), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_object_get(j, "o"), "k")), "v");
	assert_non_null(strstr(json_string_value(json_object_get(j, "s")),
	    "a\"b\\c\n"));
	/* An invalid byte became U+FFFD. */
	assert_non_null(strstr(json_string_value(json_object_get(j, "s")),
	    "\xef\xbf\xbd"));
	json_decref(j);
	/* Vietnamese passes through unchanged. */
	jw_init(&w, buf, sizeof(buf));
	jw_str(&w, "m", "Cảnh báo: quét cổng");
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(buf, "Cảnh báo: quét cổng"));
}

/* Numbers at their limits, and strings written a plain run at a time. */
static void
test_numbers_and_runs(void **state)
{
	char		 buf[4096], s[600];
	struct jsonw	 w;
	json_t		*j;
	json_error_t	 err;
	unsigned	 seed = 7, i, k;
	uint64_t	 p10;

	(void)state;
	jw_init(&w, buf, sizeof(buf));
	jw_int(&w, "min", INT64_MIN);
	jw_int(&w, "max", INT64_MAX);
	jw_int(&w, "zero", 0);
	jw_uint(&w, "umax", UINT64_MAX);
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(buf, "\"min\":-9223372036854775808,"));
	assert_non_null(strstr(buf, "\"max\":9223372036854775807,"));
	assert_non_null(strstr(buf, "\"zero\":0,"));
	assert_non_null(strstr(buf, "\"umax\":18446744073709551615}"));
	/* Every length of number, odd and even, either side of its powers. */
	for (p10 = 1, k = 0; k < 20; k++, p10 *= 10) {
		for (i = 0; i < 3; i++) {
			uint64_t v = p10 - 1 + i;
			char	 want[80];

			jw_init(&w, buf, sizeof(buf));
			jw_uint(&w, "u", v);
			JW_INT(&w, "i", -(int64_t)(v / 2));
			assert_true(jw_finish(&w) > 0);
			snprintf(want, sizeof(want), "{\"u\":%" PRIu64
			    ",\"i\":-%" PRIu64 "}\n", v, v / 2);
			if (v / 2 == 0)
				snprintf(want, sizeof(want), "{\"u\":%" PRIu64
				    ",\"i\":0}\n", v);
			assert_string_equal(buf, want);
		}
	}
	/* Printable ASCII mixed with what must be escaped comes back whole. */
	for (k = 0; k < 200; k++) {
		for (i = 0; i < sizeof(s) - 1; i++) {
			seed = seed * 1103515245 + 12345;
			s[i] = (char)(1 + (seed >> 16) % 127);
		}
		s[(seed >> 8) % (sizeof(s) - 1)] = '\0';
		jw_init(&w, buf, sizeof(buf));
		jw_str(&w, "s", s);
		assert_true(jw_finish(&w) > 0);
		j = json_loads(buf, 0, &err);
		if (j == NULL)
			fail_msg("%s: %s", buf, err.text);
		assert_string_equal(json_string_value(json_object_get(j, "s")),
		    s);
		json_decref(j);
	}
}

/* The reference: one byte at a time, as RFC 8259 says (a lone byte
 * above 0x7f is not UTF-8 and becomes U+FFFD). */
static size_t
ref_escape(const unsigned char *s, size_t n, char *out)
{
	size_t	i, o = 0;

	out[o++] = '"';
	for (i = 0; i < n; i++) {
		unsigned c = s[i];

		if (c == '"' || c == '\\')
			o += (size_t)sprintf(out + o, "\\%c", c);
		else if (c == '\n')
			o += (size_t)sprintf(out + o, "\\n");
		else if (c == '\r')
			o += (size_t)sprintf(out + o, "\\r");
		else if (c == '\t')
			o += (size_t)sprintf(out + o, "\\t");
		else if (c < 0x20 || c == 0x7f)
			o += (size_t)sprintf(out + o, "\\u%04x", c);
		else if (c >= 0x80)
			o += (size_t)sprintf(out + o, "\\ufffd");
		else
			out[o++] = (char)c;
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

/* Every byte value at every offset of words read 8 bytes at a time. */
static void
test_escape_every_byte(void **state)
{
	unsigned char	s[24];
	char		buf[256], want[256];
	struct jsonw	w;
	unsigned	b, p;
	size_t		n;

	(void)state;
	for (b = 1; b < 256; b++) {
		for (p = 0; p < sizeof(s); p++) {
			memset(s, 'a', sizeof(s));
			s[p] = (unsigned char)b;
			jw_init(&w, buf, sizeof(buf));
			jw_strn(&w, "k", (const char *)s, sizeof(s));
			memcpy(want, "{\"k\":", 5);
			n = 5 + ref_escape(s, sizeof(s), want + 5);
			assert_true(jw_finish(&w) > 0);
			if (strncmp(buf, want, n) != 0 || buf[n] != '}')
				fail_msg("byte 0x%02x at %u: %s, want %s", b,
				    p, buf, want);
		}
	}
}

static void	ref_mask(char *, size_t);

/*
 * Keys: a name of letters and '_' is copied whole, anything else goes
 * the long way; both must give what escaping and masking the key gives,
 * and a key that does not fit must fail the record at every fill level.
 */
static void
test_keys(void **state)
{
	char		key[24], buf[256], want[256], masked[24], small[64];
	struct jsonw	w;
	unsigned	b, p, cap;
	size_t		n;
	ssize_t		r;

	(void)state;
	for (b = 1; b < 256; b++) {
		for (p = 0; p < 12; p++) {
			memset(key, 'k', sizeof(key));
			key[p] = (char)b;
			key[12] = '\0';
			jw_init(&w, buf, sizeof(buf));
			jw_uint(&w, key, 7);
			memcpy(want, "{", 1);
			n = 1 + ref_escape((const unsigned char *)key, 12,
			    want + 1);
			memcpy(want + n, ":7}\n", 5);
			assert_true(jw_finish(&w) > 0);
			if (strcmp(buf, want) != 0)
				fail_msg("key byte 0x%02x at %u: %s, want %s",
				    b, p, buf, want);
		}
	}
	/* A key of twelve digits is a number like any other string. */
	memcpy(masked, "079123456789", 13);
	ref_mask(masked, 12);
	jw_init(&w, buf, sizeof(buf));
	jw_uint(&w, "079123456789", 1);
	assert_true(jw_finish(&w) > 0);
	snprintf(want, sizeof(want), "{\"%s\":1}\n", masked);
	assert_string_equal(buf, want);
	/* "{\"signature_id\":1}\n" is 19 bytes and needs 20 of the buffer. */
	for (cap = 1; cap <= sizeof(small); cap++) {
		jw_init(&w, small, cap);
		jw_uint(&w, "signature_id", 1);
		r = jw_finish(&w);
		if (cap >= 20) {
			assert_int_equal(r, 19);
			assert_string_equal(small, "{\"signature_id\":1}\n");
		} else
			assert_int_equal(r, -1);
	}
}

/* A record of every kind of member, by literal keys or not. */
static ssize_t
lit_record(char *buf, size_t cap, int lit)
{
	struct jsonw	w;

	jw_init(&w, buf, cap);
	if (lit) {
		JW_STR(&w, "timestamp", "2026-01-02T03:04:05.000006+0700");
		JW_STRN(&w, "s", "abc", 2);
		JW_UINT(&w, "flow_id", 1234567890123ULL);
		JW_INT(&w, "delta", -42);
		JW_BOOL(&w, "syn_ack", 1);
		JW_DIGEST(&w, "ja3_hash", "0123456789abcdef");
		JW_SAFE(&w, "proto", "TCP");
		JW_SAFEN(&w, "dest_ip", "10.0.0.1", 8);
		JW_CLEAN(&w, "community_id", "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
		JW_RAW(&w, "\"dns\":{\"version\":3,\"type\":\"request\"");
		JW_RAW(&w, "\"qr\":true");
		jw_obj_close(&w);
		JW_ARR_OPEN(&w, "vlan");
		jw_uint(&w, NULL, 5);
		jw_arr_close(&w);
		JW_OBJ_OPEN(&w, "a_key_longer_than_thirty_two_bytes_x");
		JW_BOOL(&w, "first", 0);
		JW_OBJ_OPEN(&w, "inner");
		jw_obj_close(&w);
		jw_obj_close(&w);
	} else {
		jw_str(&w, "timestamp", "2026-01-02T03:04:05.000006+0700");
		jw_strn(&w, "s", "abc", 2);
		jw_uint(&w, "flow_id", 1234567890123ULL);
		jw_int(&w, "delta", -42);
		jw_bool(&w, "syn_ack", 1);
		jw_digest(&w, "ja3_hash", "0123456789abcdef");
		jw_str(&w, "proto", "TCP");
		jw_str(&w, "dest_ip", "10.0.0.1");
		jw_str(&w, "community_id", "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
		jw_obj_open(&w, "dns");
		jw_uint(&w, "version", 3);
		jw_str(&w, "type", "request");
		jw_bool(&w, "qr", 1);
		jw_obj_close(&w);
		jw_arr_open(&w, "vlan");
		jw_uint(&w, NULL, 5);
		jw_arr_close(&w);
		jw_obj_open(&w, "a_key_longer_than_thirty_two_bytes_x");
		jw_bool(&w, "first", 0);
		jw_obj_open(&w, "inner");
		jw_obj_close(&w);
		jw_obj_close(&w);
	}
	return jw_finish(&w);
}

/* Literal keys give jw_key's bytes, and overflow at the same size. */
static void
test_lit_keys(void **state)
{
	char		a[480], b[480];
	size_t		cap;
	ssize_t		ra, rb;

	(void)state;
	for (cap = 1; cap <= sizeof(a); cap++) {
		ra = lit_record(a, cap, 0);
		rb = lit_record(b, cap, 1);
		assert_int_equal(ra, rb);
		if (ra >= 0)
			assert_string_equal(a, b);
	}
	assert_true(ra > 0);
}

/*
 * What JW_SAFE is given needs nothing done, what JW_CLEAN is given no
 * escaping: JW_STR writes the same.
 */
static void
same_as_str(const char *v, int clean)
{
	char		a[128], b[128];
	struct jsonw	wa, wb;

	jw_init(&wa, a, sizeof(a));
	jw_init(&wb, b, sizeof(b));
	JW_STR(&wa, "v", v);
	if (clean)
		JW_CLEAN(&wb, "v", v);
	else
		JW_SAFE(&wb, "v", v);
	assert_true(jw_finish(&wa) > 0);
	assert_true(jw_finish(&wb) > 0);
	assert_string_equal(a, b);
}

/*
 * JW_ADDR, which formats straight into the buffer, writes what JW_STR
 * does with the address's text, and overflows at the same capacity: at
 * every capacity up to the whole record, so the near-full fallback runs.
 */
static void
addr_same(int ipver, const uint8_t *addr, const char *text)
{
	char		a[96], b[96];
	struct jsonw	wa, wb;
	size_t		cap;
	ssize_t		ra, rb;

	for (cap = 1; cap < sizeof(a); cap++) {
		memset(b, '#', sizeof(b));
		jw_init(&wa, a, cap);
		jw_init(&wb, b, cap);
		JW_UINT(&wa, "n", 1);
		JW_UINT(&wb, "n", 1);
		JW_STR(&wa, "ip", text);
		JW_ADDR(&wb, "ip", ipver, addr);
		ra = jw_finish(&wa);
		rb = jw_finish(&wb);
		assert_int_equal(ra, rb);
		if (ra >= 0)
			assert_string_equal(a, b);
		/* Nothing written past the capacity. */
		assert_true(b[cap] == '#');
	}
	assert_true(ra > 0);
}

static void
safe_same(const char *v)
{
	same_as_str(v, 0);
}

/* The string JW_STR writes for s under key "s", between the quotes. */
static size_t
str_inner(const char *s, char *out, size_t cap)
{
	char		buf[512];
	struct jsonw	w;
	ssize_t		n;

	jw_init(&w, buf, sizeof(buf));
	jw_str(&w, "s", s);
	n = jw_finish(&w);
	/* {"s":"...."}\n */
	assert_true(n >= 9 && (size_t)n - 9 < cap);
	memcpy(out, buf + 6, (size_t)n - 9);
	out[n - 9] = '\0';
	return (size_t)n - 9;
}

/*
 * One byte that needs escaping (or a UTF-8 sequence, valid or not) at
 * every place of a plain string of every length up to 48: the block,
 * word and byte scans must each stop exactly there. The whole comes
 * out as the plain bytes around what the byte alone gives.
 */
static void
test_escape_positions(void **state)
{
	static const char *const odd[] = { "\x01", "\x1f", "\"", "\\",
	    "\x7f", "\n", "\xc3\xa9", "\xff", "\xe1\xba", " " };
	char	s[64], want[256], alone[64], got[256];
	size_t	len, at, k, an;

	(void)state;
	for (k = 0; k < sizeof(odd) / sizeof(odd[0]); k++) {
		an = str_inner(odd[k], alone, sizeof(alone));
		for (len = 0; len <= 48; len++) {
			for (at = 0; at <= len; at++) {
				size_t ol = strlen(odd[k]);

				memset(s, 'a', at);
				memcpy(s + at, odd[k], ol);
				memset(s + at + ol, 'b', len - at);
				s[len + ol] = '\0';
				memset(want, 'a', at);
				memcpy(want + at, alone, an);
				memset(want + at + an, 'b', len - at);
				want[at + an + len - at] = '\0';
				str_inner(s, got, sizeof(got));
				if (strcmp(got, want) != 0)
					fail_msg("odd %zu at %zu of %zu: %s", k,
					    at, len, got);
			}
		}
	}
}

/*
 * JW_CLEAN writes what JW_STR does for text with nothing to escape:
 * base64 (Community IDs) with and without runs of digits, of every
 * length around 12, plausible citizen IDs among them.
 */
static void
test_clean_values(void **state)
{
	static const char	b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=:";
	char			v[48];
	uint32_t		x = 12345;
	size_t			i, j, n;

	(void)state;
	for (i = 0; i < 50000; i++) {
		n = i % 40;
		for (j = 0; j < n; j++) {
			x = x * 1103515245U + 12345U;
			v[j] = b64[(x >> 16) % (sizeof(b64) - 1)];
		}
		v[n] = '\0';
		/* A run of digits, a province's code first half the time. */
		if (i % 3 == 0 && n >= 12) {
			j = (x >> 8) % (n - 11);
			memcpy(v + j, i % 2 ? "001234567890" : "999912345678", 12);
			if (i % 5 == 0 && j + 12 < n)
				v[j + 12] = '7';	/* 13 digits: not one */
		}
		same_as_str(v, 1);
	}
}

static void
test_safe_values(void **state)
{
	static const int	offs[] = { 0, 25200, -34200, 20700, 359999 };
	char			buf[64];
	uint8_t			addr[16];
	uint64_t		x = 88172645463325252ULL;
	unsigned		i, j, o;

	(void)state;
	for (i = 0; i < 20000; i++) {
		/* xorshift: times up to far past 9999, addresses of any bytes */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		for (o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
			util_format_ts(x >> (i % 40), buf, sizeof(buf),
			    offs[o]);
			safe_same(buf);
		}
		for (j = 0; j < sizeof(addr); j++)
			addr[j] = (uint8_t)(x >> (j * 4 % 64));
		if (i % 3 == 0)
			memset(addr, 0, 10 + i % 7);
		util_addr_str(4, addr, buf, sizeof(buf));
		safe_same(buf);
		addr_same(4, addr, buf);
		util_addr_str(6, addr, buf, sizeof(buf));
		safe_same(buf);
		addr_same(6, addr, buf);
		safe_same(util_proto_name((uint8_t)i, buf, sizeof(buf)));
	}
	/* The tables' names that records and alerts write by JW_SAFE,
	 * each entry and the fallback past its end. */
	for (i = 0; i <= APP_MAX; i++)
		safe_same(app_proto_name((enum app_proto)i));
	for (i = 0; i <= FLOW_STATE_MAX; i++)
		safe_same(flow_state_name((enum flow_state)i));
	for (i = 0; i <= FLOW_END_SHUTDOWN + 1; i++)
		safe_same(flow_end_reason_name((enum flow_end_reason)i));
	for (i = 0; i <= UINT16_MAX; i++)
		safe_same(app_dns_rrtype_name((uint16_t)i));
	for (i = 0; i <= UINT8_MAX; i++)
		safe_same(app_dns_rcode_name((uint8_t)i));
	for (i = 0; i <= CAT_MAX; i++)
		safe_same(rules_category_name((int)i));
	for (i = 0; i <= 6; i++)
		safe_same(rules_severity_name((int)i));
}

static void
test_overflow(void **state)
{
	char		buf[32];
	struct jsonw	w;

	(void)state;
	jw_init(&w, buf, sizeof(buf));
	jw_str(&w, "key", "a value that is far too long for the buffer");
	assert_int_equal(jw_finish(&w), -1);
}

/*
 * The masking rule written out plainly, as the oracle: every maximal
 * run of exactly 12 digits whose first three are a province code and
 * whose fourth is 0-3 keeps its first three and last two digits.
 */
static void
ref_mask(char *s, size_t n)
{
	static const char provinces[] = " 001 002 004 006 008 010 011 012 014 "
	    "015 017 019 020 022 024 025 026 027 030 031 033 034 035 036 037 "
	    "038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 "
	    "066 067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 "
	    "091 092 093 094 095 096 ";
	size_t	i = 0, j;
	char	code[6];

	while (i < n) {
		for (j = i; j < n && s[j] >= '0' && s[j] <= '9'; j++)
			;
		if (j == i) {
			i++;
			continue;
		}
		snprintf(code, sizeof(code), " %.3s ", s + i);
		if (j - i == 12 && s[i + 3] <= '3' && strstr(provinces, code))
			memset(s + i + 3, '*', 7);
		i = j;
	}
}

/* The string s as written and parsed back. */
static void
write_back(const char *key, const char *s, size_t n, char *out, size_t len)
{
	char		 buf[2048];
	struct jsonw	 w;
	json_t		*j;
	json_error_t	 err;

	jw_init(&w, buf, sizeof(buf));
	jw_strn(&w, key, s, n);
	assert_true(jw_finish(&w) > 0);
	if ((j = json_loads(buf, 0, &err)) == NULL)
		fail_msg("%s: %s", buf, err.text);
	assert_non_null(json_object_get(j, key));
	snprintf(out, len, "%s", json_string_value(json_object_get(j, key)));
	json_decref(j);
}

static void
test_mask_examples(void **state)
{
	char		 s[] = "ids 001234567890, 1234567890123, 999123456789 "
			    "and 020300123434.", out[256], buf[256];
	const char	*want = "ids 001*******90, 1234567890123, "
			    "999123456789 and 020*******34.";
	struct jsonw	 w;

	(void)state;
	write_back("k", s, strlen(s), out, sizeof(out));
	assert_string_equal(out, want);
	assert_int_equal(cccd_mask(s, strlen(s)), 2);
	assert_string_equal(s, want);
	/* Escaped neighbours (\u0001, a quote) neither hide nor make one. */
	write_back("k", "\x01" "079123456789\"x", 15, out, sizeof(out));
	assert_string_equal(out, "\x01" "079*******89\"x");
	write_back("k", "\x10""01234567", 9, out, sizeof(out));
	assert_string_equal(out, "\x10""01234567");
	/* At both ends, back to back with letters, and in keys. */
	write_back("k", "020123456734", 12, out, sizeof(out));
	assert_string_equal(out, "020*******34");
	jw_init(&w, buf, sizeof(buf));
	jw_str(&w, "020123456734", "v");
	assert_true(jw_finish(&w) > 0);
	assert_string_equal(buf, "{\"020*******34\":\"v\"}\n");
	write_back("k", "x001234567890y096012345678", 26, out, sizeof(out));
	assert_string_equal(out, "x001*******90y096*******78");
	/* Fingerprints are written as computed. */
	jw_init(&w, buf, sizeof(buf));
	jw_digest(&w, "ja4", "t13d1516h2_020123456734_e5627efa2ab1");
	assert_true(jw_finish(&w) > 0);
	assert_non_null(strstr(buf, "_020123456734_"));
}

/* Random strings of digits and separators against the oracle. */
static void
test_mask_random(void **state)
{
	static const char *const parts[] = { "020123456734", "001185004321",
	    "096304556677", "003195001234", "020595001234", "120095001234",
	    "0", "7", "12", "345", "a", "-", "\"", "\x01", "\n", "\xc3\xa1",
	    " ", "." };
	char		 s[200], want[200], out[1024];
	unsigned	 seed = 11, k;
	size_t		 n, pl;

	(void)state;
	for (k = 0; k < 20000; k++) {
		n = 0;
		for (;;) {
			seed = seed * 1103515245 + 12345;
			pl = strlen(parts[(seed >> 16) % 18]);
			if (n + pl >= sizeof(s) || (seed >> 8) % 29 == 0)
				break;
			memcpy(s + n, parts[(seed >> 16) % 18], pl);
			n += pl;
		}
		s[n] = '\0';
		memcpy(want, s, n + 1);
		ref_mask(want, n);
		write_back("k", s, n, out, sizeof(out));
		if (strcmp(out, want) != 0)
			fail_msg("written %s\nwant    %s", out, want);
		cccd_mask(s, n);
		if (strcmp(s, want) != 0)
			fail_msg("in place %s\nwant     %s", s, want);
	}
}

/* Trees built with jansson (stats, socket answers) are masked in place. */
static void
test_mask_tree(void **state)
{
	json_t	*j;
	char	*out;

	(void)state;
	j = json_pack("{s:s,s:[s,{s:s}],s:I,s:s}",
	    "iface", "/cap/020123456734.pcap",
	    "list", "x", "deep", "user 001099012345 ok",
	    "bytes", (json_int_t)1020123456734LL,
	    "short", "0201234567");
	assert_non_null(j);
	jw_mask_tree(j);
	out = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(out);
	assert_string_equal(out, "{\"bytes\":1020123456734,"
	    "\"iface\":\"/cap/020*******34.pcap\","
	    "\"list\":[\"x\",{\"deep\":\"user 001*******45 ok\"}],"
	    "\"short\":\"0201234567\"}");
	free(out);
	json_decref(j);
}

/*
 * malloc (-Wl,--wrap=malloc, Makefile.am) and jansson's allocations
 * (json_set_alloc_funcs, through the same): the fail_in'th from now
 * fails.
 */
static int fail_in;

void *__real_malloc(size_t);
void *__wrap_malloc(size_t);

void *
__wrap_malloc(size_t n)
{
	if (fail_in > 0 && --fail_in == 0) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(n);
}

static void *
js_malloc(size_t n)
{
	return __wrap_malloc(n);
}

/*
 * No memory to mask a string, for jw_mask_tree's copy or for jansson's:
 * -1, so that the caller drops the tree with the number in it (before,
 * the first ended the daemon in xmalloc, the second left the number
 * there, unmasked, and said nothing).
 */
static void
test_mask_tree_nomem(void **state)
{
	json_t	*j;
	int	 k;

	(void)state;
	for (k = 0; k < 2; k++) {
		j = json_pack("{s:s,s:[s]}", "a", "x",
		    "b", "user 001099012345 ok");
		assert_non_null(j);
		/* The copy's malloc, then jansson's of the masked string. */
		json_set_alloc_funcs(js_malloc, free);
		fail_in = k + 1;
		assert_int_equal(jw_mask_tree(j), -1);
		assert_int_equal(fail_in, 0);
		json_set_alloc_funcs(malloc, free);
		assert_int_equal(jw_mask_tree(j), 0);
		assert_string_equal(json_string_value(json_array_get(
		    json_object_get(j, "b"), 0)), "user 001*******45 ok");
		json_decref(j);
	}
	assert_int_equal(jw_mask_tree(NULL), 0);
}

/* Members written once: each record equal to one written in full. */
static void
sensor_members(struct jsonw *w, struct jw_memo *m, const char *sensor,
    const char *iface, int *hit)
{
	const char	*vals[2] = { sensor, iface };
	size_t		 mark = w->len;
	int		 comma = w->need_comma;

	*hit = jw_memo_put(w, m, vals, 2);
	if (*hit)
		return;
	jw_str(w, "sensor", sensor);
	if (iface != NULL)
		jw_str(w, "in_iface", iface);
	jw_memo_keep(m, w, mark, comma, vals, 2);
}

static void
test_memo(void **state)
{
	static const char *const cases[][2] = {
		{ "gw1", "eth0" }, { "gw1", "eth0" }, { "gw1", NULL },
		{ "gw1", NULL }, { "gw1", "eth1" }, { "gw\"012345678901", "eth1" },
		{ "gw\"012345678901", "eth1" }, { "gw1", "eth1" },
	};
	static const int want_hit[] = { 0, 1, 0, 1, 0, 0, 1, 0 };
	struct jw_memo	*m = calloc(1, sizeof(*m));
	char		 a[256], b[256];
	size_t		 i;
	int		 hit;

	(void)state;
	assert_non_null(m);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jsonw	wa, wb;

		jw_init(&wa, a, sizeof(a));
		jw_uint(&wa, "flow_id", 1);
		sensor_members(&wa, m, cases[i][0], cases[i][1], &hit);
		assert_int_equal(hit, want_hit[i]);
		jw_str(&wa, "event_type", "x");
		assert_true(jw_finish(&wa) > 0);
		jw_init(&wb, b, sizeof(b));
		jw_uint(&wb, "flow_id", 1);
		jw_str(&wb, "sensor", cases[i][0]);
		if (cases[i][1] != NULL)
			jw_str(&wb, "in_iface", cases[i][1]);
		jw_str(&wb, "event_type", "x");
		assert_true(jw_finish(&wb) > 0);
		assert_string_equal(a, b);
	}
	/* First in its object, no comma before: not the kept bytes. */
	{
		struct jsonw	wa;

		jw_init(&wa, a, sizeof(a));
		sensor_members(&wa, m, "gw1", "eth1", &hit);
		assert_int_equal(hit, 0);
		assert_true(jw_finish(&wa) > 0);
		assert_string_equal(a, "{\"sensor\":\"gw1\",\"in_iface\":"
		    "\"eth1\"}\n");
	}
	free(m);
}

/* Members written once and appended: the same bytes as written in place,
 * first in an object or after others, masked as written; too long, none. */
static void
test_members(void **state)
{
	struct jsonw	 wm, wa, wb;
	char		 m[128], a[256], b[256], tiny[8], *json;
	size_t		 len;
	int		 first;

	(void)state;
	jw_init(&wm, m, sizeof(m));
	jw_uint(&wm, "sid", 7);
	jw_str(&wm, "name", "CCCD 001099012345 \"x\"");
	json = jw_members_copy(&wm, &len);
	assert_non_null(json);
	for (first = 0; first < 2; first++) {
		jw_init(&wa, a, sizeof(a));
		jw_init(&wb, b, sizeof(b));
		if (!first) {
			jw_str(&wa, "k", "v");
			jw_str(&wb, "k", "v");
		}
		jw_obj_open(&wa, "alert");
		jw_obj_open(&wb, "alert");
		jw_members(&wa, json, len);
		jw_uint(&wb, "sid", 7);
		jw_str(&wb, "name", "CCCD 001099012345 \"x\"");
		jw_uint(&wa, "count", 1);
		jw_uint(&wb, "count", 1);
		jw_obj_close(&wa);
		jw_obj_close(&wb);
		assert_true(jw_finish(&wa) > 0);
		assert_true(jw_finish(&wb) > 0);
		assert_string_equal(a, b);
	}
	assert_null(strstr(a, "001099012345"));
	free(json);
	jw_init(&wm, tiny, sizeof(tiny));
	jw_str(&wm, "name", "longer than eight");
	assert_null(jw_members_copy(&wm, &len));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_numbers_and_runs),
		cmocka_unit_test(test_escape_every_byte),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_lit_keys),
		cmocka_unit_test(test_safe_values),
		cmocka_unit_test(test_clean_values),
		cmocka_unit_test(test_escape_positions),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_mask_examples),
		cmocka_unit_test(test_mask_random),
		cmocka_unit_test(test_mask_tree),
		cmocka_unit_test(test_mask_tree_nomem),
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
