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

struct jsonw {
	char	*buf;
	size_t	 cap;
	size_t	 len;
	int	 overflow;
	int	 need_comma;
};
void	 jw_init(struct jsonw *, char *, size_t);
void	 jw_obj_open(struct jsonw *, const char *key);
void	 jw_obj_close(struct jsonw *);
void	 jw_arr_open(struct jsonw *, const char *key);
void	 jw_arr_close(struct jsonw *);
void	 jw_str(struct jsonw *, const char *key, const char *val);
void	 jw_strn(struct jsonw *, const char *key, const char *val, size_t n);
void	 jw_digest(struct jsonw *, const char *key, const char *val);
/* Mask citizen-ID numbers in s in place (020*******34), as every jw string. */
size_t	 cccd_mask(char *s, size_t n);
/* The same in every string value of a jansson tree (stats, socket answers). */
struct json_t;
void	 jw_mask_tree(struct json_t *);
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
/* The same as an initializer, for tables of keys. */
#define JW_LIT_INIT(k)	{ ",\"" k "\":", sizeof(",\"" k "\":") - 1 }
#define JW_LIT(k)	((struct jw_lit)JW_LIT_INIT(k))
void	 jw_obj_open_l(struct jsonw *, struct jw_lit);
void	 jw_arr_open_l(struct jsonw *, struct jw_lit);
void	 jw_str_l(struct jsonw *, struct jw_lit, const char *val);
void	 jw_strn_l(struct jsonw *, struct jw_lit, const char *val, size_t n);
void	 jw_digest_l(struct jsonw *, struct jw_lit, const char *val);
void	 jw_int_l(struct jsonw *, struct jw_lit, int64_t);
void	 jw_uint_l(struct jsonw *, struct jw_lit, uint64_t);
void	 jw_bool_l(struct jsonw *, struct jw_lit, int);
/*
 * A value with nothing in it to escape or mask (printable ASCII, no
 * quote or backslash, no run of 12 digits): a timestamp of
 * util_format_ts, an address of util_addr_str, a name from the code's
 * own tables (event type, protocol, flow state, DNS rrtype and rcode,
 * rule category and severity). Copied between its quotes with no scan,
 * which was most of a string's cost; jsonw_test holds the formatters
 * and tables to it. Anything from the wire or the configuration takes
 * JW_STR.
 */
void	 jw_safe_l(struct jsonw *, struct jw_lit, const char *val);
#define JW_OBJ_OPEN(w, k)	jw_obj_open_l(w, JW_LIT(k))
#define JW_ARR_OPEN(w, k)	jw_arr_open_l(w, JW_LIT(k))
#define JW_STR(w, k, v)		jw_str_l(w, JW_LIT(k), v)
#define JW_STRN(w, k, v, n)	jw_strn_l(w, JW_LIT(k), v, n)
#define JW_DIGEST(w, k, v)	jw_digest_l(w, JW_LIT(k), v)
#define JW_INT(w, k, v)		jw_int_l(w, JW_LIT(k), v)
#define JW_UINT(w, k, v)	jw_uint_l(w, JW_LIT(k), v)
#define JW_BOOL(w, k, v)	jw_bool_l(w, JW_LIT(k), v)
#define JW_SAFE(w, k, v)	jw_safe_l(w, JW_LIT(k), v)
/*
 * Members that repeat from record to record (the sensor's name, the
 * interface), kept as jsonw wrote them (masked, escaped) with the values
 * they were written from, and copied whole while those stay the same:
 * jw_memo_put appends them when vals match (NULL is a value), else 0;
 * the caller then writes them and calls jw_memo_keep with w's len from
 * before. Zeroed, a memo holds nothing.
 */
#define JW_MEMO_SRC	256
#define JW_MEMO_JSON	512
struct jw_memo {
	size_t	 len;			/* of json; 0: nothing kept */
	int	 comma;			/* w's need_comma when written */
	char	 src[JW_MEMO_SRC];	/* per value: 0, or 1 and the text */
	char	 json[JW_MEMO_JSON];
};
int	 jw_memo_put(struct jsonw *, const struct jw_memo *,
	    const char *const *vals, size_t n);
void	 jw_memo_keep(struct jw_memo *, const struct jsonw *, size_t mark,
	    int comma, const char *const *vals, size_t n);
/* Finish with a newline; returns the length or -1 on overflow. */
ssize_t	 jw_finish(struct jsonw *);

#endif /* CANHGAC_JSONW_H */
