/*
 * jsonflat.c against jansson: the flattening outputs.c did before with
 * json_loadb is the reference, on hand-written records, on seeded random
 * documents (escapes, \u and surrogate pairs, reals, nesting, arrays with
 * objects) and on every truncation and many byte mutations of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jsonflat.h"

#define KV_MAX	128
#define BUF	32768

struct flat {
	const char	*keys[KV_MAX], *vals[KV_MAX];
	size_t		 n;
	char		 buf[BUF];
	size_t		 used;
	int		 stop;
};

/* The reference: outputs.c's flattening before jsonflat.c. */
static int
ref_scalar(json_t *v, char *out, size_t len)
{
	size_t	i, n = 0;

	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(out, len, "%s", json_string_value(v));
		return 0;
	case JSON_INTEGER:
		snprintf(out, len, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		return 0;
	case JSON_REAL:
		snprintf(out, len, "%g", json_real_value(v));
		return 0;
	case JSON_TRUE:
		snprintf(out, len, "true");
		return 0;
	case JSON_FALSE:
		snprintf(out, len, "false");
		return 0;
	case JSON_NULL:
		out[0] = '\0';
		return 0;
	case JSON_ARRAY:
		out[0] = '\0';
		for (i = 0; i < json_array_size(v); i++) {
			char	item[1024];

			if (ref_scalar(json_array_get(v, i), item,
			    sizeof(item)) != 0)
				return -1;
			n += (size_t)snprintf(out + n, len > n ? len - n : 0,
			    "%s%s", i ? "," : "", item);
			if (n >= len)
				return -1;
		}
		return 0;
	default:
		return -1;
	}
}

static const char *
ref_store(struct flat *f, const char *s)
{
	size_t	len = strlen(s);
	char	*p;

	if (f->used + len + 1 > sizeof(f->buf))
		return NULL;
	p = f->buf + f->used;
	memcpy(p, s, len + 1);
	f->used += len + 1;
	return p;
}

static void
ref_flatten(struct flat *f, json_t *obj, const char *prefix)
{
	const char	*k;
	json_t		*v;
	char		 key[128], val[4096];

	json_object_foreach(obj, k, v) {
		if (f->stop)
			return;
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." :
		    "", k);
		if (json_is_object(v)) {
			ref_flatten(f, v, key);
			continue;
		}
		if (f->n == KV_MAX || ref_scalar(v, val, sizeof(val)) != 0)
			continue;
		if ((f->keys[f->n] = ref_store(f, key)) == NULL ||
		    (f->vals[f->n] = ref_store(f, val)) == NULL) {
			f->stop = 1;
			return;
		}
		f->n++;
	}
}

/* -1 when jansson refuses the text, else the pairs. */
static int
reference(const char *text, size_t len, struct flat *f)
{
	json_error_t	 je;
	json_t		*root = json_loadb(text, len, 0, &je);

	memset(f, 0, sizeof(*f));
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	ref_flatten(f, root, "");
	json_decref(root);
	return (int)f->n;
}

static int
ours(const char *text, size_t len, struct flat *f)
{
	memset(f, 0, sizeof(*f));
	return json_flatten(text, len, f->keys, f->vals, KV_MAX, f->buf,
	    sizeof(f->buf));
}

static void
same(const char *text, size_t len)
{
	static struct flat	a, b;
	int			na = reference(text, len, &a);
	int			nb = ours(text, len, &b), i;

	if (na != nb)
		fail_msg("pairs %d (jansson) vs %d: %.*s", na, nb, (int)len,
		    text);
	for (i = 0; i < na; i++) {
		assert_string_equal(a.keys[i], b.keys[i]);
		assert_string_equal(a.vals[i], b.vals[i]);
	}
}

static void
test_records(void **state)
{
	static const char *docs[] = {
		"{}",
		"{\"a\":1}",
		"{\"timestamp\":\"2025-01-01T10:00:00.000000+0700\","
		"\"src_ip\":\"10.0.0.1\",\"src_port\":443,\"alert\":{"
		"\"signature_id\":1000101,\"controls\":[\"NET.IDS\",\"NET.SCAN\"],"
		"\"metadata\":{\"level\":[3],\"empty\":[]}},\"flow\":"
		"{\"pkts\":[1,2,3],\"bytes\":12.5,\"ok\":true,\"no\":false,"
		"\"nil\":null}}",
		" { \"sp ace\" : \"tab\\there\" , \"q\":\"\\\"\\\\\\/\" } ",
		"{\"u\":\"\\u00e9\\u4e2d\\ud83d\\ude00\",\"raw\":\"Vi\xe1\xbb\x87t\"}",
		"{\"objs\":[{\"a\":1}],\"after\":\"kept\"}",
		"{\"nested\":[[1,2],[3,[4,5]]],\"e\":1e3,\"neg\":-0.25}",
		"{\"dup\":1,\"x\":{\"y\":{\"z\":{\"w\":\"deep\"}}}}",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		same(docs[i], strlen(docs[i]));
}

static const char *bad[] = {
	"", "[]", "\"s\"", "1", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
	"{\"a\":1}x", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}",
	"{\"a\":\"\\x\"}", "{\"a\":\"tab\there\"}", "{\"a\":tru}",
	"{\"a\":[1,]}", "{\"a\":[1 2]}", "{a:1}", "{\"a\":-}",
};

static void
test_malformed(void **state)
{
	struct flat	f;
	size_t		i;
	char		deep[5 * 60 + 1];

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ours(bad[i], strlen(bad[i]), &f) != -1)
			fail_msg("accepted: %s", bad[i]);
	/* Nesting beyond the cap fails instead of recursing on. */
	memset(deep, 0, sizeof(deep));
	for (i = 0; i < 60; i++)
		memcpy(deep + 5 * i, "{\"a\":", 5);
	assert_int_equal(ours(deep, strlen(deep), &f), -1);
}

/* Seeded random documents, as alert.c's JSON writer could produce. */
static uint64_t	rng = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static json_t *
rnd_string(void)
{
	static const char *parts[] = { "a", "é", "中", "😀", "\"", "\\", "/",
	    "\n", "\t", "\x01", "\x1f", " ", "key", "Việt Nam", "0123" };
	char	s[512];
	size_t	n = 0, k = rnd(12), i;

	s[0] = '\0';
	for (i = 0; i < k; i++) {
		const char *p = parts[rnd(sizeof(parts) / sizeof(parts[0]))];

		if (n + strlen(p) + 1 < sizeof(s)) {
			memcpy(s + n, p, strlen(p) + 1);
			n += strlen(p);
		}
	}
	return json_string(s);
}

static json_t *
rnd_value(int depth)
{
	json_t	*v;
	int	 i, k;

	switch (rnd(depth > 3 ? 6 : 8)) {
	case 0: return rnd_string();
	case 1: return json_integer((json_int_t)rnd(2000000) - 1000000);
	case 2: return json_real((double)rnd(100000) / 64.0 - 700);
	case 3: return json_true();
	case 4: return json_false();
	case 5: return json_null();
	case 6:
		v = json_array();
		k = (int)rnd(5);
		for (i = 0; i < k; i++)
			json_array_append_new(v, rnd_value(depth + 1));
		return v;
	default:
		v = json_object();
		k = (int)rnd(6);
		for (i = 0; i < k; i++) {
			json_t	*key = rnd_string();

			json_object_set_new(v, json_string_value(key),
			    rnd_value(depth + 1));
			json_decref(key);
		}
		return v;
	}
}

static void
test_random(void **state)
{
	struct flat	f;
	int		 i;
	size_t		 j, len;

	(void)state;
	for (i = 0; i < 3000; i++) {
		json_t	*doc = json_object();
		char	*text;
		int	 k = (int)rnd(8), m;

		for (m = 0; m < k; m++) {
			json_t	*key = rnd_string();

			json_object_set_new(doc, json_string_value(key),
			    rnd_value(0));
			json_decref(key);
		}
		text = json_dumps(doc, JSON_PRESERVE_ORDER |
		    (i % 2 ? JSON_ENSURE_ASCII : 0) | (i % 3 ? 0 : JSON_INDENT(1)));
		json_decref(doc);
		assert_non_null(text);
		len = strlen(text);
		same(text, len);
		/* Every cut of a document is not a document. */
		for (j = 0; j + 1 < len && i < 300; j++)
			assert_int_equal(ours(text, j, &f), -1);
		/* Mutations: never a crash; what jansson takes, we agree on. */
		for (j = 0; j < 20 && len > 0; j++) {
			char	*t = strdup(text);
			struct flat a;

			t[rnd((unsigned)len)] = (char)rnd(256);
			if (reference(t, len, &a) >= 0 &&
			    memchr(t, '\0', len) == NULL)
				same(t, len);
			else
				(void)ours(t, len, &f);
			free(t);
		}
		free(text);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
