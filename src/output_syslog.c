/*
 * Local syslog through syslog-ng's client library, libevtlog.
 *
 * Each alert becomes an EVTREC (the signature as description, one tag
 * per alert field), formatted by evt_format as
 *   Signature; key='value', key='value'
 * and sent as one datagram to the configured unix socket (default
 * /dev/log) with the configured facility and the alert's severity.
 * The socket is non-blocking: when it is missing or full the message
 * waits in a small queue that the one-second tick retries; when the
 * queue is full the oldest is dropped and counted. The loop never
 * blocks here.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <evtlog.h>

#include "canhgac.h"

#define QUEUE_MAX	1024
#define DGRAM_MAX	16384

struct syslog_out {
	EVTCONTEXT	*ctx;
	int		 fd;
	struct sockaddr_un sun;
	int		 facility;
	char		*ident;
	char		*queue[QUEUE_MAX];
	size_t		 qlen[QUEUE_MAX];
	size_t		 qhead, qn;
	uint64_t	 sent, queued, retried, dropped, errors;
	int		 last_errno;
};

/* Syslog severities of the contract: critical→crit ... info→info. */
static int
severity_pri(int sev)
{
	switch (sev) {
	case 1: return EVT_PRI_CRIT;
	case 2: return EVT_PRI_ERR;
	case 3: return EVT_PRI_WARNING;
	case 4: return EVT_PRI_NOTICE;
	}
	return EVT_PRI_INFO;
}

struct syslog_out *
syslog_out_new(const struct syslog_conf *sc, char *err, size_t errlen)
{
	struct syslog_out	*o = xcalloc(1, sizeof(*o));

	if (strlen(sc->socket) >= sizeof(o->sun.sun_path)) {
		snprintf(err, errlen, "outputs.syslog.socket: %s: path too "
		    "long", sc->socket);
		free(o);
		return NULL;
	}
	o->sun.sun_family = AF_UNIX;
	snprintf(o->sun.sun_path, sizeof(o->sun.sun_path), "%s", sc->socket);
	o->facility = sc->facility;
	o->ident = xstrdup(sc->ident ? sc->ident : "canhgacd");
	if ((o->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		snprintf(err, errlen, "outputs.syslog: socket: %s",
		    strerror(errno));
		free(o->ident);
		free(o);
		return NULL;
	}
	if ((o->ctx = evt_ctx_init(o->ident, o->facility)) == NULL) {
		snprintf(err, errlen, "outputs.syslog: evt_ctx_init failed");
		close(o->fd);
		free(o->ident);
		free(o);
		return NULL;
	}
	return o;
}

void
syslog_out_free(struct syslog_out *o)
{
	size_t	i;

	if (o == NULL)
		return;
	for (i = 0; i < o->qn; i++)
		free(o->queue[(o->qhead + i) % QUEUE_MAX]);
	evt_ctx_free(o->ctx);
	close(o->fd);
	free(o->ident);
	free(o);
}

/* 0 sent, 1 try later (missing or full socket), -1 refused for good. */
static int
dgram(struct syslog_out *o, const char *msg, size_t len)
{
	if (sendto(o->fd, msg, len, MSG_DONTWAIT, (struct sockaddr *)&o->sun,
	    sizeof(o->sun)) == (ssize_t)len) {
		o->sent++;
		return 0;
	}
	if (errno != o->last_errno)
		log_warn("outputs.syslog: %s", o->sun.sun_path);
	o->last_errno = errno;
	o->errors++;
	if (errno == EMSGSIZE)
		return -1;
	return 1;
}

/* Send what waits, oldest first, until the socket refuses. */
static void
flush_queue(struct syslog_out *o)
{
	while (o->qn > 0) {
		size_t	i = o->qhead;
		int	r = dgram(o, o->queue[i], o->qlen[i]);

		if (r > 0)
			return;
		if (r == 0)
			o->retried++;
		free(o->queue[i]);
		o->queue[i] = NULL;
		o->qhead = (o->qhead + 1) % QUEUE_MAX;
		o->qn--;
	}
	o->last_errno = 0;
}

static void
enqueue(struct syslog_out *o, const char *msg, size_t len)
{
	size_t	i;

	if (o->qn == QUEUE_MAX) {
		free(o->queue[o->qhead]);
		o->qhead = (o->qhead + 1) % QUEUE_MAX;
		o->qn--;
		o->dropped++;
	}
	i = (o->qhead + o->qn) % QUEUE_MAX;
	o->queue[i] = xmalloc(len);
	memcpy(o->queue[i], msg, len);
	o->qlen[i] = len;
	o->qn++;
	o->queued++;
}

void
syslog_out_send(struct syslog_out *o, const struct alert_rec *a)
{
	EVTREC		*e;
	char		*text, msg[DGRAM_MAX], ts[32];
	const char	*desc = "alert";
	time_t		 now = time(NULL);
	struct tm	 tm;
	size_t		 i;
	int		 n, pri = severity_pri(a->severity);

	for (i = 0; i < a->nkv; i++)
		if (strcmp(a->keys[i], "alert.signature") == 0)
			desc = a->vals[i];
	if ((e = evt_rec_init(o->ctx, pri, desc)) == NULL) {
		o->errors++;
		return;
	}
	for (i = 0; i < a->nkv; i++)
		evt_rec_add_tag(e, evt_tag_str(a->keys[i], a->vals[i]));
	text = evt_format(e);
	evt_rec_free(e);
	if (text == NULL) {
		o->errors++;
		return;
	}
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
	n = snprintf(msg, sizeof(msg), "<%d>%s %s[%ld]: %s", o->facility | pri,
	    ts, o->ident, (long)getpid(), text);
	free(text);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	if (o->qn > 0)
		flush_queue(o);
	if (o->qn > 0 || dgram(o, msg, (size_t)n) > 0)
		enqueue(o, msg, (size_t)n);
}

void
syslog_out_tick(struct syslog_out *o)
{
	if (o != NULL && o->qn > 0)
		flush_queue(o);
}

size_t
syslog_out_waiting(const struct syslog_out *o)
{
	return o ? o->qn : 0;
}

void
syslog_out_stats_json(const struct syslog_out *o, struct jsonw *w)
{
	jw_obj_open(w, "syslog");
	jw_str(w, "socket", o->sun.sun_path);
	jw_uint(w, "sent", o->sent);
	jw_uint(w, "queued", o->queued);
	jw_uint(w, "retried", o->retried);
	jw_uint(w, "waiting", o->qn);
	jw_uint(w, "dropped", o->dropped);
	jw_uint(w, "errors", o->errors);
	jw_obj_close(w);
}
