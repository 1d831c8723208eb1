/*
 * The alert record and its outputs.
 *
 * An alert carries who (addresses, ports, flow, Community ID), what
 * (rule, category, severity, the application fields that matched), how
 * many (count, window, suppressed), which control, and what to do
 * (message and advice from the rule's templates, in the sensor's
 * language). The JSON writer masks citizen-ID numbers in every string
 * (jsonw.c), so personal data never leaves in an alert.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "cccd.h"
#include "app.h"
#include "hosts.h"
#include "conf.h"
#include "decode.h"
#include "eventlog.h"
#include "flow.h"
#include "jsonw.h"
#include "log.h"
#include "output.h"
#include "pmatch.h"
#include "ring.h"
#include "rules.h"
#include "safefile.h"
#include "threshold.h"
#include "types.h"
#include "util.h"
#include "xmalloc.h"

#define ALERT_BUF	16384
/*
 * Whole lines waiting to be written. A busy capture writes them in
 * ALERT_WRITE_MIN pieces or after ALERT_HOLD_USEC: the kernel's page
 * cache costs per write and per page, and 25 KiB writes (one per batch
 * of packets) took 300 ns an alert more than 200 KiB ones (bench gateway
 * stage). The whole stays within the L2 cache that the kernel copies from.
 */
#define ALERT_PEND	(16 * ALERT_BUF)
#define ALERT_WRITE_MIN	(ALERT_PEND - 2 * ALERT_BUF)
#define ALERT_HOLD_USEC	20000
#define TEXT_MAX	2048

struct alert_out {
	int		 json;		/* outputs.json.path, or -1 */
	char		*json_path;
	FILE		*stdout_fp;	/* --alerts */
	uint64_t	 count;
	uint64_t	 errors;
	uint64_t	 json_lost;	/* of the current write-error episode */
	int		 json_errno;	/* what started it */
	uint64_t	 json_since;	/* written since the last link check */
	size_t		 npend;		/* bytes in pend */
	uint64_t	 pend_lines;
	uint64_t	 pend_seen;	/* monotonic µs a busy batch end saw them */
	struct jw_memo	 memo;		/* sensor, host, in_iface */
	/* A worker's (alert_out_queue): lines go to the loop thread. */
	struct ring	*queue;
	int		 queue_block;
	uint64_t	 queue_lost;	/* the queue was full */
	char		 buf[ALERT_BUF];
	char		 pend[ALERT_PEND];
};

/*
 * The other consumers of each alert (outputs, the status socket's ring)
 * register here at their start and leave at their stop, so this module
 * knows none of them.
 */
#define ALERT_SINKS_MAX	8
static struct {
	alert_sink_fn	 fn;
	void		*ctx;
} sinks[ALERT_SINKS_MAX];
static size_t nsinks;

int
alert_sink_add(alert_sink_fn fn, void *ctx)
{
	if (fn == NULL || nsinks == ALERT_SINKS_MAX)
		return -1;
	sinks[nsinks].fn = fn;
	sinks[nsinks].ctx = ctx;
	nsinks++;
	return 0;
}

void
alert_sink_remove(alert_sink_fn fn, void *ctx)
{
	size_t	i;

	for (i = 0; i < nsinks; i++)
		if (sinks[i].fn == fn && sinks[i].ctx == ctx) {
			memmove(&sinks[i], &sinks[i + 1], (nsinks - i - 1) *
			    sizeof(sinks[0]));
			nsinks--;
			return;
		}
}

/*
 * The parent directories are created, as a fresh install lacks them;
 * the log directory is the service user's, so no link is followed.
 */
static int
open_append_fd(const char *path, char *err, size_t errlen)
{
	char	why[448];
	int	fd;

	if ((fd = safe_open(path, O_WRONLY | O_APPEND | O_CREAT, 0640,
	    SAFE_MKDIR | SAFE_GIVE, why, sizeof(why))) < 0)
		snprintf(err, errlen, "cannot open alert log: %s", why);
	return fd;
}

static FILE *
open_append(const char *path, char *err, size_t errlen)
{
	FILE	*fp;
	int	 fd;

	if ((fd = open_append_fd(path, err, errlen)) < 0)
		return NULL;
	if ((fp = fdopen(fd, "a")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	setvbuf(fp, NULL, _IOLBF, 0);
	return fp;
}

/*
 * The lines of alerts waiting, one write(2): a syscall per alert was
 * most of an alert's cost (perf, bench gateway stage). They wait at
 * most until the end of the batch of packets that raised them (or the
 * tick, for alerts of timers). A failed or short write (disk full, file
 * made immutable) is cut back to the last whole line; the lines not
 * written are counted and said once per episode, with how many were
 * lost when writing works again.
 */
static void
json_write(struct alert_out *o, const char *buf, size_t len, uint64_t lines)
{
	ssize_t		 n = write(o->json, buf, len), m;
	int		 e = errno;
	off_t		 end;
	size_t		 whole = 0, i;
	uint64_t	 done = 0;

	/* A short write: the rest once more, for the reason it stops. */
	if (n >= 0 && n < (ssize_t)len) {
		m = write(o->json, buf + n, len - (size_t)n);
		e = m < 0 ? errno : EIO;
		if (m > 0)
			n += m;
	}
	if (n == (ssize_t)len) {
		struct statvfs	sv;

		o->json_since += lines;
		/*
		 * Lines that fit in the room a cut line left do not end a full
		 * disk: the episode ends when the file system has room again
		 * (else a disk staying full is said once per batch that fits).
		 */
		if (o->json_lost > 0 && o->json_errno == ENOSPC &&
		    fstatvfs(o->json, &sv) == 0 && sv.f_bavail == 0)
			return;
		if (o->json_lost > 0) {
			log_warnx("%s: writing again; %llu alert(s) were not "
			    "written", o->json_path,
			    (unsigned long long)o->json_lost);
			o->json_lost = 0;
		}
		return;
	}
	for (i = 0; n > 0 && i < (size_t)n; i++)
		if (buf[i] == '\n') {
			whole = i + 1;
			done++;
		}
	o->json_since += done;
	if (n > 0 && (size_t)n > whole &&
	    (end = lseek(o->json, 0, SEEK_CUR)) >= n - (ssize_t)whole &&
	    ftruncate(o->json, end - (n - (ssize_t)whole)) != 0)
		log_warn("%s: cannot cut a partial line", o->json_path);
	if (o->json_lost == 0) {
		log_warnx("%s: cannot write alert: %s; counting lost alerts "
		    "until it works again", o->json_path, strerror(e));
		o->json_errno = e;
	}
	o->json_lost += lines - done;
	o->errors += lines - done;
}

/* Write the alerts waiting (each packet batch's end, the tick, a stop). */
void
alert_out_drain(struct alert_out *o)
{
	if (o == NULL || o->npend == 0)
		return;
	if (o->json >= 0)
		json_write(o, o->pend, o->npend, o->pend_lines);
	o->npend = 0;
	o->pend_lines = 0;
	o->pend_seen = 0;
}

/*
 * A batch of packets ended; busy: more are already waiting. Idle, the
 * lines go out now; busy, once there are enough of them or they have
 * waited ALERT_HOLD_USEC since a batch end first saw them.
 */
void
alert_out_batch_end(struct alert_out *o, int busy)
{
	uint64_t	now;

	if (o == NULL || o->npend == 0)
		return;
	if (busy && o->npend < ALERT_WRITE_MIN) {
		now = util_mono_usec();
		if (o->pend_seen == 0)
			o->pend_seen = now;
		if (now - o->pend_seen < ALERT_HOLD_USEC)
			return;
	}
	alert_out_drain(o);
}

/*
 * Where an alert's line is built: after the lines waiting for the JSON
 * log, so that it need not be copied there (the copy was a sixtieth of
 * an alert), those written first when the room left is short of the
 * longest line; o->buf when there is no JSON log.
 */
static char *
json_slot(struct alert_out *o)
{
	if (o->json < 0)
		return o->buf;
	if (sizeof(o->pend) - o->npend < sizeof(o->buf))
		alert_out_drain(o);
	return o->pend + o->npend;
}

struct alert_out *
alert_out_new(const struct config *conf, const char *stdout_path, char *err,
    size_t errlen)
{
	struct alert_out	*o = xcalloc(1, sizeof(*o));

	o->json = -1;
	if (conf != NULL && conf->alerts_path != NULL) {
		o->json_path = config_path(conf, conf->alerts_path);
		if ((o->json = open_append_fd(o->json_path, err, errlen)) <
		    0) {
			free(o->json_path);
			free(o);
			return NULL;
		}
	}
	if (stdout_path != NULL) {
		if (strcmp(stdout_path, "-") == 0)
			o->stdout_fp = stdout;
		else if ((o->stdout_fp = open_append(stdout_path, err,
		    errlen)) == NULL) {
			alert_out_free(o);
			return NULL;
		}
	}
	return o;
}

/*
 * A worker's alerts: built in the worker, each straight into its queue
 * to the loop thread, which writes and hands them on (alert_out_take).
 * block: wait for room (a replay) rather than count the alert lost.
 */
struct alert_qhdr {
	uint64_t	ts;
	uint32_t	sid;
	int16_t		category;
	int16_t		severity;
};

struct alert_out *
alert_out_queue(struct ring *q, int block)
{
	struct alert_out	*o = xcalloc(1, sizeof(*o));

	o->json = -1;
	o->queue = q;
	o->queue_block = block;
	return o;
}

uint64_t
alert_out_lost(const struct alert_out *o)
{
	return o ? o->queue_lost : 0;
}

void
alert_out_free(struct alert_out *o)
{
	if (o == NULL)
		return;
	alert_out_flush(o);
	if (o->json >= 0)
		close(o->json);
	if (o->stdout_fp != NULL && o->stdout_fp != stdout)
		fclose(o->stdout_fp);
	free(o->json_path);
	free(o);
}

/*
 * Reload: outputs.json.path of conf from now on (added, moved or
 * removed). The new file is opened first; if it cannot be, nothing
 * changes and the reload fails with the reason.
 */
int
alert_out_retarget(struct alert_out *o, const struct config *conf,
    char *err, size_t errlen)
{
	char	*path = NULL;
	int	 fd = -1;

	if (conf->alerts_path != NULL) {
		/* Beside the running file's at a reload: without memory for
		 * the path the reload fails, not the daemon. */
		if ((path = config_path_try(conf, conf->alerts_path)) ==
		    NULL) {
			snprintf(err, errlen, "outputs.json.path: no memory for "
			    "%s: %s", conf->alerts_path, strerror(ENOMEM));
			return -1;
		}
		if (o->json_path != NULL && strcmp(path, o->json_path) == 0) {
			free(path);
			return 0;	/* the same file: SIGHUP reopens it */
		}
		if ((fd = open_append_fd(path, err, errlen)) < 0) {
			free(path);
			return -1;
		}
	}
	alert_out_drain(o);		/* the lines raised for the old file */
	if (o->json >= 0)
		close(o->json);
	free(o->json_path);
	o->json = fd;
	o->json_path = path;
	o->json_since = 0;
	o->json_lost = 0;
	return 0;
}

/* SIGHUP: logrotate moved the file; reopen it by name. */
void
alert_out_reopen(struct alert_out *o)
{
	char	 err[512];
	int	 fd;

	if (o == NULL || o->json_path == NULL)
		return;
	if ((fd = open_append_fd(o->json_path, err, sizeof(err))) < 0) {
		log_warnx("%s; keeping the old file", err);
		o->errors++;
		return;
	}
	alert_out_drain(o);
	close(o->json);
	o->json = fd;
	o->json_since = 0;
}

/*
 * Once a second: a log deleted while open (not renamed, as logrotate
 * does) would swallow every alert; reopen it by name, and count what
 * went into the deleted file since the last check as lost.
 */
static void
json_check_link(struct alert_out *o)
{
	struct stat	st;

	if (o->json < 0 || fstat(o->json, &st) != 0 || st.st_nlink > 0) {
		o->json_since = 0;
		return;
	}
	log_warnx("%s: deleted while open; reopening it (%llu alert(s) "
	    "written to the deleted file are lost)", o->json_path,
	    (unsigned long long)o->json_since);
	o->errors += o->json_since;
	alert_out_reopen(o);
}

void
alert_out_flush(struct alert_out *o)
{
	if (o == NULL)
		return;
	alert_out_drain(o);
	json_check_link(o);
	if (o->stdout_fp != NULL && fflush(o->stdout_fp) != 0)
		o->errors++;
}

uint64_t
alert_out_count(const struct alert_out *o)
{
	return o ? o->count : 0;
}

uint64_t
alert_out_errors(const struct alert_out *o)
{
	return o ? o->errors : 0;
}

/* Long configured names and texts are cut, as the message templates are. */
static void
put_str(struct jsonw *w, struct jw_lit key, const char *val)
{
	jw_strn_l(w, key, val, strnlen(val, TEXT_MAX - 1));
}

/* The application fields of the record that matched. */
static void
alert_app(struct jsonw *w, const struct match_ctx *c)
{
	const struct app_result	*app = c->app;
	char			 qv[12];

	if (app == NULL)
		return;
	switch (app->have) {
	case APPR_TLS_CH:
		app_tls_fingerprints(&app->tls);
		/* A QUIC Initial's hello: Suricata's quic object, in short. */
		if (app->tls.quic_version)
			JW_OBJ_OPEN(w, "quic");
		else
			JW_OBJ_OPEN(w, "tls");
		if (app->tls.sni[0])
			put_str(w, JW_LIT("sni"), app->tls.sni);
		if (app->tls.quic_version) {
			snprintf(qv, sizeof(qv), "%x",
			    (unsigned)app->tls.quic_version);
			JW_STR(w, "version", qv);
		} else
			JW_STR(w, "version", app_tls_version_name(
			    app->tls.max_version));
		if (app->tls.ja3[0]) {
			JW_OBJ_OPEN(w, "ja3");
			JW_DIGEST(w, "hash", app->tls.ja3);
			jw_obj_close(w);
		}
		jw_obj_close(w);
		break;
	case APPR_TLS_SH:
		JW_OBJ_OPEN(w, "tls");
		if (c->flow && c->flow->tls_offered)
			JW_STR(w, "version", app_tls_version_name(
			    c->flow->tls_offered));
		JW_STR(w, "negotiated", app_tls_version_name(
		    app->tls.server_version));
		JW_UINT(w, "cipher_suite", app->tls.server_cipher);
		jw_obj_close(w);
		break;
	case APPR_TLS_CERT:
		JW_OBJ_OPEN(w, "tls");
		if (app->tls.sni[0])
			put_str(w, JW_LIT("sni"), app->tls.sni);
		put_str(w, JW_LIT("subject"), app->tls.cert->subject);
		put_str(w, JW_LIT("issuerdn"), app->tls.cert->issuer);
		JW_STR(w, "fingerprint", app->tls.cert->fingerprint);
		jw_obj_close(w);
		break;
	case APPR_DNS:
		eventlog_dns(w, &app->dns, 1);
		break;
	case APPR_HTTP:
		JW_OBJ_OPEN(w, "http");
		if (app->http.host[0])
			put_str(w, JW_LIT("hostname"), app->http.host);
		put_str(w, JW_LIT("url"), app->http.uri);
		JW_STR(w, "http_method", app->http.method);
		if (app->http.user_agent[0])
			put_str(w, JW_LIT("http_user_agent"),
			    app->http.user_agent);
		jw_obj_close(w);
		break;
	case APPR_SSH:
		JW_OBJ_OPEN(w, "ssh");
		if (c->dir == 0)
			JW_OBJ_OPEN(w, "client");
		else
			JW_OBJ_OPEN(w, "server");
		put_str(w, JW_LIT("software_version"), app->ssh.software);
		JW_STR(w, "proto_version", app->ssh.proto_version);
		jw_obj_close(w);
		jw_obj_close(w);
		break;
	case APPR_PLAIN:
		JW_OBJ_OPEN(w, "plaintext");
		JW_STR(w, "protocol", app_proto_name(
		    (enum app_proto)app->plain.proto));
		if (app->plain.user[0])
			put_str(w, JW_LIT("user"), app->plain.user);
		JW_BOOL(w, "password_seen", app->plain.seen & PLAIN_PASS);
		jw_obj_close(w);
		break;
	case APPR_DHCP:
		app_dhcp_json(w, &app->dhcp);
		break;
	}
}

/* host_new, arp_change: the MAC the address has, and had. */
static void
alert_host(struct jsonw *w, const struct match_ctx *c)
{
	char	mac[18];

	if (c->host == NULL || !(c->host->has_mac || c->host->has_old))
		return;
	JW_OBJ_OPEN(w, "arp");
	if (c->host->has_mac) {
		hosts_mac_str(c->host->mac, mac);
		JW_STR(w, "mac", mac);
	}
	if (c->host->has_old) {
		hosts_mac_str(c->host->old_mac, mac);
		JW_STR(w, "old_mac", mac);
	}
	jw_obj_close(w);
}

/*
 * Credentials in an excerpt, starred: an HTTP Authorization or
 * Proxy-Authorization header's credentials (Basic is a password in
 * base64) to its line's end, its scheme left, and a URL's password
 * (scheme://user:PASSWORD@host).
 * p is the payload (plen bytes) the n characters of ex were made from:
 * a URL's authority is read past the excerpt's end, where its '@' may
 * be, and one the payload ends in may go on with its '@' in the next.
 */
/*
 * Where the line going on after the line end at p[i] starts, or 0: a
 * line starting with SP or HTAB continues the field before it (obs-fold,
 * RFC 9112 5.2, which a server may still take).
 */
static size_t
folded(const uint8_t *p, size_t i, size_t n)
{
	size_t	k = i + (i < n && p[i] == '\r');

	k += k < n && p[k] == '\n';
	return k > i && k < n && (p[k] == ' ' || p[k] == '\t') ? k : 0;
}

static void
hide_credentials(char *ex, const uint8_t *p, size_t n, size_t plen)
{
	static const char	h[] = "authorization:";
	size_t			i, k, at, colon;

	for (i = 0; i + sizeof(h) - 1 <= n; i++) {
		for (k = 0; k < sizeof(h) - 1; k++)
			if ((p[i + k] | 0x20) != (uint8_t)h[k])
				break;
		if (k < sizeof(h) - 1)
			continue;
		/* The scheme ("Basic", "Bearer") stays: it is no secret. */
		for (i += k; i < n && p[i] == ' '; i++)
			;
		for (k = i; k < n && p[k] > ' ' && p[k] < 0x7f; k++)
			;
		if (k < n && p[k] == ' ')
			for (i = k; i < n && p[i] == ' '; i++)
				;
		else if (k > i && folded(p, k, n))
			i = k;
		for (;;) {
			for (; i < n && p[i] != '\r' && p[i] != '\n'; i++)
				ex[i] = '*';
			if ((k = folded(p, i, n)) == 0)
				break;
			i = k;
		}
	}
	for (i = 0; i + 3 <= n; i++) {
		if (p[i] != ':' || p[i + 1] != '/' || p[i + 2] != '/')
			continue;
		at = colon = 0;
		for (k = i + 3; k < plen && p[k] > ' ' && p[k] < 0x7f &&
		    p[k] != '/' && p[k] != '?' && p[k] != '#'; k++) {
			if (p[k] == '@')
				at = k;
			else if (p[k] == ':' && colon == 0)
				colon = k;
		}
		if (k == plen && at == 0)
			at = plen;
		for (k = colon + 1; colon != 0 && colon < at && k < at &&
		    k < n; k++)
			ex[k] = '*';
	}
}

/*
 * A short printable excerpt of the payload that matched, masked: when
 * the match began in a piece before, from the bytes carried over, so a
 * number cut by the boundary shows whole and is masked. None of a
 * clear-text login's flow: its bytes are passwords and communities.
 */
static void
alert_payload(struct jsonw *w, const struct rule *r, const struct match_ctx *c)
{
	char		 ex[129];
	const uint8_t	*p;
	size_t		 n, plen;

	if (!(r->m.keys & M_PAYLOAD) || c->pkt == NULL)
		return;
	if (c->flow != NULL && app_carries_secrets(c->flow))
		return;
	if (!pmatch_view(c->pm, &r->m, &p, &n)) {
		p = c->pkt->payload;
		n = c->pkt->payload_len;
	}
	if (n == 0)
		return;
	plen = n;
	n = cccd_copy_text(ex, sizeof(ex), p, n, '.');
	hide_credentials(ex, p, n, plen);
	/*
	 * A TCP segment is a piece of a stream: the bytes before it and
	 * after it may hold the rest of a number whose part it begins or
	 * ends with (a datagram is whole).
	 */
	if (c->pkt->proto == PROTO_TCP)
		cccd_mask_cut(ex, n, 1, 1);
	put_str(w, JW_LIT("payload_printable"), ex);
}

/* What a behaviour rule saw (behaviour.h), as its own object. */
static void
alert_behaviour(struct jsonw *w, const struct rule *r,
    const struct bh_result *b)
{
	static const char *const measure[] = { "bytes", "connections",
	    "requests" };

	switch (b->kind) {
	case BH_BASELINE:
		JW_OBJ_OPEN(w, "baseline");
		JW_STR(w, "measure", measure[r->bh.measure < 3 ?
		    r->bh.measure : 0]);
		JW_UINT(w, "hour_of_week", b->how);
		JW_UINT(w, "normal", b->normal);
		JW_UINT(w, "seen", b->seen);
		JW_BOOL(w, "never_active", b->never);
		jw_obj_close(w);
		break;
	case BH_BEACON:
		JW_OBJ_OPEN(w, "beacon");
		JW_UINT(w, "connections", b->repeats);
		JW_UINT(w, "interval_ms", b->interval / 1000);
		JW_UINT(w, "jitter_ms", b->spread / 1000);
		jw_obj_close(w);
		break;
	case BH_DNSTUNNEL:
		JW_OBJ_OPEN(w, "dns_tunnel");
		JW_STR(w, "domain", b->domain);
		JW_UINT(w, "queries", b->queries);
		JW_UINT(w, "names", b->names);
		JW_UINT(w, "entropy_millibits", b->entropy_mbit);
		JW_UINT(w, "nxdomain_percent", b->nx_pct);
		jw_obj_close(w);
		break;
	}
}

static struct alert_qhdr
h_of(const struct rule *r, const struct match_ctx *c)
{
	struct alert_qhdr	h;

	h.ts = c->ts;
	h.sid = r->sid;
	h.category = (int16_t)r->category;
	h.severity = (int16_t)r->severity;
	return h;
}

/*
 * A finished line, at json_slot: counted, kept for the JSON log, and
 * handed to --alerts and every sink.
 */
static void
alert_deliver(struct alert_out *o, char *line, size_t n, struct alert_qhdr h,
    const char *sensor)
{
	size_t	i;

	o->count++;
	if (o->json >= 0) {
		o->npend += n;
		o->pend_lines++;
	}
	if (o->stdout_fp != NULL && fwrite(line, 1, n, o->stdout_fp) != n)
		o->errors++;
	if (nsinks > 0) {
		struct alert_rec ar;

		memset(&ar, 0, sizeof(ar));
		ar.json = line;
		ar.len = n;
		ar.sid = h.sid;
		ar.category = h.category;
		ar.severity = h.severity;
		ar.ts = h.ts;
		ar.sensor = sensor;
		for (i = 0; i < nsinks; i++)
			sinks[i].fn(sinks[i].ctx, &ar);
	}
}

/* The alert object's members that are the rule's alone. */
static void
rule_members(struct jsonw *w, const struct rule *r, int lang)
{
	size_t	i;

	JW_UINT(w, "signature_id", r->sid);
	put_str(w, JW_LIT("signature"), r->name);
	/* signature stays the stable name; the Vietnamese one beside it. */
	if (lang == 1 && r->name_vi != NULL)
		put_str(w, JW_LIT("signature_vi"), r->name_vi);
	JW_SAFE(w, "category", rules_category_name(r->category));
	JW_UINT(w, "severity", r->severity);
	JW_SAFE(w, "severity_name", rules_severity_name(r->severity));
	JW_UINT(w, "level", r->level);
	JW_ARR_OPEN(w, "controls");
	for (i = 0; i < r->ncontrols; i++)
		jw_str(w, NULL, r->controls[i]);
	jw_arr_close(w);
}

/*
 * Written once at load and copied per alert: they were a sixth of an
 * alert's instructions (callgrind, bench gateway stage). A rule whose
 * names and controls outgrow the buffer keeps writing them per alert.
 */
char *
alert_rule_members(const struct rule *r, int lang, size_t *len)
{
	struct jsonw	 w;
	char		*buf = malloc(4 * TEXT_MAX), *p;

	/* Built at load, beside the running set at a reload: without
	 * memory the rule writes them per alert, as when they outgrow it. */
	if (buf == NULL)
		return NULL;
	jw_init(&w, buf, 4 * TEXT_MAX);
	rule_members(&w, r, lang);
	p = jw_members_copy(&w, len);
	free(buf);
	return p;
}

/*
 * The address JW_ADDR has just written, where it lies in the line: the
 * templates name it again, and formatting it anew cost each a hundred
 * instructions (callgrind).
 */
static const char *
addr_written(const struct jsonw *w, size_t *n)
{
	if (w->overflow || w->addr_at == 0)
		return NULL;
	*n = w->len - 1 - w->addr_at;
	return w->buf + w->addr_at;
}

void
alert_emit(struct alert_out *o, const struct config *conf,
    const struct rule *r, const struct match_ctx *c,
    const struct thr_result *res)
{
	struct jsonw	 w;
	struct alert_known known = { NULL, NULL, 0, 0 };
	char		 ts[40], text[TEXT_MAX], pn[8], cid[40], *line;
	const char	*vals[2];
	ssize_t		 n;
	size_t		 tl;
	size_t		 tslen;
	int		 lang = conf->language_vi ? 1 : 0;
	int		 ports = c->proto == PROTO_TCP || c->proto == PROTO_UDP ||
			    c->proto == PROTO_SCTP;

	if (o == NULL)
		return;
	if (o->queue != NULL) {
		line = ring_reserve_wait(o->queue, sizeof(struct alert_qhdr) +
		    sizeof(o->buf), o->queue_block);
		if (line == NULL) {
			o->queue_lost++;
			return;
		}
		line += sizeof(struct alert_qhdr);
	} else
		line = json_slot(o);
	jw_init(&w, line, sizeof(o->buf));
	tslen = util_format_ts(c->ts, ts, sizeof(ts), conf->utc_offset);
	JW_SAFEN(&w, "timestamp", ts, tslen);
	if (c->flow != NULL)
		JW_UINT(&w, "flow_id", c->flow->id);
	JW_RAW(&w, "\"event_type\":\"alert\"");
	/* The same in every alert of the interface: written once. */
	vals[0] = conf->sensor_name;
	vals[1] = c->iface;
	if (!jw_memo_put(&w, &o->memo, vals, 2)) {
		size_t	mark = w.len;
		int	comma = w.need_comma;

		put_str(&w, JW_LIT("sensor"), conf->sensor_name);
		/* Suricata's name for it */
		put_str(&w, JW_LIT("host"), conf->sensor_name);
		if (c->iface != NULL)
			JW_STR(&w, "in_iface", c->iface);
		jw_memo_keep(&o->memo, &w, mark, comma, vals, 2);
	}
	if (c->flow != NULL && (c->flow->vlan[0] || c->flow->vlan[1])) {
		JW_ARR_OPEN(&w, "vlan");
		jw_uint(&w, NULL, c->flow->vlan[0]);
		if (c->flow->vlan[1])
			jw_uint(&w, NULL, c->flow->vlan[1]);
		jw_arr_close(&w);
	}
	if (c->ipver != 0 && c->src != NULL && c->host != NULL) {
		/* host_new, arp_change: about one address, no traffic. */
		JW_ADDR(&w, "src_ip", c->ipver, c->src);
		known.src_ip = addr_written(&w, &known.src_ip_len);
	} else if (c->ipver != 0 && c->src != NULL) {
		JW_ADDR(&w, "src_ip", c->ipver, c->src);
		known.src_ip = addr_written(&w, &known.src_ip_len);
		if (ports)
			JW_UINT(&w, "src_port", c->sport);
		JW_ADDR(&w, "dest_ip", c->ipver, c->dst);
		known.dst_ip = addr_written(&w, &known.dst_ip_len);
		if (ports)
			JW_UINT(&w, "dest_port", c->dport);
		JW_SAFE(&w, "proto",
		    util_proto_name(c->proto, pn, sizeof(pn)));
	}
	if (c->flow != NULL) {
		const struct flow *f = c->flow;

		if (f->app_proto != APP_UNKNOWN)
			JW_SAFE(&w, "app_proto", app_proto_name(
			    (enum app_proto)f->app_proto));
		if (alert_flow_cid(f, cid, sizeof(cid)) == 0)
			JW_CLEAN(&w, "community_id", cid);
	}
	JW_OBJ_OPEN(&w, "alert");
	if (r->alert_members[lang] != NULL)
		jw_members(&w, r->alert_members[lang],
		    r->alert_members_len[lang]);
	else
		rule_members(&w, r, lang);
	JW_UINT(&w, "count", res->count ? res->count : 1);
	if (r->thr.kind == THR_DISTINCT)
		JW_UINT(&w, "distinct", res->distinct);
	if (r->thr.kind == THR_SUM)
		JW_UINT(&w, "bytes", res->sum);
	if (r->within_text != NULL)
		JW_STR(&w, "window", r->within_text);
	JW_UINT(&w, "suppressed", res->suppressed);
	if (res->bh != NULL)
		alert_behaviour(&w, r, res->bh);
	if (c->event == REV_SENSOR)
		JW_STR(&w, "sensor_event",
		    alert_sensor_event_name(c->sensor_event));
	if (c->event == REV_SENSOR && c->sensor_rule != NULL) {
		JW_UINT(&w, "regex_sid", c->sensor_rule->sid);
		put_str(&w, JW_LIT("regex_rule"), c->sensor_rule->name);
	}
	if (c->pkt != NULL && c->pkt->err != DE_NONE &&
	    (r->m.keys & M_DECODE))
		JW_STR(&w, "decode_error", decode_err_name(c->pkt->err));
	tl = alert_expand(r->message_t[lang], conf, r, c, res, &known, text,
	    sizeof(text));
	jw_strn_l(&w, JW_LIT("message"), text, tl);
	tl = alert_expand(r->advice_t[lang], conf, r, c, res, &known, text,
	    sizeof(text));
	jw_strn_l(&w, JW_LIT("advice"), text, tl);
	jw_obj_close(&w);
	alert_app(&w, c);
	alert_host(&w, c);
	alert_payload(&w, r, c);
	if ((n = jw_finish(&w)) < 0) {
		o->errors++;
		return;
	}
	if (o->queue != NULL) {
		struct alert_qhdr	*h = (struct alert_qhdr *)(void *)(line -
					    sizeof(*h));

		*h = h_of(r, c);
		ring_commit(o->queue, RK_ALERT, sizeof(*h) + (size_t)n);
		o->count++;
		return;
	}
	alert_deliver(o, line, (size_t)n, h_of(r, c), conf->sensor_name);
}

/* The loop thread: one alert a worker queued (RK_ALERT). */
void
alert_out_take(struct alert_out *o, const struct config *conf,
    const void *rec, size_t len)
{
	struct alert_qhdr	 h;
	char			*line;

	if (o == NULL || len < sizeof(h) || len - sizeof(h) > ALERT_BUF)
		return;
	memcpy(&h, rec, sizeof(h));
	line = json_slot(o);
	memcpy(line, (const char *)rec + sizeof(h), len - sizeof(h));
	alert_deliver(o, line, len - sizeof(h), h, conf->sensor_name);
}
