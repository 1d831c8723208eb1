/*
 * selftest.c: the self-test of the live rule set. Each active rule's
 * cases (captures installed with the rules, sensor.selftest_cases) run
 * through a separate instance of the running configuration and rule
 * set, in a thread, with the case's asset bindings overlaid; the result
 * per rule (pass, fail, untested) is recorded with the rule set's
 * digest in the history and shown by `canhgacctl selftest`.
 */
#ifndef CANHGAC_SELFTEST_H
#define CANHGAC_SELFTEST_H

#include <stddef.h>

struct json_t;
struct sensor;

#define SELFTEST_RULES_MAX	4096	/* rules a result names */
#define SELFTEST_MANIFEST_MAX	(1 << 20)	/* bytes */
#define SELFTEST_CASES_MAX	4096
#define SELFTEST_CASE_MAX	(16 << 20)	/* bytes of one capture */

/*
 * done(arg, result, err) from the loop when the run that began after
 * the request ends: result {"digest", "time", "pass", "fail",
 * "untested", "rules": {SID: "pass"|"fail"|"untested"}, "details":
 * {SID: {...}}} (borrowed), or NULL and err.
 */
typedef void (*selftest_cb)(void *arg, const struct json_t *result,
    const char *err);
void	 selftest_request(struct sensor *, selftest_cb, void *arg);
/* Do not call done for arg (it is going away). */
void	 selftest_forget(struct sensor *, void *arg);
/* The last result, or NULL. */
const struct json_t *selftest_last(const struct sensor *);
/* The subsystem: the first run at start; shutdown waits for a run. */
int	 selftest_init(struct sensor *, char *err, size_t errlen);
void	 selftest_shutdown(struct sensor *);

#endif /* CANHGAC_SELFTEST_H */
