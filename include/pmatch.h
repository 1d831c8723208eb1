/*
 * pmatch.c: payload rules across the pieces of a TCP direction.
 *
 * A payload regex runs over each in-order piece of a direction's
 * inspected stream (sensor_payload) once, never the stream again: with
 * PCRE2_PARTIAL_HARD, a match cut by the end of a piece is carried over
 * (its bytes from the partial start, less the pattern's longest
 * lookbehind, at most PMATCH_CARRY) and completed against the next
 * piece. A rule's min_count counts matches over the pieces of one flow
 * direction; when it is reached the rule matches, once, at that piece,
 * and the count and carry start again from nothing after it.
 *
 * Such state (a carry or a count short of min_count) lives in slots of
 * one pool sized at start from stream.match_memcap, only while needed;
 * at the cap the slot used longest ago is taken (evicted, counted).
 * Slots are keyed by flow, direction, rule and rule-set generation: a
 * reload to another rule set drops them all. Lost data (PKT_GAP) drops
 * the flow direction's carries, not its counts.
 */
#ifndef CANHGAC_PMATCH_H
#define CANHGAC_PMATCH_H

#include <stddef.h>
#include <stdint.h>

struct flow;
struct jsonw;

#define PMATCH_CARRY	256	/* bytes a slot carries into the next piece */
#define PMATCH_VIEW	128	/* bytes kept for an alert's excerpt */

#define PMATCH_COUNTERS(X)						\
	X(ACROSS, "match_across")	/* matches spanning pieces */	\
	X(CARRIED, "match_carried")	/* partial matches carried over */ \
	X(TOO_LONG, "match_too_long")	/* partials longer than the carry */ \
	X(EVICTED, "match_evicted")	/* slots taken at the memcap */	\
	X(USED, "match_states")		/* slots in use now */		\
	X(MAX, "match_states_max")	/* slots in the pool */

enum pmatch_counter {
#define X(id, name) PMC_##id,
	PMATCH_COUNTERS(X)
#undef X
	PMC_NCOUNTERS
};

/* What pmatch_scan needs of a payload rule. */
struct pmatch_rule {
	const void	*key;		/* names the rule in the slots */
	void		*re;		/* pcre2_code, JIT'd for partial hard */
	uint32_t	 min;		/* min_count */
	uint16_t	 lookbehind;	/* PCRE2_INFO_MAXLOOKBEHIND */
	uint8_t		 empty_partial;	/* an empty subject is a partial */
};

struct pmatch;
/* memcap in bytes: the slots (at least 64 of them). */
struct pmatch *pmatch_new(uint64_t memcap);
void	 pmatch_free(struct pmatch *);
/*
 * Scan the next piece p of f's direction dir for rule r, carrying on
 * from the pieces before. more: the direction may go on after p (0 when
 * it ends there, or the rule's max_bytes does; len 0 with more 0 decides
 * what is carried, as the direction's last bytes). Returns 1 when the matches counted
 * reach r->min with this piece, 0 when not, the PCRE2 error when the
 * regex failed (limits.regex_*); either way the slot is gone then. md and mc are the rule set's match data and context.
 */
int	 pmatch_scan(struct pmatch *, struct flow *f, int dir, uint32_t gen,
	    const struct pmatch_rule *r, const uint8_t *p, size_t len,
	    int more, void *md, void *mc);
/*
 * The first bytes of the subject the last match of key was found in,
 * when it began with a carry (the carry, then the piece): the alert's
 * excerpt then shows a number cut by the boundary whole, to be masked.
 * cut (may be NULL): how many of them were carried; from (may be NULL):
 * where in the piece the bytes after them are. 0 when none.
 */
int	 pmatch_view(const struct pmatch *, const void *key,
	    const uint8_t **p, size_t *len, size_t *cut, size_t *from);
/* Data was lost before the next piece of f's direction dir. */
void	 pmatch_gap(struct pmatch *, struct flow *f, int dir);
/* The flow ends: its slots go back to the pool. */
void	 pmatch_flow_release(struct pmatch *, struct flow *f);
uint64_t pmatch_counter(const struct pmatch *, enum pmatch_counter);
const char *pmatch_counter_name(enum pmatch_counter);

#endif
