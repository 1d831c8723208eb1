/*
 * The alert outputs beyond the JSON log: local syslog and the remote
 * destinations. alert.c hands each finished JSON line here; it is
 * flattened once into key=value pairs (jsonflat.c: nested keys joined
 * by '.', arrays by ','), so that every output carries the same fields
 * with the same names as the JSON record.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "alert.h"
#include "conf.h"
#include "jsonflat.h"
#include "jsonw.h"
#include "output.h"
#include "xmalloc.h"

#define KV_MAX		128
#define KV_BUF		32768

struct outputs {
	struct syslog_out *syslog;
	struct remote	*remote[REMOTE_MAX];
	int		 nremote;
	struct event_base *base;
	int		 syslog_done;
	void		(*drain_cb)(void *);
	void		*drain_arg;
	uint64_t	 flatten_errors;
	int		 sink;		/* registered with alert.c */
	/* The flattened alert. */
	const char	*keys[KV_MAX], *vals[KV_MAX];
	char		 buf[KV_BUF];
};

/* Every alert alert.c finishes, registered as its sink. */
static void
outputs_sink(void *ctx, const struct alert_rec *a)
{
	outputs_alert(ctx, a);
}

struct outputs *
outputs_new(struct event_base *base, const struct config *conf, char *err,
    size_t errlen)
{
	struct outputs	*o = xcalloc(1, sizeof(*o));
	int		 i;

	o->base = base;
	if (conf->syslog != NULL &&
	    (o->syslog = syslog_out_new(base, conf->syslog, err, errlen)) == NULL)
		goto fail;
	for (i = 0; i < conf->nremote; i++) {
		o->remote[i] = remote_new(base, &conf->remote[i],
		    conf->sensor_name, err, errlen);
		if (o->remote[i] == NULL)
			goto fail;
		o->nremote++;
	}
	if (alert_sink_add(outputs_sink, o) != 0) {
		snprintf(err, errlen, "outputs: too many alert consumers");
		goto fail;
	}
	o->sink = 1;
	return o;
fail:
	outputs_free(o);
	return NULL;
}

void
outputs_free(struct outputs *o)
{
	int	i;

	if (o == NULL)
		return;
	if (o->sink)
		alert_sink_remove(outputs_sink, o);
	syslog_out_free(o->syslog);
	for (i = 0; i < o->nremote; i++)
		remote_free(o->remote[i]);
	free(o);
}

void
outputs_alert(struct outputs *o, const struct alert_rec *a)
{
	struct alert_rec r = *a;
	int		 i, n;

	if (o == NULL || (o->syslog == NULL && o->nremote == 0))
		return;
	n = json_flatten(a->json, a->len, o->keys, o->vals, KV_MAX, o->buf,
	    sizeof(o->buf));
	if (n < 0) {
		o->flatten_errors++;
		return;
	}
	r.keys = o->keys;
	r.vals = o->vals;
	r.nkv = (size_t)n;
	if (o->syslog != NULL)
		syslog_out_send(o->syslog, &r);
	for (i = 0; i < o->nremote; i++)
		remote_send(o->remote[i], &r);
}

static void drained_one(void *);

static void
syslog_drained(void *arg)
{
	struct outputs	*o = arg;

	o->syslog_done = 1;
	drained_one(o);
}

static void
drained_one(void *arg)
{
	struct outputs	*o = arg;
	int		 i;

	if (!o->syslog_done)
		return;
	for (i = 0; i < o->nremote; i++)
		if (!remote_drained(o->remote[i]))
			return;
	if (o->drain_cb != NULL) {
		void (*cb)(void *) = o->drain_cb;

		o->drain_cb = NULL;
		cb(o->drain_arg);
	}
}

void
outputs_drain(struct outputs *o, void (*cb)(void *), void *arg)
{
	int	i;

	if (o == NULL || (o->nremote == 0 && o->syslog == NULL)) {
		cb(arg);
		return;
	}
	o->drain_cb = cb;
	o->drain_arg = arg;
	o->syslog_done = o->syslog == NULL;
	for (i = 0; i < o->nremote; i++)
		remote_drain(o->remote[i], drained_one, o);
	if (o->syslog != NULL)
		syslog_out_drain(o->syslog, syslog_drained, o);
}

void
outputs_tick(struct outputs *o)
{
	int	i;

	if (o == NULL)
		return;
	for (i = 0; i < o->nremote; i++)
		remote_tick(o->remote[i]);
}

uint64_t
outputs_dropped(const struct outputs *o)
{
	uint64_t	n;
	int		i;

	if (o == NULL)
		return 0;
	/* An alert that cannot be flattened reaches no output but the log. */
	n = o->flatten_errors + syslog_out_dropped(o->syslog);
	for (i = 0; i < o->nremote; i++)
		n += remote_dropped(o->remote[i]);
	return n;
}

const struct syslog_out *
outputs_syslog(const struct outputs *o)
{
	return o ? o->syslog : NULL;
}

uint64_t
outputs_unformattable(const struct outputs *o)
{
	return o ? o->flatten_errors : 0;
}

int
outputs_nremote(const struct outputs *o)
{
	return o ? o->nremote : 0;
}

const struct remote *
outputs_remote(const struct outputs *o, int i)
{
	return o != NULL && i >= 0 && i < o->nremote ? o->remote[i] : NULL;
}
