/*
 * control.c, control_cmd.c, control_list.c: the status socket
 * (ctl-protocol.h); their shared internals are control-internal.h.
 */
#ifndef CANHGAC_CONTROL_H
#define CANHGAC_CONTROL_H

#include <stddef.h>

#include "flow.h"

struct sensor;
struct evbuffer;
struct alert_rec;
struct json_t;

struct control_ops {
	/* Reload; done(arg, ok, err) from the loop once it ended. */
	void	(*reload)(struct sensor *, void (*done)(void *, int,
		    const char *), void *arg);
	void	(*reload_forget)(struct sensor *, void *arg);
	void	(*stop)(struct sensor *, enum flow_end_reason);
	/* The statistics snapshot (stats.h), with control_stats in it. */
	struct json_t *(*stats)(struct sensor *);
	/* The self-test; done(arg, result, err) from the loop (selftest.h). */
	void	(*selftest)(struct sensor *, void (*done)(void *,
		    const struct json_t *, const char *), void *arg);
	void	(*selftest_forget)(struct sensor *, void *arg);
};
/* Ready outputs.status.socket, if configured (a stale socket removed,
 * a live one refused); s->control holds it. control_listen binds it,
 * once the rest of the sensor has started. */
int	 control_init(struct sensor *, const struct control_ops *,
	    char *err, size_t errlen);
int	 control_listen(struct sensor *, char *err, size_t errlen);
void	 control_shutdown(struct sensor *);
/* Requests in buf as a local client would send them; answers go to out. */
void	 control_feed(struct sensor *, const char *buf, size_t len, int admin,
	    struct evbuffer *out);
/* Add the status socket's counters (control, outputs.status) to snap. */
void	 control_stats(struct sensor *, struct json_t *snap);
/* The status socket's alert sink (ctx: its struct control): keep the
 * alert in the ring and stream it to follow clients. */
void	 control_alert(void *ctx, const struct alert_rec *);

#endif /* CANHGAC_CONTROL_H */
