/*
 * alert.c: the alert record, written to the JSON log and --alerts, and
 * handed to every registered sink (outputs, the status socket's ring).
 */
#ifndef CANHGAC_ALERT_H
#define CANHGAC_ALERT_H

#include <stddef.h>
#include <stdint.h>

struct alert_out;
struct alert_rec;
struct config;
struct flow;
struct match_ctx;
struct rule;
struct thr_result;

struct alert_out *alert_out_new(const struct config *, const char *stdout_path,
	    char *err, size_t errlen);
void	 alert_out_free(struct alert_out *);
/*
 * A worker's alerts, queued on q to the loop thread; there each is
 * written and handed on by alert_out_take. block: a full queue waits
 * (a replay); else the alert is counted in alert_out_lost.
 */
struct ring;
struct alert_out *alert_out_queue(struct ring *q, int block);
void	 alert_out_take(struct alert_out *, const struct config *,
	    const void *rec, size_t len);
uint64_t alert_out_lost(const struct alert_out *);
void	 alert_out_reopen(struct alert_out *);
int	 alert_out_retarget(struct alert_out *, const struct config *,
	    char *err, size_t errlen);
void	 alert_out_flush(struct alert_out *);
void	 alert_out_drain(struct alert_out *);
/* Where a batch of packets ends: write the lines now unless busy (more
 * packets waiting) and they are few and recent. */
void	 alert_out_batch_end(struct alert_out *, int busy);
uint64_t alert_out_count(const struct alert_out *);
uint64_t alert_out_errors(const struct alert_out *);
/* Write one alert for rule r on event ctx with the threshold outcome. */
void	 alert_emit(struct alert_out *, const struct config *,
	    const struct rule *, const struct match_ctx *,
	    const struct thr_result *);
/*
 * The members of an alert's "alert" object that are the rule's alone
 * (signature_id to controls) in language lang, as alert_emit writes
 * them; rules_load keeps them in the rule. free() it; NULL if too long
 * or without memory.
 */
char	*alert_rule_members(const struct rule *, int lang, size_t *len);
/*
 * A piece of a TCP direction the payload rules saw (n bytes at p): st,
 * the direction's flow->cred, becomes where the starring of credentials
 * in an excerpt stands after it, for the next piece's excerpt.
 */
void	 alert_cred_advance(uint8_t *st, const uint8_t *p, size_t n);
/*
 * Star the credentials in ex, the nex characters of an excerpt made from
 * p (plen bytes, read past the excerpt for a URL's '@'), whose first cut
 * bytes were carried from the pieces before (pmatch_view; 0: none) and
 * whose piece starts where st (flow->cred) says.
 */
void	 alert_cred_hide(char *ex, size_t nex, const uint8_t *p, size_t plen,
	    size_t cut, uint8_t st);

/*
 * A consumer of every alert: called with the finished record, in the
 * order of registration. Register at start, remove at stop; -1 when
 * ALERT_SINKS_MAX are registered.
 */
typedef void (*alert_sink_fn)(void *ctx, const struct alert_rec *);
int	 alert_sink_add(alert_sink_fn, void *ctx);
void	 alert_sink_remove(alert_sink_fn, void *ctx);

/* alert_text.c: message and advice templates, {placeholder} by name. */
int	 alert_placeholder_known(const char *);
const char *const *alert_placeholder_names(size_t *);
struct alert_tmpl;
/* free() it; NULL without memory. */
struct alert_tmpl *alert_tmpl_compile(const char *);
/* Values the alert's line already holds as text, for the templates
 * that name them again (NULL: formatted anew). */
struct alert_known {
	const char	*src_ip, *dst_ip;
	size_t		 src_ip_len, dst_ip_len;
};
size_t	 alert_expand(const struct alert_tmpl *, const struct config *,
	    const struct rule *,
	    const struct match_ctx *, const struct thr_result *,
	    const struct alert_known *, char *, size_t);
int	 alert_flow_cid(const struct flow *, char *, size_t);

#endif /* CANHGAC_ALERT_H */
