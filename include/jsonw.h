/*
 * jsonw.c: a bounded JSON writer into a fixed buffer (no allocation).
 * Every string goes out with its citizen-ID numbers masked
 * (020*******34); jw_digest alone, for computed fingerprints, skips it.
 */
#ifndef CANHGAC_JSONW_H
#define CANHGAC_JSONW_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct jsonw {
	char	*buf;
	size_t	 cap;
	size_t	 len;
	int	 overflow;
	int	 need_comma;
	size_t	 addr_at;	/* the last jw_val_addr's text; 0: none */
};
void	 jw_init(struct jsonw *, char *, size_t);
void	 jw_obj_open(struct jsonw *, const char *key);
void	 jw_arr_open(struct jsonw *, const char *key);
void	 jw_str(struct jsonw *, const char *key, const char *val);
void	 jw_strn(struct jsonw *, const char *key, const char *val, size_t n);
void	 jw_digest(struct jsonw *, const char *key, const char *val);
/*
 * The same in every string value of a jansson tree (stats, socket
 * answers, the state file): 0, or -1 when a string could not be masked
 * for want of memory, and then the tree must not go out.
 */
struct json_t;
int	 jw_mask_tree(struct json_t *);
void	 jw_int(struct jsonw *, const char *key, int64_t);
void	 jw_uint(struct jsonw *, const char *key, uint64_t);
void	 jw_bool(struct jsonw *, const char *key, int);
/*
 * A key known at compile time, as it goes out: ,"key": and its length,
 * both made by the compiler, so writing it is one copy (the comma left
 * off when none is due) with no scan of the name: keys were 15 % of a
 * record's instructions. The concatenation refuses anything but a string
 * literal; it must be a name that needs no escaping or masking (letters,
 * digits, '_'), as every key of the code's own is. Other keys (NULL,
 * computed) take the functions above.
 */
struct jw_lit {
	const char	*json;
	size_t		 len;
};
#define JW_LIT(k)	((struct jw_lit){ ",\"" k "\":", \
			    sizeof(",\"" k "\":") - 1 })
/*
 * The values after a key, out of line: jw_val_str escapes and masks,
 * jw_val_safe copies as it is (JW_SAFE below), jw_val_digest escapes
 * only (jw_digest).
 */
void	 jw_val_str(struct jsonw *, const char *val, size_t n);
void	 jw_val_safe(struct jsonw *, const char *val);
void	 jw_val_addr(struct jsonw *, int ipver, const uint8_t *addr);
void	 jw_val_safen(struct jsonw *, const char *val, size_t n);
void	 jw_val_clean(struct jsonw *, const char *val);
void	 jw_val_digest(struct jsonw *, const char *val);
void	 jw_val_int(struct jsonw *, int64_t);
void	 jw_val_uint(struct jsonw *, uint64_t);

/* Those of a byte or a few, in line: a call cost more than they do. */
static inline void
jw_put1(struct jsonw *w, char c)
{
	if (w->len + 1 >= w->cap) {
		w->overflow = 1;
		return;
	}
	w->buf[w->len++] = c;
}

/* An object's or array's opening, after its key. */
static inline void
jw_val_open(struct jsonw *w, char c)
{
	jw_put1(w, c);
	w->need_comma = 0;
}

static inline void
jw_val_bool(struct jsonw *w, int v)
{
	size_t	n = v ? 4 : 5;

	if (w->len + n >= w->cap) {
		w->overflow = 1;
		return;
	}
	if (v)
		memcpy(w->buf + w->len, "true", 4);
	else
		memcpy(w->buf + w->len, "false", 5);
	w->len += n;
}

static inline void
jw_obj_close(struct jsonw *w)
{
	jw_put1(w, '}');
	w->need_comma = 1;
}

static inline void
jw_arr_close(struct jsonw *w)
{
	jw_put1(w, ']');
	w->need_comma = 1;
}

/*
 * A literal key in line: where the key is a JW_LIT, its length is known
 * here and the copy is a few fixed moves (the call and the copy by a
 * length known only at run time were a third of what a key cost). All
 * but the last byte from the comma, or from the quote when no comma is
 * due, then the last byte (the ':' of a key) where it ends: the same
 * bytes as jw_key. JW_RAW's members go out the same way.
 */
static inline void
jw_key_l(struct jsonw *w, struct jw_lit k)
{
	size_t	skip = !w->need_comma;

	w->need_comma = 1;
	if (w->len + k.len - skip >= w->cap) {
		w->overflow = 1;
		return;
	}
	memcpy(w->buf + w->len, k.json + skip, k.len - 1);
	w->buf[w->len + k.len - 1 - skip] = k.json[k.len - 1];
	w->len += k.len - skip;
}

/*
 * Members known whole at compile time, as JSON: "k":v[,"k2":v2...], or
 * an object's key, its opening and first members ("dns":{"version":3).
 * What follows gets its comma. Each takes its place in the record as
 * one copy, where the JW_ writers would take one each; the text must
 * be what they would write (the logs of the bench captures are compared
 * byte for byte).
 */
#define JW_RAW_INIT(m)	{ "," m, sizeof("," m) - 1 }
#define JW_RAW(w, m)	jw_key_l(w, (struct jw_lit)JW_RAW_INIT(m))

/*
 * A literal key, then its value (w is named twice: pass a plain pointer).
 * JW_SAFE's value has nothing in it to escape or mask (printable ASCII,
 * no quote or backslash, no run of 12 digits): a timestamp of
 * util_format_ts, an address of util_addr_str, a name from the code's
 * own tables (event type, protocol, flow state, DNS rrtype and rcode,
 * rule category and severity). Copied between its quotes with no scan,
 * which was most of a string's cost; jsonw_test holds the formatters
 * and tables to it. JW_SAFEN is the same of a length known (a
 * timestamp's, from util_format_ts). JW_CLEAN's is of the code's own
 * encoding with nothing to escape (base64, hex) that may still hold a
 * run of digits like a citizen ID, so it is masked as JW_STR would,
 * without JW_STR's scan for bytes to escape: a Community ID. Anything
 * from the wire or the configuration takes JW_STR.
 */
#define JW_KEYED(w, k, val)	(jw_key_l(w, JW_LIT(k)), val)
#define JW_OBJ_OPEN(w, k)	JW_KEYED(w, k, jw_val_open(w, '{'))
#define JW_ARR_OPEN(w, k)	JW_KEYED(w, k, jw_val_open(w, '['))
#define JW_STR(w, k, v)		jw_str_l(w, JW_LIT(k), v)
#define JW_STRN(w, k, v, n)	jw_strn_l(w, JW_LIT(k), v, n)
#define JW_DIGEST(w, k, v)	JW_KEYED(w, k, jw_val_digest(w, v))
#define JW_INT(w, k, v)		JW_KEYED(w, k, jw_val_int(w, v))
#define JW_UINT(w, k, v)	JW_KEYED(w, k, jw_val_uint(w, v))
#define JW_BOOL(w, k, v)	JW_KEYED(w, k, jw_val_bool(w, v))
#define JW_SAFE(w, k, v)	JW_KEYED(w, k, jw_val_safe(w, v))
#define JW_ADDR(w, k, ipver, a)	JW_KEYED(w, k, jw_val_addr(w, ipver, a))
#define JW_SAFEN(w, k, v, n)	JW_KEYED(w, k, jw_val_safen(w, v, n))
#define JW_CLEAN(w, k, v)	JW_KEYED(w, k, jw_val_clean(w, v))

/* A string under a key that may be made at run time (a table's). */
static inline void
jw_strn_l(struct jsonw *w, struct jw_lit k, const char *val, size_t n)
{
	jw_key_l(w, k);
	jw_val_str(w, val, n);
}

static inline void
jw_str_l(struct jsonw *w, struct jw_lit k, const char *val)
{
	jw_strn_l(w, k, val, strlen(val));
}
/*
 * Members that repeat from record to record (the sensor's name, the
 * interface), kept as jsonw wrote them (masked, escaped) with the values
 * they were written from, and copied whole while those stay the same:
 * jw_memo_put appends them when vals match (NULL is a value), else 0;
 * the caller then writes them and calls jw_memo_keep with w's len from
 * before. Zeroed, a memo holds nothing; it keeps up to JW_MEMO_VALS
 * values.
 */
#define JW_MEMO_SRC	256
#define JW_MEMO_JSON	512
#define JW_MEMO_VALS	4
struct jw_memo {
	size_t	 len;			/* of json; 0: nothing kept */
	int	 comma;			/* w's need_comma when written */
	size_t	 vlen[JW_MEMO_VALS];	/* of each text in src */
	char	 src[JW_MEMO_SRC];	/* per value: 0, or 1 and the text */
	char	 json[JW_MEMO_JSON];
};
int	 jw_memo_put(struct jsonw *, const struct jw_memo *,
	    const char *const *vals, size_t n);
void	 jw_memo_keep(struct jw_memo *, const struct jsonw *, size_t mark,
	    int comma, const char *const *vals, size_t n);
/*
 * Members written once by another jsonw (jw_members_copy: what it holds
 * after jw_init, less the opening brace) and appended whole, with the
 * comma they need: an alert's rule-only members. NULL on overflow or
 * without memory.
 */
char	*jw_members_copy(const struct jsonw *, size_t *len);
void	 jw_members(struct jsonw *, const char *json, size_t len);
/* Finish with a newline; returns the length or -1 on overflow. */
ssize_t	 jw_finish(struct jsonw *);

#endif /* CANHGAC_JSONW_H */
