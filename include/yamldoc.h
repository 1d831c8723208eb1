/*
 * yamldoc.c: libyaml documents with positions for FILE:LINE:COLUMN errors.
 */
#ifndef CANHGAC_YAMLDOC_H
#define CANHGAC_YAMLDOC_H

#include <stddef.h>
#include <stdint.h>

struct yaml_doc;
struct yaml_node_s;
struct yaml_doc *yamldoc_load(const char *path, char *err, size_t errlen);
void	 yamldoc_free(struct yaml_doc *);
const char *yamldoc_path(const struct yaml_doc *);
/* SHA-256 (hex) of the bytes parsed, "" if it could not be computed. */
const char *yamldoc_sha256(const struct yaml_doc *);
struct yaml_node_s *yamldoc_root(struct yaml_doc *);
int	 yamldoc_is_map(const struct yaml_node_s *);
int	 yamldoc_line(const struct yaml_node_s *);
int	 yamldoc_is_seq(const struct yaml_node_s *);
int	 yamldoc_is_scalar(const struct yaml_node_s *);
/* A scalar's text (NUL-terminated by libyaml), or NULL. */
const char *yamldoc_scalar(const struct yaml_node_s *);
/* The value under key in a mapping, or NULL. */
struct yaml_node_s *yamldoc_get(struct yaml_doc *, struct yaml_node_s *,
	    const char *key);
/* Iterate a mapping: *i starts at 0; returns 0 at the end. */
int	 yamldoc_map_next(struct yaml_doc *, struct yaml_node_s *, size_t *i,
	    struct yaml_node_s **key, struct yaml_node_s **val);
size_t	 yamldoc_seq_len(const struct yaml_node_s *);
struct yaml_node_s *yamldoc_seq_at(struct yaml_doc *, struct yaml_node_s *,
	    size_t);
/* Format "FILE:LINE:COLUMN: message" for node into err; returns -1. */
/* Digest of a node and its subtree (what it says, not where). */
uint64_t yamldoc_digest(struct yaml_doc *, struct yaml_node_s *);
int	 yamldoc_error(const struct yaml_doc *, const struct yaml_node_s *,
	    char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* The closest of candidates to word (edit distance), or NULL. */
const char *yamldoc_suggest(const char *word, const char *const *cands,
	    size_t n);

/* Refuse a key of map not in allowed (where: its name), suggesting one. */
int	 yamldoc_check_keys(struct yaml_doc *, struct yaml_node_s *map,
	    const char *where, const char *const *allowed, size_t n,
	    char *err, size_t errlen);

#endif /* CANHGAC_YAMLDOC_H */
