/*
 * compliance.c: coverage per control of the catalog at a level (0: the
 * configured one), as a JSON object. evidence is what the running daemon
 * shows (uptime, interfaces, outputs, reload), or NULL offline.
 * compliance_render.c: the report as text, json or html.
 */
#ifndef CANHGAC_COMPLIANCE_H
#define CANHGAC_COMPLIANCE_H

#include <stddef.h>
#include <stdio.h>

struct config;
struct ruleset;
struct json_t;

struct json_t *compliance_report(const struct config *,
	    const struct ruleset *, struct json_t *evidence, int level,
	    char *err, size_t errlen);
/* SHA-256 naming the rule set: config, catalog, rule and list files. */
void	 compliance_digest(const struct config *, const struct ruleset *,
	    char out[65]);
/* compliance_render.c: format text, json or html; vi for Vietnamese. */
int	 compliance_render(struct json_t *, const char *format, int vi,
	    FILE *);
/*
 * The report's period from --since: an ISO date (2025-01-02, local
 * midnight), date-time (2025-01-02T08:00, local; Z or +07:00 exact) or
 * an age (90s, 15m, 12h, 7d). Unix seconds, or -1 with err set.
 */
long long compliance_parse_since(const char *, long long now, char *err,
	    size_t errlen);

#endif /* CANHGAC_COMPLIANCE_H */
