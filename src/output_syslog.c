/*
 * Local syslog in libevtlog's key-value format:
 *   <PRI>Mmm dd hh:mm:ss ident[pid]: Signature; key='value', key='value'
 * one datagram per alert to the configured unix socket (default
 * /dev/log), with the configured facility and the alert's severity.
 *
 * The format is written here, not by libevtlog's evt_format: that one
 * escapes ' but not \, so a value ending in a backslash ended its own
 * quoting and an attacker's "', src_ip='..." became fields at the
 * collector's kv-parser. Values are escaped exactly as syslog-ng's
 * kv-parser (str-repr) decodes them; the description, which comes before
 * the pairs and may carry hostile text through message placeholders,
 * keeps no '=' that the parser could take for a key.
 *
 * Delivery never holds the event loop: the socket is non-blocking; what
 * it does not take (no listener, full socket buffer) waits in a bounded
 * byte ring, retried on a timer with exponential backoff; when the ring
 * is full the oldest alert is dropped and counted. At exit the waiting
 * alerts get as long as the listener keeps taking them, and are counted
 * as dropped when there is no listener or it stops reading.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "jsonw.h"
#include "log.h"
#include "output.h"
#include "util.h"
#include "xmalloc.h"

#define RING_BYTES	(1u << 20)	/* waiting alerts, with 4-byte lengths */
#define DGRAM_MAX	16384
#define BACKOFF_MIN	10000		/* usec */
#define BACKOFF_MAX	1000000
#define DRAIN_STALL	1000000		/* exit: give up after this long stuck */

struct syslog_out {
	struct event_base *base;
	struct event	*ev_retry;
	int		 fd;
	struct sockaddr_un sun;
	int		 facility;
	char		*ident;
	/* Waiting alerts: [uint32 length][bytes], oldest at head. */
	char		*ring;
	size_t		 rhead, rused, rn;
	uint64_t	 backoff;	/* usec; 0: the retry timer is idle */
	int		 overflowing;	/* logged the first drop of an outage */
	void		(*drain_cb)(void *);
	void		*drain_arg;
	uint64_t	 drain_progress;	/* when the last one went out */
	uint64_t	 sent, queued, retried, dropped, errors;
	int		 last_errno;	/* 0 once a send works again */
	int		 last_error;	/* kept, for status */
	char		 msg[DGRAM_MAX];
};

static void	on_retry(evutil_socket_t, short, void *);

/* Syslog severities of the contract: critical→crit ... info→info. */
static int
severity_pri(int sev)
{
	switch (sev) {
	case 1: return LOG_CRIT;
	case 2: return LOG_ERR;
	case 3: return LOG_WARNING;
	case 4: return LOG_NOTICE;
	}
	return LOG_INFO;
}

struct syslog_out *
syslog_out_new(struct event_base *base, const struct syslog_conf *sc,
    char *err, size_t errlen)
{
	struct syslog_out	*o = xcalloc(1, sizeof(*o));

	if (strlen(sc->socket) >= sizeof(o->sun.sun_path)) {
		snprintf(err, errlen, "outputs.syslog.socket: %s: path too "
		    "long", sc->socket);
		free(o);
		return NULL;
	}
	o->base = base;
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
	o->ring = xmalloc(RING_BYTES);
	o->ev_retry = evtimer_new(base, on_retry, o);
	return o;
}

void
syslog_out_free(struct syslog_out *o)
{
	if (o == NULL)
		return;
	if (o->ev_retry != NULL)
		event_free(o->ev_retry);
	close(o->fd);
	free(o->ring);
	free(o->ident);
	free(o);
}

/* The ring, byte-wise with wrap-around. */
static void
ring_in(struct syslog_out *o, size_t off, const void *src, size_t n)
{
	size_t	at = off % RING_BYTES, first = RING_BYTES - at;

	if (first > n)
		first = n;
	memcpy(o->ring + at, src, first);
	memcpy(o->ring, (const char *)src + first, n - first);
}

static void
ring_out(const struct syslog_out *o, size_t off, void *dst, size_t n)
{
	size_t	at = off % RING_BYTES, first = RING_BYTES - at;

	if (first > n)
		first = n;
	memcpy(dst, o->ring + at, first);
	memcpy((char *)dst + first, o->ring, n - first);
}

/* The oldest waiting message as one or two pieces; its length. */
static size_t
ring_peek(const struct syslog_out *o, struct iovec iov[2], int *niov)
{
	uint32_t	len;
	size_t		at, first;

	ring_out(o, o->rhead, &len, sizeof(len));
	at = (o->rhead + sizeof(len)) % RING_BYTES;
	first = RING_BYTES - at < len ? RING_BYTES - at : len;
	iov[0].iov_base = o->ring + at;
	iov[0].iov_len = first;
	iov[1].iov_base = o->ring;
	iov[1].iov_len = len - first;
	*niov = first < len ? 2 : 1;
	return len;
}

static void
ring_pop(struct syslog_out *o)
{
	uint32_t	len;

	ring_out(o, o->rhead, &len, sizeof(len));
	o->rhead = (o->rhead + sizeof(len) + len) % RING_BYTES;
	o->rused -= sizeof(len) + len;
	o->rn--;
}

static void
ring_push(struct syslog_out *o, const char *msg, size_t len)
{
	uint32_t	l = (uint32_t)len;

	while (RING_BYTES - o->rused < sizeof(l) + len) {
		if (!o->overflowing++)
			log_warnx("outputs.syslog: %s: %zu alerts waiting "
			    "fill the queue; dropping the oldest",
			    o->sun.sun_path, o->rn);
		ring_pop(o);
		o->dropped++;
	}
	ring_in(o, o->rhead + o->rused, &l, sizeof(l));
	ring_in(o, o->rhead + o->rused + sizeof(l), msg, len);
	o->rused += sizeof(l) + len;
	o->rn++;
	o->queued++;
}

/* Errors that mean a listener exists but is busy. */
static int
busy_errno(int e)
{
	return e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS || e == EINTR;
}

/* 0 sent, 1 try later, -1 refused for good (too long for the socket). */
static int
dgram(struct syslog_out *o, struct iovec *iov, int niov)
{
	struct msghdr	mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &o->sun;
	mh.msg_namelen = sizeof(o->sun);
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)niov;
	if (sendmsg(o->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
		o->sent++;
		if (o->last_errno != 0)
			log_info("outputs.syslog: %s: delivering again",
			    o->sun.sun_path);
		o->last_errno = 0;
		o->overflowing = 0;
		return 0;
	}
	if (errno != o->last_errno)
		log_warn("outputs.syslog: %s", o->sun.sun_path);
	o->last_errno = o->last_error = errno;
	o->errors++;
	if (errno == EMSGSIZE) {
		o->dropped++;
		return -1;
	}
	return 1;
}

static void
schedule(struct syslog_out *o, int progress)
{
	struct timeval	tv;

	if (progress || o->backoff == 0)
		o->backoff = BACKOFF_MIN;
	else if ((o->backoff *= 2) > BACKOFF_MAX)
		o->backoff = BACKOFF_MAX;
	tv.tv_sec = (time_t)(o->backoff / 1000000);
	tv.tv_usec = (suseconds_t)(o->backoff % 1000000);
	evtimer_add(o->ev_retry, &tv);
}

/* Send what waits, oldest first, until the socket refuses; 1 on progress. */
static int
flush_ring(struct syslog_out *o)
{
	struct iovec	iov[2];
	int		niov, r, progress = 0;

	while (o->rn > 0) {
		ring_peek(o, iov, &niov);
		if ((r = dgram(o, iov, niov)) > 0)
			break;
		if (r == 0)
			o->retried++;
		ring_pop(o);
		progress = 1;
	}
	return progress;
}

static void
drain_done(struct syslog_out *o)
{
	void	(*cb)(void *) = o->drain_cb;

	if (o->rn > 0) {
		log_warnx("outputs.syslog: %s: %zu alert(s) not delivered at "
		    "exit (%s)", o->sun.sun_path, o->rn, busy_errno(
		    o->last_errno) ? "the listener stopped reading" :
		    strerror(o->last_errno));
		o->dropped += o->rn;
		o->rn = o->rused = o->rhead = 0;
	}
	o->drain_cb = NULL;
	cb(o->drain_arg);
}

static void
on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct syslog_out	*o = arg;
	int			 progress;
	uint64_t		 now;

	(void)fd;
	(void)what;
	progress = flush_ring(o);
	if (o->drain_cb != NULL) {
		now = util_mono_usec();
		if (progress)
			o->drain_progress = now;
		/* No listener, or one that stopped reading: nothing to wait for. */
		if (o->rn == 0 || !busy_errno(o->last_errno) ||
		    now - o->drain_progress >= DRAIN_STALL) {
			drain_done(o);
			return;
		}
	}
	if (o->rn == 0) {
		o->backoff = 0;
		return;
	}
	schedule(o, progress);
}

/* Format the alert into o->msg; 0 when it does not fit. */
static size_t	format_alert(struct syslog_out *, const struct alert_rec *);

void
syslog_out_send(struct syslog_out *o, const struct alert_rec *a)
{
	struct iovec	iov;
	size_t		n;

	if ((n = format_alert(o, a)) == 0) {
		o->errors++;
		o->dropped++;
		if (o->last_errno != EMSGSIZE)
			log_warnx("outputs.syslog: an alert longer than %d "
			    "bytes was dropped", DGRAM_MAX);
		o->last_errno = o->last_error = EMSGSIZE;
		return;
	}
	/* Something waits: keep the order, the timer is already set. */
	if (o->rn > 0) {
		ring_push(o, o->msg, n);
		return;
	}
	iov.iov_base = o->msg;
	iov.iov_len = n;
	if (dgram(o, &iov, 1) > 0) {
		ring_push(o, o->msg, n);
		if (o->drain_cb == NULL)
			schedule(o, 0);
	}
}

void
syslog_out_drain(struct syslog_out *o, void (*cb)(void *), void *arg)
{
	o->drain_cb = cb;
	o->drain_arg = arg;
	o->drain_progress = util_mono_usec();
	evtimer_del(o->ev_retry);
	o->backoff = 0;
	on_retry(-1, 0, o);
}

uint64_t
syslog_out_dropped(const struct syslog_out *o)
{
	return o ? o->dropped : 0;
}

void
syslog_out_stats(const struct syslog_out *o, struct syslog_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->socket = o->sun.sun_path;
	st->state = o->rn > 0 ? "retrying" : o->last_errno != 0 &&
	    o->last_errno != EMSGSIZE ? "down" : "delivering";
	st->last_error = o->last_error ? strerror(o->last_error) : NULL;
	st->sent = o->sent;
	st->queued = o->queued;
	st->retried = o->retried;
	st->waiting = o->rn;
	st->dropped = o->dropped;
	st->errors = o->errors;
}

/*
 * The formatter. A bounded writer: once it runs out of room it keeps
 * counting nothing and the message is refused whole, never cut inside
 * a quoted value.
 */
struct fmt {
	char	*p;
	size_t	 n, room;
	int	 full;
};

static void
fmt_put(struct fmt *f, const char *s, size_t n)
{
	if (f->full || n > f->room - f->n) {
		f->full = 1;
		return;
	}
	memcpy(f->p + f->n, s, n);
	f->n += n;
}

static void
fmt_hex(struct fmt *f, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char	e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] };

	fmt_put(f, e, sizeof(e));
}

/*
 * A value between single quotes, as syslog-ng's kv-parser decodes it:
 * inside quotes it turns \\ \' \n \r \t \b \f back into one byte and
 * keeps every other byte as it is (UTF-8 included).
 */
static void
fmt_value(struct fmt *f, const char *v)
{
	const char	*run = v;
	char		 e[2] = { '\\', 0 };

	for (; *v; v++) {
		switch (*v) {
		case '\\': e[1] = '\\'; break;
		case '\'': e[1] = '\''; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		default: continue;
		}
		fmt_put(f, run, (size_t)(v - run));
		fmt_put(f, e, 2);
		run = v + 1;
	}
	fmt_put(f, run, (size_t)(v - run));
}

/*
 * The description, for people: the kv-parser finds keys by '=' anywhere
 * in the message, so '=' (and control bytes, and libevtlog's ';' that
 * ends the description) are written as \xNN / \; and never read as a key.
 */
static void
fmt_desc(struct fmt *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '=')
			fmt_hex(f, c);
		else if (c == ';' || c == '\\') {
			fmt_put(f, "\\", 1);
			fmt_put(f, s, 1);
		} else
			fmt_put(f, s, 1);
	}
}

/* A key the kv-parser reads back whole (letters, digits, _ - .). */
static int
valid_key(const char *k)
{
	if (*k == '\0')
		return 0;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		    (*k >= '0' && *k <= '9') || *k == '_' || *k == '-' ||
		    *k == '.'))
			return 0;
	return 1;
}

size_t
syslog_kv_format(char *buf, size_t len, const char *desc,
    const char *const *keys, const char *const *vals, size_t n)
{
	struct fmt	 f = { buf, 0, len, 0 };
	size_t		 i;
	int		 first = 1;

	fmt_desc(&f, desc);
	fmt_put(&f, ";", 1);
	for (i = 0; i < n; i++) {
		if (!valid_key(keys[i]))
			continue;
		fmt_put(&f, first ? " " : ", ", first ? 1 : 2);
		first = 0;
		fmt_put(&f, keys[i], strlen(keys[i]));
		fmt_put(&f, "='", 2);
		fmt_value(&f, vals[i]);
		fmt_put(&f, "'", 1);
	}
	return f.full ? 0 : f.n;
}

static size_t
format_alert(struct syslog_out *o, const struct alert_rec *a)
{
	const char	*desc = "alert";
	char		 ts[32];
	time_t		 now = time(NULL);
	struct tm	 tm;
	size_t		 i, body;
	int		 n;

	/* signature_vi, after signature, is the headline when present. */
	for (i = 0; i < a->nkv; i++)
		if (strcmp(a->keys[i], "alert.signature") == 0 ||
		    strcmp(a->keys[i], "alert.signature_vi") == 0)
			desc = a->vals[i];
	localtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm);
	n = snprintf(o->msg, sizeof(o->msg), "<%d>%s %s[%ld]: ", o->facility |
	    severity_pri(a->severity), ts, o->ident, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(o->msg))
		return 0;
	body = syslog_kv_format(o->msg + n, sizeof(o->msg) - (size_t)n, desc,
	    a->keys, a->vals, a->nkv);
	return body == 0 ? 0 : (size_t)n + body;
}
