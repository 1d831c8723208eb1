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
 * base64) to its line's end, lines folded into it (obs-fold, RFC 9112
 * 5.2, which a server may still take) too, its scheme left, and a URL's
 * password (scheme://user:PASSWORD@host; its userinfo ends at the last
 * '@', and one the bytes end in may go on with its '@' after them).
 *
 * An excerpt is one piece of a TCP direction, which may begin inside the
 * credentials, the header's name or a URL's "://" or userinfo: so the
 * scan runs as a state machine, and its state at the end of each piece
 * the payload rules see is kept in a byte of the flow (flow->cred[dir],
 * alert_cred_advance), for the next piece's excerpt to start from.
 * The low five bits are the header's part: 0..CRED_NAME the characters
 * of its name seen so far, then where in its value; the high three the
 * URL's. Where the bytes end before a decision (a scheme or a line end
 * whose next byte is not there), the excerpt stars what may be secret.
 */
#define CRED_NAME	13	/* strlen("authorization"), before its ':' */
enum {
	CA_PRE = CRED_NAME + 1,	/* spaces before the scheme */
	CA_TOKEN,		/* the scheme, or credentials without one */
	CA_POST,		/* spaces after the scheme */
	CA_CRED,		/* credentials, to the line's end */
	CA_CR,			/* a line end: a folded line may go on */
	CA_LF
};
enum {
	CU_OUT,
	CU_COLON,		/* ':' ended the bytes */
	CU_SLASH,		/* ":/" ended the bytes */
	CU_USER,		/* an authority, no ':' yet */
	CU_PASS			/* an authority after its first ':' */
};
#define CRED_AUTH(s)	((unsigned)(s) & 0x1f)
#define CRED_URL(s)	((unsigned)(s) >> 5)

static const char	cred_name[] = "authorization:";

static void
star(char *ex, size_t nex, size_t a, size_t b)
{
	for (; a < b && a < nex; a++)
		ex[a] = '*';
}

/* Whether p[0..n) is cred_name[from..from + n), case aside. */
static int
name_is(const uint8_t *p, size_t n, size_t from)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if ((p[i] | 0x20) != (uint8_t)cred_name[from + i])
			return 0;
	return 1;
}

/*
 * Whether the bytes before p[c] end with the header's name: p[0..c) and,
 * when c is short of it, the k characters of the name before p.
 */
static int
name_before(unsigned k, const uint8_t *p, size_t c)
{
	size_t	need;

	if (c >= CRED_NAME)
		return name_is(p + c - CRED_NAME, CRED_NAME, 0);
	need = CRED_NAME - c;
	return need <= k && memcmp(cred_name, cred_name + k - need, need) ==
	    0 && name_is(p, c, need);
}

/* How much of the name the bytes end with (k of it before p, as above). */
static unsigned
name_tail(unsigned k, const uint8_t *p, size_t n)
{
	size_t	t = n + k < CRED_NAME ? n + k : CRED_NAME;

	/* Most pieces end in no letter of the name: nothing to try. */
	switch (n > 0 ? p[n - 1] | 0x20 : 0) {
	case 'a': case 'u': case 't': case 'h': case 'o': case 'r': case 'i':
	case 'z': case 'n':
		break;
	default:
		return 0;
	}
	for (; t > n; t--)
		if (memcmp(cred_name, cred_name + k - (t - n), t - n) == 0 &&
		    name_is(p, n, t - n))
			return (unsigned)t;
	for (; t > 0; t--)
		if ((p[n - t] | 0x20) == 'a' && name_is(p + n - t, t, 0))
			return (unsigned)t;
	return 0;
}

/*
 * After the line end at p[k]: 1 when the next line continues it (starts
 * with SP or HTAB), 0 when not, -1 when the bytes end before that shows.
 */
static int
folds(const uint8_t *p, size_t k, size_t n)
{
	if (p[k] == '\r' && ++k == n)
		return -1;
	if (p[k] == '\n')
		k++;
	if (k == n)
		return -1;
	return p[k] == ' ' || p[k] == '\t';
}

/* The Authorization header's part of the scan (see above). */
static unsigned
cred_auth(unsigned st, const uint8_t *p, size_t n, char *ex, size_t nex)
{
	const uint8_t	*q;
	size_t		 i = 0, k;
	unsigned	 before = st;

	for (;;) {
		switch (st) {
		case CA_PRE:
		case CA_POST:
			while (i < n && p[i] == ' ')
				i++;
			if (i == n)
				return st;
			st = st == CA_PRE ? CA_TOKEN : CA_CRED;
			break;
		case CA_TOKEN:
			/* The scheme ("Basic", "Bearer") is no secret when a
			 * space, or a folded line, follows it. */
			for (k = i; k < n && p[k] > ' ' && p[k] < 0x7f; k++)
				;
			if (k < n && p[k] == ' ') {
				i = k;
				st = CA_POST;
				break;
			}
			if (k == n || (p[k] != '\r' && p[k] != '\n') ||
			    folds(p, k, n) != 1)
				star(ex, nex, i, k);
			if (k == n)
				return st;
			i = k;
			st = CA_CRED;
			break;
		case CA_CRED:
			for (k = i; k < n && p[k] != '\r' && p[k] != '\n'; k++)
				;
			star(ex, nex, i, k);
			if (k == n)
				return st;
			st = p[k] == '\r' ? CA_CR : CA_LF;
			i = k + 1;
			break;
		case CA_CR:
			if (i < n && p[i] == '\n') {
				i++;
				st = CA_LF;
				break;
			}
			/* FALLTHROUGH */
		case CA_LF:
			if (i == n)
				return st;
			st = p[i] == ' ' || p[i] == '\t' ? CA_CRED : 0;
			before = 0;
			break;
		default:
			/* Outside: the name ends at a ':'. */
			while ((q = memchr(p + i, ':', n - i)) != NULL) {
				k = (size_t)(q - p);
				i = k + 1;
				if (name_before(before, p, k))
					break;
			}
			if (q == NULL)
				return before != 0 && i == 0 ?
				    name_tail(before, p, n) : name_tail(0, p + i,
				    n - i);
			st = CA_PRE;
			break;
		}
	}
}

/* The URL's part of the scan (see above). */
static unsigned
cred_url(unsigned st, const uint8_t *p, size_t n, char *ex, size_t nex)
{
	const uint8_t	*q;
	size_t		 i = 0, k, at = 0, from = 0;
	int		 pass, have_at;

	if (st == CU_COLON || st == CU_SLASH) {
		size_t need = st == CU_COLON ? 2 : 1;

		for (k = 0; k < need && k < n && p[k] == '/'; k++)
			;
		if (k == n && k < need)
			return CU_SLASH;
		st = k == need ? CU_USER : CU_OUT;
		i = k == need ? k : 0;
	}
	for (;;) {
		if (st == CU_USER || st == CU_PASS) {
			pass = st == CU_PASS;
			from = i;
			have_at = 0;
			for (k = i; k < n && p[k] > ' ' && p[k] < 0x7f &&
			    p[k] != '/' && p[k] != '?' && p[k] != '#'; k++) {
				if (p[k] == '@') {
					at = k;
					have_at = 1;
				} else if (p[k] == ':' && !pass) {
					pass = 1;
					from = k + 1;
				}
			}
			if (k == n) {
				/* An '@' further on may end the password. */
				if (pass)
					star(ex, nex, from, n);
				return pass ? CU_PASS : CU_USER;
			}
			if (pass && have_at)
				star(ex, nex, from, at);
			st = CU_OUT;
			i = k;
		}
		if ((q = memchr(p + i, ':', n - i)) == NULL)
			return CU_OUT;
		k = (size_t)(q - p);
		if (k + 1 == n)
			return CU_COLON;
		if (p[k + 1] == '/' && k + 2 == n)
			return CU_SLASH;
		i = k + 1;
		if (p[k + 1] == '/' && p[k + 2] == '/') {
			i = k + 3;
			st = CU_USER;
		}
	}
}

/*
 * Scan p (n bytes) from state st, starring the secrets among the first
 * nex characters of ex (the excerpt made from p; NULL: none); the state
 * after p.
 */
static uint8_t
cred_scan(uint8_t st, const uint8_t *p, size_t n, char *ex, size_t nex)
{
	if (n == 0)
		return st;
	if (ex == NULL)
		nex = 0;
	return (uint8_t)(cred_auth(CRED_AUTH(st), p, n, ex, nex) |
	    cred_url(CRED_URL(st), p, n, ex, nex) << 5);
}

/*
 * Only the bytes after the piece's last LF that no folded line follows
 * count: the scan is back at its start there whatever came before (a
 * line end closes a URL's authority, and the header but for a fold), so
 * a piece is read from its end back to that LF, not whole.
 */
void
alert_cred_advance(uint8_t *st, const uint8_t *p, size_t n)
{
	const uint8_t	*q;
	size_t		 e = n, j;

	while (e > 0 && (q = memrchr(p, '\n', e)) != NULL) {
		j = (size_t)(q - p);
		if (j + 1 < n && p[j + 1] != ' ' && p[j + 1] != '\t') {
			*st = cred_scan(0, p + j + 1, n - j - 1, NULL, 0);
			return;
		}
		e = j;
	}
	*st = cred_scan(*st, p, n, NULL, 0);
}

/*
 * The first place in p[0..n) after a line end where the scan is back at
 * its start whatever came before (see alert_cred_advance; a CR or LF
 * that no LF or folded line follows), or 0; p has lim bytes.
 */
static size_t
line_start(const uint8_t *p, size_t n, size_t lim)
{
	size_t	i;

	for (i = 0; i < n && i + 1 < lim; i++)
		if ((p[i] == '\r' || p[i] == '\n') && p[i + 1] != ' ' &&
		    p[i + 1] != '\t' && (p[i] == '\n' || p[i + 1] != '\n'))
			return i + 1;
	return 0;
}

/*
 * Star the credentials in ex, the nex characters made from p (plen
 * bytes; a URL's authority is read past the excerpt, where its '@' may
 * be). p's first cut bytes were carried from pieces before (a match
 * spanning them, pmatch_view), where the scan stood is not known: they
 * are scanned from the start, and st is the state where the piece itself
 * starts. The scan is exact only from the carry's first line start on:
 * the bytes before it may be the rest of credentials and are starred.
 * Without one, all are starred when the piece starts inside a header's
 * value or a URL's password the carry does not show begin; else a URL's
 * userinfo they begin with, to its '@'.
 */
void
alert_cred_hide(char *ex, size_t nex, const uint8_t *p, size_t plen,
    size_t cut, uint8_t st)
{
	size_t		 e, k, at;
	uint8_t		 m;

	if (cut > plen)
		cut = plen;
	if (cut > 0) {
		m = cred_scan(0, p, cut, ex, nex);
		if ((e = line_start(p, cut, plen)) > 0)
			star(ex, nex, 0, e);
		else if (CRED_AUTH(st) >= CA_PRE ||
		    (CRED_URL(m) != CRED_URL(st) && CRED_URL(st) == CU_PASS))
			star(ex, nex, 0, cut);
		else {
			for (e = 0; e < 2 && e < cut && p[e] == '/'; e++)
				;
			for (k = e, at = 0; k < plen && p[k] > ' ' &&
			    p[k] < 0x7f && p[k] != '/' && p[k] != '?' &&
			    p[k] != '#'; k++)
				if (p[k] == '@')
					at = k;
			star(ex, nex, e, at);
		}
	}
	(void)cred_scan(st, p + cut, plen - cut, nex > cut ? ex + cut : NULL,
	    nex > cut ? nex - cut : 0);
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
	size_t		 n, plen, cut = 0, from = 0;
	uint8_t		 st = 0;

	if (!(r->m.keys & M_PAYLOAD) || c->pkt == NULL)
		return;
	if (c->flow != NULL && app_carries_secrets(c->flow))
		return;
	/* Where the credentials' scan left the piece before (sensor.c):
	 * another copy of bytes (an overlap's) starts elsewhere. */
	if (c->flow != NULL && c->pkt->proto == PROTO_TCP &&
	    !(c->pkt->flags & PKT_STREAM_ALT))
		st = c->flow->cred[c->dir & 1];
	if (pmatch_view(c->pm, &r->m, &p, &n, &cut, &from)) {
		if (from > 0)
			st = cred_scan(st, c->pkt->payload, from, NULL, 0);
	} else {
		p = c->pkt->payload;
		n = c->pkt->payload_len;
	}
	if (n == 0)
		return;
	plen = n;
	n = cccd_copy_text(ex, sizeof(ex), p, n, '.');
	alert_cred_hide(ex, n, p, plen, cut, st);
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
		/* Suricata's: the tunnels around it. The same addresses
		 * and ports bare are another flow (flow.h). */
		if ((f->encap & ENCAP_DEPTH) != 0) {
			JW_OBJ_OPEN(&w, "tunnel");
			JW_UINT(&w, "depth", f->encap & ENCAP_DEPTH);
			jw_obj_close(&w);
		}
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
		    rules_sensor_event_name(c->sensor_event));
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
