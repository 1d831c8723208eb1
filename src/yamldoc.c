/*
 * YAML documents through libyaml's document API, which keeps the start
 * mark of every node: that is what lets each configuration error name
 * FILE:LINE:COLUMN. Input files are capped in size, nodes and nesting,
 * all before the document is built (yamldoc_limits).
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "hkdf.h"
#include "log.h"
#include "safefile.h"
#include "yamldoc.h"

#define YAMLDOC_MAX_BYTES	(16U << 20)
#define YAMLDOC_MAX_NODES	2000000
#define YAMLDOC_MAX_DEPTH	64

struct yaml_doc {
	yaml_document_t	 doc;
	char		*path;
	char		 sha256[65];	/* of the bytes parsed */
};

/*
 * Anchors seen so far, with the nodes each stands for once its aliases
 * are expanded: an alias copies none of them (libyaml makes it a second
 * reference to the node), but every walk of the document (a rule's
 * digest, the section digests of a reload, the parsers) goes through it
 * as often as it is referred to, so nine anchors of ten aliases each are
 * billions of nodes to walk, and an alias inside its own anchor a walk
 * that never ends (the process died of its stack).
 */
struct anchors {
	char		**name;
	uint64_t	 *size;
	size_t		  cap, n;
};

static uint64_t
anchor_hash(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of name: its own, or the empty one it would take. */
static size_t
anchor_slot(const struct anchors *a, const char *name)
{
	size_t	i = (size_t)anchor_hash(name) & (a->cap - 1);

	while (a->name[i] != NULL && strcmp(a->name[i], name) != 0)
		i = (i + 1) & (a->cap - 1);
	return i;
}

/*
 * -1 without memory (a unchanged): a rule file is read beside the
 * running set at a reload, whose failure then is the reload's alone.
 */
static int
anchor_set(struct anchors *a, const char *name, uint64_t size)
{
	size_t	i, j, ocap = a->cap;
	char	**oname = a->name, **nname, *copy;
	uint64_t *osize = a->size, *nsize;

	if (2 * (a->n + 1) > a->cap) {
		nname = calloc(ocap ? 2 * ocap : 64, sizeof(*a->name));
		nsize = calloc(ocap ? 2 * ocap : 64, sizeof(*a->size));
		if (nname == NULL || nsize == NULL) {
			free(nname);
			free(nsize);
			return -1;
		}
		a->cap = ocap ? 2 * ocap : 64;
		a->name = nname;
		a->size = nsize;
		for (j = 0; j < ocap; j++)
			if (oname[j] != NULL) {
				i = anchor_slot(a, oname[j]);
				a->name[i] = oname[j];
				a->size[i] = osize[j];
			}
		free(oname);
		free(osize);
	}
	i = anchor_slot(a, name);
	if (a->name[i] == NULL) {
		if ((copy = strdup(name)) == NULL)
			return -1;
		a->name[i] = copy;
		a->n++;
	}
	a->size[i] = size;
	return 0;
}

static int
yamldoc_nomem(const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: no memory to read it: %s", path,
	    strerror(ENOMEM));
	return -1;
}

static void
anchors_clear(struct anchors *a)
{
	size_t	i;

	for (i = 0; i < a->cap; i++)
		free(a->name[i]);
	free(a->name);
	free(a->size);
	memset(a, 0, sizeof(*a));
}

/*
 * Nodes and nesting counted from libyaml's events, before the document
 * is built: a 16 MiB flow sequence of zeros is 8M nodes, 1.35 GB of
 * document before a count of them could refuse it, and libyaml's scanner
 * spends time in proportion to the nesting on every token (2 MB of '['
 * ran for hours). Past either cap: -1 with the place in err. A syntax
 * error ends the count: the load says where.
 */
static int
yamldoc_limits(const char *path, const unsigned char *buf, size_t len,
    char *err, size_t errlen)
{
	yaml_parser_t	 parser;
	yaml_event_t	 ev;
	struct anchors	 anchors = { NULL, NULL, 0, 0 };
	/* Per open collection: its anchor, and where the expanded count
	 * stood at its start (the count at its end less this is its size). */
	char		*open_anchor[YAMLDOC_MAX_DEPTH + 1];
	uint64_t	 open_start[YAMLDOC_MAX_DEPTH + 1], expanded = 0, sz;
	const yaml_char_t *anchor;
	size_t		 nodes = 0, depth = 0, i;
	int		 rc = 0, done = 0;

	if (!yaml_parser_initialize(&parser))
		return yamldoc_nomem(path, err, errlen);
	yaml_parser_set_input_string(&parser, buf, len);
	while (!done && rc == 0 && yaml_parser_parse(&parser, &ev)) {
		anchor = NULL;
		switch (ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (++depth > YAMLDOC_MAX_DEPTH) {
				snprintf(err, errlen, "%s:%zu:%zu: nested deeper "
				    "than %d levels", path,
				    ev.start_mark.line + 1,
				    ev.start_mark.column + 1,
				    YAMLDOC_MAX_DEPTH);
				rc = -1;
				break;
			}
			anchor = ev.type == YAML_SEQUENCE_START_EVENT ?
			    ev.data.sequence_start.anchor :
			    ev.data.mapping_start.anchor;
			open_anchor[depth] = anchor != NULL ?
			    strdup((const char *)anchor) : NULL;
			if (anchor != NULL && open_anchor[depth] == NULL)
				rc = yamldoc_nomem(path, err, errlen);
			open_start[depth] = expanded;
			anchor = NULL;	/* recorded at its end */
			/* FALLTHROUGH */
		case YAML_SCALAR_EVENT:
			if (ev.type == YAML_SCALAR_EVENT)
				anchor = ev.data.scalar.anchor;
			expanded++;
			if (anchor != NULL && rc == 0 && anchor_set(&anchors,
			    (const char *)anchor, 1) != 0)
				rc = yamldoc_nomem(path, err, errlen);
			if (rc == 0 && ++nodes > YAMLDOC_MAX_NODES) {
				snprintf(err, errlen, "%s:%zu:%zu: more than %d "
				    "YAML nodes", path, ev.start_mark.line + 1,
				    ev.start_mark.column + 1,
				    YAMLDOC_MAX_NODES);
				rc = -1;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth == 0)
				break;
			if (open_anchor[depth] != NULL) {
				if (anchor_set(&anchors, open_anchor[depth],
				    expanded - open_start[depth]) != 0)
					rc = yamldoc_nomem(path, err, errlen);
				free(open_anchor[depth]);
			}
			depth--;
			break;
		case YAML_ALIAS_EVENT:
			anchor = ev.data.alias.anchor;
			for (i = 1; i <= depth; i++)
				if (open_anchor[i] != NULL &&
				    strcmp(open_anchor[i],
				    (const char *)anchor) == 0)
					break;
			if (i <= depth) {
				snprintf(err, errlen, "%s:%zu:%zu: alias *%s "
				    "inside the node it names", path,
				    ev.start_mark.line + 1,
				    ev.start_mark.column + 1,
				    (const char *)anchor);
				rc = -1;
				break;
			}
			/* An unknown anchor is libyaml's error, at the load. */
			sz = 1;
			if (anchors.cap > 0) {
				i = anchor_slot(&anchors, (const char *)anchor);
				if (anchors.name[i] != NULL)
					sz = anchors.size[i];
			}
			expanded += sz;
			if (expanded > YAMLDOC_MAX_NODES) {
				snprintf(err, errlen, "%s:%zu:%zu: aliases "
				    "expand to more than %d YAML nodes", path,
				    ev.start_mark.line + 1,
				    ev.start_mark.column + 1,
				    YAMLDOC_MAX_NODES);
				rc = -1;
			}
			break;
		case YAML_DOCUMENT_END_EVENT:
			/* Anchors are a document's own. */
			anchors_clear(&anchors);
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	for (; depth > 0; depth--)
		if (depth <= YAMLDOC_MAX_DEPTH)
			free(open_anchor[depth]);
	anchors_clear(&anchors);
	yaml_parser_delete(&parser);
	return rc;
}

/* The opaque node type of the header is libyaml's node. */
#define N(x)	((yaml_node_t *)(x))

/* One scalar key of a mapping, for the duplicate check. */
struct yamldoc_key {
	const char	*s;
	size_t		 len;
	yaml_node_t	*n;
};

static int
key_cmp(const void *a, const void *b)
{
	const struct yamldoc_key *x = a, *y = b;
	size_t	 m = x->len < y->len ? x->len : y->len;
	int	 c = memcmp(x->s, y->s, m);

	if (c != 0)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	/* Equal keys in document order, so the later one is reported. */
	return x->n->start_mark.index < y->n->start_mark.index ? -1 :
	    x->n->start_mark.index > y->n->start_mark.index;
}

/*
 * libyaml keeps every pair of a mapping, so `limits:` written twice would
 * silently use whichever one the reader met first. A key given twice is
 * refused instead, naming both places. Sorting each mapping's keys keeps
 * this n log n for the largest documents.
 */
static int
check_duplicate_keys(struct yaml_doc *yd, char *err, size_t errlen)
{
	struct yamldoc_key	*keys = NULL;
	size_t			 cap = 0;
	yaml_node_t		*n;
	int			 rc = 0;

	for (n = yd->doc.nodes.start; n < yd->doc.nodes.top && rc == 0; n++) {
		yaml_node_pair_t	*p;
		size_t			 k = 0, i;

		if (n->type != YAML_MAPPING_NODE)
			continue;
		for (p = n->data.mapping.pairs.start;
		    p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *kn = yaml_document_get_node(&yd->doc,
			    p->key);

			if (kn == NULL || kn->type != YAML_SCALAR_NODE)
				continue;
			if (k == cap) {
				struct yamldoc_key *v = reallocarray(keys, cap ?
				    cap * 2 : 16, sizeof(*keys));

				if (v == NULL) {
					free(keys);
					return yamldoc_nomem(yd->path, err,
					    errlen);
				}
				keys = v;
				cap = cap ? cap * 2 : 16;
			}
			keys[k].s = (const char *)kn->data.scalar.value;
			keys[k].len = kn->data.scalar.length;
			keys[k].n = kn;
			k++;
		}
		if (k < 2)
			continue;
		qsort(keys, k, sizeof(*keys), key_cmp);
		for (i = 1; i < k; i++) {
			if (keys[i - 1].len != keys[i].len ||
			    memcmp(keys[i - 1].s, keys[i].s, keys[i].len) != 0)
				continue;
			rc = yamldoc_error(yd, (struct yaml_node_s *)keys[i].n,
			    err, errlen, "key '%.*s' given twice (first at "
			    "line %zu); remove one", (int)(keys[i].len > 64 ?
			    64 : keys[i].len), keys[i].s,
			    keys[i - 1].n->start_mark.line + 1);
			break;
		}
	}
	free(keys);
	return rc;
}

struct yaml_doc *
yamldoc_load(const char *path, char *err, size_t errlen)
{
	struct yaml_doc	*yd;
	yaml_parser_t	 parser;
	struct stat	 sb;
	struct sha256_hex h;
	unsigned char	*buf;
	size_t		 len;
	int		 fd, over;

	/*
	 * Opened as a list file is (safe_open_read): without blocking and a
	 * regular file only, since a FIFO named as the configuration, a
	 * rule file or the catalog stopped -T, a start and a reload waiting
	 * for a writer; a link another user could have planted refused.
	 */
	if ((fd = safe_open_read(path, err, errlen)) < 0)
		return NULL;
	if (fstat(fd, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if ((uint64_t)sb.st_size > YAMLDOC_MAX_BYTES) {
		snprintf(err, errlen, "%s: file larger than %u bytes", path,
		    YAMLDOC_MAX_BYTES);
		close(fd);
		return NULL;
	}
	/*
	 * The file whole, read once: its digest is of the very bytes the
	 * rules came from (a second read would see another file after a
	 * change), both passes over it (the limits, the load) see the same
	 * bytes, and a file growing meanwhile is capped too.
	 */
	buf = (unsigned char *)safe_read_capped(fd, YAMLDOC_MAX_BYTES,
	    &len, &over);
	if (buf == NULL) {
		if (over)
			snprintf(err, errlen, "%s: file larger than %u bytes",
			    path, YAMLDOC_MAX_BYTES);
		else
			snprintf(err, errlen, "%s: cannot read: %s", path,
			    strerror(errno));
		close(fd);
		return NULL;
	}
	close(fd);
	if (yamldoc_limits(path, buf, len, err, errlen) != 0) {
		free(buf);
		return NULL;
	}
	if ((yd = calloc(1, sizeof(*yd))) == NULL ||
	    (yd->path = strdup(path)) == NULL) {
		free(yd);
		free(buf);
		yamldoc_nomem(path, err, errlen);
		return NULL;
	}
	sha256_hex_init(&h);
	sha256_hex_update(&h, buf, len);
	sha256_hex_final(&h, yd->sha256);
	if (!yaml_parser_initialize(&parser)) {
		free(buf);
		free(yd->path);
		free(yd);
		yamldoc_nomem(path, err, errlen);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, buf, len);
	if (!yaml_parser_load(&parser, &yd->doc)) {
		if (parser.error == YAML_MEMORY_ERROR)
			yamldoc_nomem(path, err, errlen);
		else
			snprintf(err, errlen, "%s:%zu:%zu: YAML syntax error: "
			    "%s%s%s", path, parser.problem_mark.line + 1,
			    parser.problem_mark.column + 1,
			    parser.problem ? parser.problem : "unknown",
			    parser.context ? " " : "",
			    parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		free(buf);
		free(yd->path);
		free(yd);
		return NULL;
	}
	yaml_parser_delete(&parser);
	free(buf);
	if (yaml_document_get_root_node(&yd->doc) == NULL) {
		snprintf(err, errlen, "%s:1:1: empty document", path);
		yamldoc_free(yd);
		return NULL;
	}
	if (check_duplicate_keys(yd, err, errlen) != 0) {
		yamldoc_free(yd);
		return NULL;
	}
	return yd;
}

void
yamldoc_free(struct yaml_doc *yd)
{
	if (yd == NULL)
		return;
	yaml_document_delete(&yd->doc);
	free(yd->path);
	free(yd);
}

const char *
yamldoc_sha256(const struct yaml_doc *yd)
{
	return yd->sha256;
}

const char *
yamldoc_path(const struct yaml_doc *yd)
{
	return yd->path;
}

struct yaml_node_s *
yamldoc_root(struct yaml_doc *yd)
{
	return yaml_document_get_root_node(&yd->doc);
}

int
yamldoc_is_map(const struct yaml_node_s *n)
{
	return n != NULL && n->type == YAML_MAPPING_NODE;
}

int
yamldoc_line(const struct yaml_node_s *n)
{
	return n != NULL ? (int)n->start_mark.line + 1 : 0;
}

int
yamldoc_is_seq(const struct yaml_node_s *n)
{
	return n != NULL && n->type == YAML_SEQUENCE_NODE;
}

int
yamldoc_is_scalar(const struct yaml_node_s *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE;
}

const char *
yamldoc_scalar(const struct yaml_node_s *n)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

int
yamldoc_map_next(struct yaml_doc *yd, struct yaml_node_s *map, size_t *i,
    struct yaml_node_s **key, struct yaml_node_s **val)
{
	yaml_node_pair_t	*pair;

	if (!yamldoc_is_map(map))
		return 0;
	pair = map->data.mapping.pairs.start + *i;
	if (pair >= map->data.mapping.pairs.top)
		return 0;
	*key = yaml_document_get_node(&yd->doc, pair->key);
	*val = yaml_document_get_node(&yd->doc, pair->value);
	(*i)++;
	return 1;
}

struct yaml_node_s *
yamldoc_get(struct yaml_doc *yd, struct yaml_node_s *map, const char *key)
{
	struct yaml_node_s	*k, *v;
	size_t			 i = 0;

	while (yamldoc_map_next(yd, map, &i, &k, &v)) {
		const char *s = yamldoc_scalar(k);

		if (s != NULL && strcmp(s, key) == 0)
			return v;
	}
	return NULL;
}

size_t
yamldoc_seq_len(const struct yaml_node_s *n)
{
	if (!yamldoc_is_seq(n))
		return 0;
	return (size_t)(n->data.sequence.items.top -
	    n->data.sequence.items.start);
}

struct yaml_node_s *
yamldoc_seq_at(struct yaml_doc *yd, struct yaml_node_s *n, size_t i)
{
	if (i >= yamldoc_seq_len(n))
		return NULL;
	return yaml_document_get_node(&yd->doc,
	    n->data.sequence.items.start[i]);
}

int
yamldoc_error(const struct yaml_doc *yd, const struct yaml_node_s *n,
    char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;
	char	msg[768];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n != NULL)
		snprintf(err, errlen, "%s:%zu:%zu: %s", yd->path,
		    n->start_mark.line + 1, n->start_mark.column + 1, msg);
	else
		snprintf(err, errlen, "%s: %s", yd->path, msg);
	return -1;
}

static uint64_t
fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char	*b = p;

	while (n-- > 0)
		h = (h ^ *b++) * 1099511628211ULL;
	return h;
}

/*
 * A digest of a node and everything under it: type, scalar bytes with
 * their lengths, mapping pairs in order. Formatting, comments and
 * positions do not count, so moving a rule or re-indenting its file
 * keeps the same digest; any change to what it says does not. The
 * recursion is bounded by the nesting that libyaml accepted.
 */
uint64_t
yamldoc_digest(struct yaml_doc *yd, struct yaml_node_s *n)
{
	uint64_t		 h = 1469598103934665603ULL;
	struct yaml_node_s	*k, *v;
	uint64_t		 len, sub;
	size_t			 i = 0;
	unsigned char		 t;

	if (n == NULL)
		return h;
	t = (unsigned char)n->type;
	h = fnv1a(h, &t, 1);
	switch (n->type) {
	case YAML_SCALAR_NODE:
		len = n->data.scalar.length;
		h = fnv1a(h, &len, sizeof(len));
		h = fnv1a(h, n->data.scalar.value, n->data.scalar.length);
		break;
	case YAML_MAPPING_NODE:
		while (yamldoc_map_next(yd, n, &i, &k, &v)) {
			sub = yamldoc_digest(yd, k);
			h = fnv1a(h, &sub, sizeof(sub));
			sub = yamldoc_digest(yd, v);
			h = fnv1a(h, &sub, sizeof(sub));
		}
		break;
	case YAML_SEQUENCE_NODE:
		for (i = 0; i < yamldoc_seq_len(n); i++) {
			sub = yamldoc_digest(yd, yamldoc_seq_at(yd, n, i));
			h = fnv1a(h, &sub, sizeof(sub));
		}
		break;
	default:
		break;
	}
	return h;
}

/* Levenshtein distance, bounded to short words. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j;
	size_t	row[65];

	if (la > 64 || lb > 64)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t prev = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (a[i - 1] != b[j - 1]);
			size_t best = row[j] + 1 < row[j - 1] + 1 ?
			    row[j] + 1 : row[j - 1] + 1;

			row[j] = sub < best ? sub : best;
			prev = cur;
		}
	}
	return row[lb];
}

const char *
yamldoc_suggest(const char *word, const char *const *cands, size_t n)
{
	const char	*best = NULL;
	size_t		 i, bd = 99, limit;

	limit = strlen(word) / 2 + 1;
	for (i = 0; i < n; i++) {
		size_t d = edit_distance(word, cands[i]);

		if (d < bd) {
			bd = d;
			best = cands[i];
		}
	}
	return bd <= limit ? best : NULL;
}

/* -1 with err if map is not a mapping or has a key not in allowed. */
int
yamldoc_check_keys(struct yaml_doc *yd, struct yaml_node_s *map,
    const char *where, const char *const *allowed, size_t n, char *err,
    size_t errlen)
{
	struct yaml_node_s	*k, *v;
	size_t			 i = 0, j;

	if (!yamldoc_is_map(map))
		return yamldoc_error(yd, map, err, errlen,
		    "%s: expected a mapping", where);
	while (yamldoc_map_next(yd, map, &i, &k, &v)) {
		const char *s = yamldoc_scalar(k), *sug;

		if (s == NULL)
			return yamldoc_error(yd, k, err, errlen,
			    "%s: keys must be plain words", where);
		for (j = 0; j < n; j++)
			if (strcmp(s, allowed[j]) == 0)
				break;
		if (j < n)
			continue;
		sug = yamldoc_suggest(s, allowed, n);
		if (sug != NULL)
			return yamldoc_error(yd, k, err, errlen,
			    "%s: unknown key \"%s\" (did you mean \"%s\"?)",
			    where, s, sug);
		return yamldoc_error(yd, k, err, errlen,
		    "%s: unknown key \"%s\"", where, s);
	}
	return 0;
}
