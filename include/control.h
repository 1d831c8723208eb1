/*
 * control.c: the status socket (ctl-protocol.h).
 */
#ifndef CANHGAC_CONTROL_H
#define CANHGAC_CONTROL_H

#include <stddef.h>

#include "flow.h"

struct sensor;
struct evbuffer;
struct alert_rec;

struct control_ops {
	int	(*reload)(struct sensor *, char *err, size_t errlen);
	void	(*stop)(struct sensor *, enum flow_end_reason);
};
/* Listen on outputs.status.socket, if configured; s->control holds it. */
int	 control_init(struct sensor *, const struct control_ops *,
	    char *err, size_t errlen);
void	 control_shutdown(struct sensor *);
/* Requests in buf as a local client would send them; answers go to out. */
void	 control_feed(struct sensor *, const char *buf, size_t len, int admin,
	    struct evbuffer *out);
/* The status socket's alert sink (ctx: its struct control): keep the
 * alert in the ring and stream it to follow clients. */
void	 control_alert(void *ctx, const struct alert_rec *);

#endif /* CANHGAC_CONTROL_H */
