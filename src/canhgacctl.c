/*
 * canhgacctl: talk to canhgacd's status socket (include/ctl-protocol.h).
 *
 * One request a connection: connect, send a JSON line, read a JSON
 * line back, print it as a table (or as it came with --json, or in the
 * Prometheus text format for `stats --prometheus`). `follow` keeps
 * reading alert lines until interrupted. Needs jansson, and OpenSSL and
 * zlib for `evidence` (evidence.c).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "ctl-protocol.h"
#include "evidence.h"
#include "safefile.h"
#include "update.h"
#include "util.h"

/* compliance_render.c (the one piece of the daemon's code built in). */
int	 compliance_render(json_t *, const char *format, int vi, FILE *);
long long compliance_parse_since(const char *, long long now, char *err,
	    size_t errlen);

/* Exit codes. */
#define EX_OK		0	/* done */
#define EX_FAILED	1	/* the daemon refused or the command failed */
#define EX_USAGE	2	/* bad command line */
#define EX_NOCONN	3	/* no daemon on the socket */
#define EX_DENIED	4	/* permission denied (socket or command) */
#define EX_PROTO	5	/* broken or missing answer */
#define EX_SELFTEST	6	/* a rule failed its self-test */

/* Not a socket command: canhgacctl does the work (update.c). */
#define CTL_CMD_UPDATE	"update"

#define REPLY_MAX	(CTL_REPLY_MAX + 1)	/* the newline */

static const char	*sockpath = CTL_SOCKET_DEFAULT;
static int		 opt_json;
static int		 opt_timeout = 60;
/* read_line returns NULL (errno ETIMEDOUT) on -t rather than exiting:
 * update then has files to put back. */
static int		 timeout_soft;

static void
usage(FILE *fp)
{
	fprintf(fp,
"NAME\n"
"    canhgacctl - query and control canhgacd through its status socket\n"
"\n"
"SYNOPSIS\n"
"    canhgacctl [-s SOCKET] [--json] [-t SECONDS] COMMAND [ARGS]\n"
"\n"
"COMMANDS\n"
"    version             daemon and protocol version\n"
"    status              uptime, level, interfaces, packets, pcap drops,\n"
"                        flows, alerts by severity, outputs, last reload,\n"
"                        last self-test\n"
"    stats [--prometheus]\n"
"                        every counter; --prometheus prints the\n"
"                        Prometheus text format for node_exporter's\n"
"                        textfile collector\n"
"    alerts [FILTERS] [--limit N]\n"
"                        recent alerts from the daemon's ring (newest last)\n"
"    follow [FILTERS]    stream alerts as they happen (Ctrl-C to stop);\n"
"                        the daemon ends a stream sent nothing for\n"
"                        outputs.status.follow_idle (default 15m)\n"
"    rules [--active|--inactive] [--offset N] [--limit N]\n"
"                        rules with level, state (and why inactive), hits\n"
"    baselines [--sid N] [--limit N] [--offset N]\n"
"                        what the baseline rules learned, key by key: hours\n"
"                        of the week active, peak, learning period\n"
"    exceptions          exceptions with owner, reason, expiry and hits\n"
"    hosts [--new] [--limit N]\n"
"                        the host inventory of protected_segments (most\n"
"                        recently seen first): address, MAC, first and\n"
"                        last seen, ports it answered on, bytes in and\n"
"                        out, whether in known_hosts; --new: only those\n"
"                        not in known_hosts\n"
"    list show NAME [--offset N] [--limit N]\n"
"    list add [--force] NAME ENTRY...\n"
"    list remove NAME ENTRY...\n"
"                        file-backed asset lists (indicator IPs, domains);\n"
"                        changes rewrite the file atomically and reload;\n"
"                        a prefix wider than limits.list_min_prefix_v4\n"
"                        (/8) or _v6 (/32), or a public suffix (com,\n"
"                        co.uk), is refused unless --force\n"
"    top [-n COUNT]      a live view refreshed every second: packets/s\n"
"                        and drops per interface, flows, alerts/s by\n"
"                        category, the outputs' state (Ctrl-C stops;\n"
"                        -n: after COUNT screens)\n"
"    reload              reload configuration, rules and lists\n"
"    selftest            run every active rule's self-test cases through\n"
"                        a separate instance of the running rule set and\n"
"                        print pass, fail or untested (with the reason)\n"
"                        per rule; exit status 6 when a rule failed\n"
"    shutdown            stop the daemon\n"
"    update [-c CONFIG] [--canhgacd PATH] [SOURCE...]\n"
"                        fetch the indicator lists and rule packs of the\n"
"                        configuration's updates: section (all, or the\n"
"                        sources named), check each with the daemon's\n"
"                        configuration test, keep the previous file as\n"
"                        FILE.prev, swap it in and reload; a failed\n"
"                        reload puts every file back. One line a source:\n"
"                        updated, unchanged or failed (exit status 1)\n"
"    compliance [--level N] [--since DATE|AGE] [--format text|json|html]\n"
"                [--lang en|vi] [-o FILE]\n"
"                        controls required at the level (default: the\n"
"                        configured one), their coverage, exceptions,\n"
"                        alerts and the sensor's evidence; --since sets\n"
"                        the period: 2025-01-31, 2025-01-31T08:00[Z],\n"
"                        or an age such as 7d (default: all history)\n"
"    evidence [--level N] [--since DATE|AGE] [--sign KEY.pem] -o FILE.tar.gz\n"
"                        the evidence bundle of the period: the report\n"
"                        (text, HTML, JSON; English and Vietnamese),\n"
"                        self-test results, hashes of configuration,\n"
"                        catalog, rules and lists, the history excerpt\n"
"                        and alert counts, with MANIFEST.sha256 and,\n"
"                        with --sign (an RSA or EC private key), its\n"
"                        signature MANIFEST.sha256.sig (VERIFY.txt in\n"
"                        the bundle and canhgacctl(8) say how to check)\n"
"\n"
"FILTERS\n"
"    --severity S        critical, high, medium, low or info: this\n"
"                        severity or more severe\n"
"    --category C        scan, bruteforce, policy-violation, plaintext,\n"
"                        weak-crypto, data-leak, exfiltration, ioc, dns,\n"
"                        anomaly, rogue-host, baseline, c2, sensor\n"
"    --sid N             one rule\n"
"    --since T           unix seconds, a date (2025-01-31[T08:00]), or an\n"
"                        age such as 90s, 15m, 2h, 1d\n"
"\n"
"OPTIONS\n"
"    -s SOCKET           the status socket (default %s)\n"
"    -j, --json          print the daemon's JSON answer as it came\n"
"    -t SECONDS          wait this long for an answer, 0..86400 (0: no\n"
"                        limit; default 60)\n"
"    -h, --help          this text\n"
"\n"
"ACCESS\n"
"    Read-only commands need root or the socket's group\n"
"    (outputs.status.group); reload, selftest, shutdown and list\n"
"    add/remove need root or outputs.status.admin_group.\n"
"\n"
"EXIT STATUS\n"
"    0 done; 1 the daemon answered with an error; 2 usage error;\n"
"    3 no daemon on the socket; 4 permission denied; 5 broken answer;\n"
"    6 a rule failed its self-test.\n"
"\n"
"EXAMPLES\n"
"    canhgacctl status\n"
"    canhgacctl alerts --severity high --since 1h\n"
"    canhgacctl list add ioc_ips 203.0.113.7 198.51.100.0/24\n"
"    canhgacctl stats --prometheus > /var/lib/node_exporter/canhgac.prom.$$ \\\n"
"        && mv /var/lib/node_exporter/canhgac.prom.$$ \\\n"
"              /var/lib/node_exporter/canhgac.prom\n",
	    CTL_SOCKET_DEFAULT);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int code, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "canhgacctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/*
 * Connect to path; -1 with errno set (ELOOP: the path is a symbolic
 * link; ENOTSOCK: it is no socket). The socket lies in the service
 * user's runtime directory: connected by name, a link put there made
 * root's canhgacctl talk to whatever socket it pointed at (another
 * daemon's, root-only). The path is opened without following a link
 * and checked to be a socket, and that very inode is connected to
 * through /proc/self/fd, so nothing swapped in between is reached.
 */
static int
ctl_try_connect(const char *path)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { opt_timeout, 0 };
	struct stat		st;
	int			fd, pfd, e, rc;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	if (fstat(pfd, &st) != 0)
		st.st_mode = 0;
	if (!S_ISSOCK(st.st_mode)) {
		e = S_ISLNK(st.st_mode) ? ELOOP : ENOTSOCK;
		close(pfd);
		errno = e;
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "/proc/self/fd/%d",
	    pfd);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		close(pfd);
		return -1;
	}
	rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	if (rc != 0 && errno == ENOENT && access("/proc/self/fd", F_OK) != 0) {
		/* No /proc: by name, after the check above. */
		memset(sun.sun_path, 0, sizeof(sun.sun_path));
		memcpy(sun.sun_path, path, strlen(path));
		rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	}
	e = errno;
	close(pfd);
	if (rc != 0) {
		close(fd);
		errno = e;
		return -1;
	}
	if (opt_timeout > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int
ctl_connect(void)
{
	int	fd;

	if ((fd = ctl_try_connect(sockpath)) >= 0)
		return fd;
	if (errno == ENAMETOOLONG)
		die(EX_USAGE, "%s: socket path too long", sockpath);
	if (errno == EACCES || errno == EPERM)
		die(EX_DENIED, "%s: %s (need root or the socket's group)",
		    sockpath, strerror(errno));
	if (errno == ELOOP)
		die(EX_NOCONN, "%s: a symbolic link, not followed: name the "
		    "socket itself (-s)", sockpath);
	if (errno == ENOTSOCK)
		die(EX_NOCONN, "%s: not a socket (is canhgacd running?)",
		    sockpath);
	die(EX_NOCONN, "%s: %s (is canhgacd running?)", sockpath,
	    strerror(errno));
}

static void
send_req(int fd, json_t *req)
{
	char	*s = json_dumps(req, JSON_COMPACT);
	size_t	 len, off = 0;
	ssize_t	 n;

	if (s == NULL)
		die(EX_USAGE, "cannot encode the request");
	len = strlen(s);
	s[len++] = '\n';	/* json_dumps leaves room for the NUL */
	while (off < len) {
		if ((n = write(fd, s + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			/* Refused at once: the reason may be waiting. */
			if (errno == EPIPE || errno == ECONNRESET)
				break;
			die(EX_PROTO, "write: %s", strerror(errno));
		}
		off += (size_t)n;
	}
	free(s);
}

static volatile sig_atomic_t stop;	/* follow: interrupted */

/* Buffered line reader over the socket. */
struct reader {
	int	 fd;
	char	*buf;
	size_t	 len, cap, off;
};

/* The next line (NUL-terminated, without the newline), or NULL at EOF. */
static char *
read_line(struct reader *r)
{
	char	*nl, *line;
	ssize_t	 n;

	for (;;) {
		nl = r->len > r->off ? memchr(r->buf + r->off, '\n',
		    r->len - r->off) : NULL;
		if (nl != NULL) {
			*nl = '\0';
			line = r->buf + r->off;
			r->off = (size_t)(nl - r->buf) + 1;
			return line;
		}
		if (r->off > 0) {
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		if (r->len >= REPLY_MAX)
			die(EX_PROTO, "answer longer than %d bytes",
			    CTL_REPLY_MAX);
		if (r->len + 65536 > r->cap) {
			r->cap = r->cap ? r->cap * 2 : 131072;
			if (r->cap > REPLY_MAX + 65536)
				r->cap = REPLY_MAX + 65536;
			if ((r->buf = realloc(r->buf, r->cap + 1)) == NULL)
				die(EX_PROTO, "out of memory");
		}
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0 && errno == EINTR && stop)
			return NULL;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
		    timeout_soft) {
			errno = ETIMEDOUT;
			return NULL;
		}
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			die(EX_PROTO, "no answer within %d seconds",
			    opt_timeout);
		if (n < 0 && errno == ECONNRESET)
			return NULL;
		if (n < 0)
			die(EX_PROTO, "read: %s", strerror(errno));
		if (n == 0)
			return NULL;
		r->len += (size_t)n;
	}
}

/* The answer being shown, kept reachable until exit; its length. */
static json_t		*answer;
static size_t		 answer_len;

static json_t *
parse_reply(const char *line)
{
	json_error_t	 je;
	json_t		*j = json_loads(line, 0, &je);

	if (j == NULL || !json_is_object(j))
		die(EX_PROTO, "bad answer: %s", j ? "not an object" : je.text);
	return j;
}

/* Send req, return the answer; an error answer exits with its code. */
static json_t *
request(json_t *req, struct reader *r)
{
	char	*line;
	json_t	*rep;

	signal(SIGPIPE, SIG_IGN);
	r->fd = ctl_connect();
	send_req(r->fd, req);
	json_decref(req);
	if ((line = read_line(r)) == NULL)
		die(EX_PROTO, "the daemon closed the connection without an "
		    "answer");
	answer_len = strlen(line);
	rep = answer = parse_reply(line);
	if (!json_is_true(json_object_get(rep, "ok"))) {
		const char *e = json_string_value(json_object_get(rep,
		    "error"));

		if (opt_json)
			puts(line);
		fprintf(stderr, "canhgacctl: %s\n", e ? e : "failed");
		exit(e && strncmp(e, "permission denied", 17) == 0 ?
		    EX_DENIED : EX_FAILED);
	}
	if (opt_json)
		puts(line);
	return rep;
}

/* A table: rows of cells, printed with columns padded to fit. */
#define TCOLS	12
struct table {
	char	**cells;
	size_t	  ncols, nrows, cap;
	size_t	  width[TCOLS];
};

/*
 * A cell as a terminal may show it: the text comes from the wire (an
 * alert's message quotes a certificate's subject, a URL, a DNS name) and
 * goes to an operator's terminal, so control characters (C0, DEL, C1 as
 * UTF-8) and the bidirectional overrides and isolates, which reorder what
 * is shown, are written '?'.
 */
static char *
cell_dup(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	char			*out, *o;

	if ((out = o = malloc(strlen(s) + 1)) == NULL)
		die(EX_PROTO, "out of memory");
	while (*p != '\0') {
		size_t skip = util_term_unsafe(p, 0);

		if (skip > 0) {
			*o++ = '?';
			p += skip;
		} else
			*o++ = (char)*p++;
	}
	*o = '\0';
	return out;
}

static void
table_add(struct table *t, ...)
{
	va_list		 ap;
	size_t		 i;
	const char	*s;

	if (t->nrows * t->ncols + t->ncols > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64 * t->ncols;
		if ((t->cells = realloc(t->cells, t->cap *
		    sizeof(*t->cells))) == NULL)
			die(EX_PROTO, "out of memory");
	}
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		t->cells[t->nrows * t->ncols + i] = cell_dup(s ? s : "-");
		if (strlen(t->cells[t->nrows * t->ncols + i]) > t->width[i])
			t->width[i] = strlen(t->cells[t->nrows * t->ncols + i]);
	}
	va_end(ap);
	t->nrows++;
}

static void
table_print(struct table *t)
{
	size_t	r, c;

	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c + 1 == t->ncols)
				printf("%s\n", s);
			else
				printf("%-*s  ", (int)t->width[c], s);
			free(t->cells[r * t->ncols + c]);
		}
	}
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static const char *
num(char *buf, size_t len, json_t *v)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_true(v))
		snprintf(buf, len, "yes");
	else if (json_is_false(v))
		snprintf(buf, len, "no");
	else
		snprintf(buf, len, "-");
	return buf;
}

static long long
jint(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

static const char *
jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "-";
}

static void
print_duration(long long s)
{
	if (s >= 86400)
		printf("%lldd ", s / 86400);
	printf("%02lld:%02lld:%02lld", (s % 86400) / 3600, (s % 3600) / 60,
	    s % 60);
}

static void
show_status(json_t *j)
{
	json_t		*a, *v, *rl;
	struct table	 t = { .ncols = 6 };
	char		 b[6][32], when[64];
	size_t		 i;
	time_t		 tt;

	printf("sensor      %s (canhgacd %s, pid %lld)\n", jstr(j, "sensor"),
	    jstr(j, "version"), jint(j, "pid"));
	printf("uptime      ");
	print_duration(jint(j, "uptime"));
	printf(", security level %lld\n", jint(j, "security_level"));
	printf("packets     %lld (%lld bytes)\n", jint(j, "packets"),
	    jint(j, "bytes"));
	v = json_object_get(j, "flows");
	printf("flows       %lld active, %lld created, %lld evicted\n",
	    jint(v, "active"), jint(v, "created"), jint(v, "evicted"));
	v = json_object_get(j, "alerts");
	printf("alerts      %lld: critical %lld, high %lld, medium %lld, "
	    "low %lld, info %lld; %lld excepted\n", jint(v, "total"),
	    jint(v, "critical"), jint(v, "high"), jint(v, "medium"),
	    jint(v, "low"), jint(v, "info"), jint(v, "excepted"));
	if ((v = json_object_get(j, "rules")) != NULL)
		printf("rules       %lld active, %lld inactive, %lld "
		    "exceptions\n", jint(v, "active"), jint(v, "inactive"),
		    jint(v, "exceptions"));
	rl = json_object_get(j, "reload");
	if (jint(rl, "count") == 0)
		printf("reload      none since start\n");
	else {
		tt = (time_t)jint(rl, "last");
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
		    localtime(&tt));
		printf("reload      %lld (%lld failed), last %s: %s%s\n",
		    jint(rl, "count"), jint(rl, "failures"), when,
		    json_is_true(json_object_get(rl, "ok")) ? "ok" : "FAILED: ",
		    json_is_true(json_object_get(rl, "ok")) ? "" :
		    jstr(rl, "error"));
	}
	if ((v = json_object_get(j, "selftest")) != NULL) {
		tt = (time_t)jint(v, "time");
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
		    localtime(&tt));
		printf("selftest    %s: %lld passed, %lld failed, %lld "
		    "untested (rule set %.12s)\n", when, jint(v, "pass"),
		    jint(v, "fail"), jint(v, "untested"), jstr(v, "digest"));
	}
	printf("\n");
	table_add(&t, "INTERFACE", "STATE", "PACKETS", "PCAP-RECEIVED",
	    "PCAP-DROPPED", "IF-DROPPED");
	a = json_object_get(j, "interfaces");
	json_array_foreach(a, i, v)
		table_add(&t, jstr(v, "name"), jstr(v, "state"),
		    num(b[0], 32, json_object_get(v, "packets")),
		    num(b[1], 32, json_object_get(v, "pcap_received")),
		    num(b[2], 32, json_object_get(v, "pcap_dropped")),
		    num(b[3], 32, json_object_get(v, "pcap_ifdropped")));
	table_print(&t);
	printf("\n");
	t.ncols = 4;
	table_add(&t, "OUTPUT", "WRITTEN", "ERRORS", "WHERE");
	a = json_object_get(j, "outputs");
	json_array_foreach(a, i, v) {
		char where[512];

		if (strcmp(jstr(v, "name"), "status") == 0) {
			snprintf(where, sizeof(where), "%s (%lld clients, "
			    "%lld following, %lld denied)", jstr(v, "path"),
			    jint(v, "clients"), jint(v, "followers"),
			    jint(v, "denied"));
			table_add(&t, "status", "-", "-", where);
		} else if (strcmp(jstr(v, "name"), "syslog") == 0) {
			snprintf(where, sizeof(where), "%s (%s, %lld waiting, "
			    "%lld dropped%s%s)", jstr(v, "path"),
			    jstr(v, "state"), jint(v, "waiting"),
			    jint(v, "dropped"), json_is_string(json_object_get(
			    v, "last_error")) ? ", last error: " : "",
			    json_is_string(json_object_get(v, "last_error")) ?
			    jstr(v, "last_error") : "");
			table_add(&t, "syslog",
			    num(b[0], 32, json_object_get(v, "sent")),
			    num(b[1], 32, json_object_get(v, "errors")), where);
		} else if (strcmp(jstr(v, "name"), "remote") == 0) {
			snprintf(where, sizeof(where), "%s (%s, %lld spooled, "
			    "%lld replayed, %lld resent, %lld dropped, %lld in "
			    "the spool%s%s)", jstr(v, "destination"),
			    jstr(v, "state"), jint(v, "spooled"),
			    jint(v, "replayed"), jint(v, "resent"),
			    jint(v, "dropped"), jint(v, "spool_pending"),
			    *jstr(v, "last_error") ? ", last error: " : "",
			    jstr(v, "last_error"));
			table_add(&t, "remote",
			    num(b[0], 32, json_object_get(v, "sent")),
			    num(b[1], 32, json_object_get(v, "dropped")),
			    where);
		} else
			table_add(&t, jstr(v, "name"),
			    num(b[0], 32, json_object_get(v, "written")),
			    num(b[1], 32, json_object_get(v, "errors")),
			    jstr(v, "path"));
	}
	table_print(&t);
}

/* stats, human: one "section.key value" line per counter. */
static void
flatten(const char *prefix, json_t *v)
{
	const char	*k;
	json_t		*x;
	size_t		 i;
	char		 p[512], b[64];

	if (json_is_object(v)) {
		json_object_foreach(v, k, x) {
			if (*prefix == '\0' && strcmp(k, "ok") == 0)
				continue;
			snprintf(p, sizeof(p), "%s%s%s", prefix,
			    *prefix ? "." : "", k);
			flatten(p, x);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x) {
			const char *id = json_string_value(json_object_get(x,
			    "name"));

			if (id == NULL && json_object_get(x, "sid") != NULL)
				id = num(b, sizeof(b), json_object_get(x,
				    "sid"));
			if (id == NULL) {
				snprintf(b, sizeof(b), "%zu", i);
				id = b;
			}
			snprintf(p, sizeof(p), "%s[%s]", prefix, id);
			flatten(p, x);
		}
	} else
		printf("%s %s\n", prefix, num(b, sizeof(b), v));
}

/* A Prometheus label value, escaped. */
static void
prom_label(const char *name, const char *val)
{
	const char	*p;

	printf("%s=\"", name);
	for (p = val; *p; p++) {
		if (*p == '\\' || *p == '"')
			printf("\\%c", *p);
		else if (*p == '\n')
			printf("\\n");
		else
			putchar(*p);
	}
	putchar('"');
}

static int
prom_gauge(const char *key)
{
	static const char *const g[] = { "active", "peak_active", "max",
	    "threshold_keys", "threshold_bytes", "uptime", "ring_alerts",
	    "inactive", "ok", "waiting", "clients", "followers",
	    "spool_pending", "spool_bytes", "in_flight", "last",
	    "packets_per_second", "peak_rss_kb", "bytes_per_flow",
	    "match_states", "match_states_max", "blocks_used", "blocks_max",
	    "zlib_in_use", "zlib_max" };
	size_t	i;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		if (strcmp(key, g[i]) == 0)
			return 1;
	return 0;
}

static void
prom_name(char *out, size_t len, const char *a, const char *b, int gauge)
{
	char	*p;

	snprintf(out, len, "canhgac_%s%s%s%s", a, *a && *b ? "_" : "", b,
	    strcmp(b, "uptime") == 0 ? "_seconds" : gauge ? "" : "_total");
	for (p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_'))
			*p = '_';
}

static void
prom_head(const char *name, const char *help, int gauge)
{
	printf("# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    gauge ? "gauge" : "counter");
}

/* The labels that identify an element of a stats array. */
static void
prom_elem_labels(const char *arr, json_t *e)
{
	if (strcmp(arr, "per_rule") == 0)
		prom_label("sid", num((char[32]){0}, 32,
		    json_object_get(e, "sid")));
	else if (strcmp(arr, "per_exception") == 0) {
		char l[32];

		prom_label("file", jstr(e, "file"));
		printf(",");
		prom_label("line", num(l, sizeof(l), json_object_get(e,
		    "line")));
		printf(",");
		prom_label("owner", jstr(e, "owner"));
	} else if (strcmp(arr, "interfaces") == 0)
		prom_label("interface", jstr(e, "name"));
	else if (strcmp(arr, "per_worker") == 0)
		prom_label("worker", jstr(e, "name"));
	else {
		prom_label("output", jstr(e, "name"));
		if (json_is_string(json_object_get(e, "destination"))) {
			printf(",");
			prom_label("destination", jstr(e, "destination"));
		}
	}
}

/*
 * stats' outputs object (json, events, syslog, status: objects; remote:
 * an array) as one array of named elements, one family per counter
 * labelled by output (and destination for each remote).
 */
static json_t *
prom_outputs(json_t *o)
{
	json_t		*a = json_array(), *x, *e, *c;
	const char	*k;
	size_t		 i;

	json_object_foreach(o, k, x) {
		if (json_is_object(x)) {
			c = json_copy(x);
			json_object_set_new(c, "name", json_string(k));
			json_array_append_new(a, c);
		} else if (json_is_array(x))
			json_array_foreach(x, i, e) {
				c = json_copy(e);
				json_object_set_new(c, "name", json_string(k));
				json_array_append_new(a, c);
			}
	}
	return a;
}

/* An array of objects: one family per numeric key, labelled samples. */
static void
prom_array(const char *prefix, const char *arr, json_t *a)
{
	json_t		*x, *e, *f;
	const char	*k;
	char		 name[256], help[256];
	size_t		 i, j;
	const char	*base = strcmp(arr, "per_rule") == 0 ? "rule" :
			    strcmp(arr, "per_exception") == 0 ? "exception" :
			    strcmp(arr, "interfaces") == 0 ? "interface" :
			    strcmp(arr, "per_worker") == 0 ? "worker" :
			    "output";

	(void)prefix;
	/* One family per numeric key of any element (outputs differ). */
	json_array_foreach(a, j, f) json_object_foreach(f, k, x) {
		int gauge = prom_gauge(k), seen = 0;

		if (!json_is_integer(x) || strcmp(k, "sid") == 0 ||
		    strcmp(k, "line") == 0)
			continue;
		for (i = 0; i < j && !seen; i++)
			seen = json_is_integer(json_object_get(
			    json_array_get(a, i), k));
		if (seen)
			continue;
		prom_name(name, sizeof(name), base, k, gauge);
		snprintf(help, sizeof(help), "canhgacd %s %s", base, k);
		prom_head(name, help, gauge);
		json_array_foreach(a, i, e) {
			json_t *v = json_object_get(e, k);

			if (!json_is_integer(v))
				continue;
			printf("%s{", name);
			prom_elem_labels(arr, e);
			printf("} %lld\n", (long long)json_integer_value(v));
		}
	}
}

static void
prom_object(const char *prefix, json_t *o)
{
	const char	*k, *r;
	json_t		*x, *y;
	char		 name[256], help[256], sub[128];

	json_object_foreach(o, k, x) {
		if (*prefix == '\0' && strcmp(k, "ok") == 0)
			continue;
		if (json_is_integer(x) || json_is_boolean(x)) {
			int gauge = prom_gauge(k);

			prom_name(name, sizeof(name), prefix, k, gauge);
			snprintf(help, sizeof(help), "canhgacd %s%s%s",
			    prefix, *prefix ? " " : "", k);
			prom_head(name, help, gauge);
			printf("%s %lld\n", name, json_is_boolean(x) ?
			    (long long)json_is_true(x) :
			    (long long)json_integer_value(x));
		} else if (json_is_object(x) && strcmp(k, "anomalies") == 0) {
			prom_name(name, sizeof(name), prefix, "anomalies", 0);
			prom_head(name, "malformed packets by reason", 0);
			json_object_foreach(x, r, y) {
				printf("%s{", name);
				prom_label("reason", r);
				printf("} %lld\n",
				    (long long)json_integer_value(y));
			}
		} else if (json_is_object(x) && strcmp(k, "outputs") == 0) {
			json_t *a = prom_outputs(x), *sc = json_object();

			json_object_foreach(x, r, y)
				if (json_is_integer(y))
					json_object_set(sc, r, y);
			prom_object("outputs", sc);
			prom_array(prefix, k, a);
			json_decref(sc);
			json_decref(a);
		} else if (json_is_object(x)) {
			snprintf(sub, sizeof(sub), "%s%s%s", prefix,
			    *prefix ? "_" : "", k);
			prom_object(sub, x);
		} else if (json_is_array(x))
			prom_array(prefix, k, x);
	}
}

/* The pages joined and the one in hand, let go before a refusal exits
 * (a leak checker counts them lost otherwise). */
static void
rules_drop(json_t *all, json_t *rep)
{
	if (answer == rep || answer == all)
		answer = NULL;
	json_decref(all);
	json_decref(rep);
}

/*
 * `rules` without --offset or --limit: every page, joined into one
 * answer. A reload between pages starts the listing again (three times
 * at most), so the table is one rule set's.
 */
static json_t *
request_rules(json_t *req, struct reader *r)
{
	json_t		*all = NULL, *rep, *next;
	json_int_t	 gen = -1, off = 0, total = -1, have = 0, n;
	unsigned long long bytes = 0;
	int		 print = opt_json, tries = 0;

	if (json_object_get(req, "offset") != NULL ||
	    json_object_get(req, "limit") != NULL)
		return request(req, r);
	opt_json = 0;
	json_object_set_new(req, "offset", json_integer(0));
	for (;;) {
		json_incref(req);
		rep = request(req, r);
		close(r->fd);
		r->len = r->off = 0;
		if (all != NULL && jint(rep, "generation") != gen) {
			if (++tries == 3) {
				rules_drop(all, rep);
				die(EX_FAILED, "rules: the daemon reloaded "
				    "three times during the listing; try again");
			}
			json_decref(all);
			all = NULL;
			json_object_set_new(req, "offset", json_integer(0));
			json_decref(rep);
			continue;
		}
		/*
		 * Pages of one rule set add up: the same total, within what
		 * a daemon loads, each past the last. Else a socket in the
		 * service user's runtime directory that answers each page
		 * with the same "next" kept a root canhgacctl asking and
		 * joining for ever, past any memory.
		 */
		next = json_object_get(rep, "next");
		n = (json_int_t)json_array_size(json_object_get(rep, "rules"));
		bytes += answer_len;
		if (all == NULL) {
			total = jint(rep, "total");
			have = off = 0;
			bytes = answer_len;
		}
		if (!json_is_array(json_object_get(rep, "rules")) ||
		    total < 0 || total > CTL_RULES_TOTAL_MAX ||
		    jint(rep, "total") != total || have + n > total ||
		    (json_is_integer(next) && (json_integer_value(next) <=
		    off || json_integer_value(next) > total ||
		    n > json_integer_value(next) - off))) {
			long long nx = json_is_integer(next) ?
			    (long long)json_integer_value(next) : -1LL;
			long long tot = jint(rep, "total");

			rules_drop(all, rep);
			die(EX_PROTO, "rules: the daemon's pages do not add up "
			    "(offset %lld: %lld rules, next %lld, total %lld)",
			    (long long)off, (long long)n, nx, tot);
		}
		if (bytes > CTL_RULES_JOINED_MAX) {
			rules_drop(all, rep);
			die(EX_PROTO, "rules: more than %llu bytes in all; ask "
			    "for pages with --offset and --limit",
			    (unsigned long long)CTL_RULES_JOINED_MAX);
		}
		have += n;
		gen = jint(rep, "generation");
		if (all == NULL)
			all = json_incref(rep);
		else
			json_array_extend(json_object_get(all, "rules"),
			    json_object_get(rep, "rules"));
		if (!json_is_integer(next)) {
			json_decref(rep);
			break;
		}
		off = json_integer_value(next);
		json_object_set(req, "offset", next);
		json_decref(rep);
	}
	json_decref(req);
	json_object_del(all, "next");
	opt_json = print;
	answer = all;
	if (opt_json) {
		char *s = json_dumps(all, JSON_COMPACT);

		if (s == NULL)
			die(EX_FAILED, "out of memory");
		puts(s);
		free(s);
	}
	return all;
}

static void
show_rules(json_t *j)
{
	struct table	 t = { .ncols = 8 };
	json_t		*v;
	size_t		 i;
	char		 b[4][32], name[512];

	table_add(&t, "SID", "LEVEL", "SEVERITY", "CATEGORY", "STATE", "HITS",
	    "LAST-HIT", "NAME");
	json_array_foreach(json_object_get(j, "rules"), i, v) {
		int active = json_is_true(json_object_get(v, "active"));

		if (active)
			snprintf(name, sizeof(name), "%s", jstr(v, "name"));
		else
			snprintf(name, sizeof(name), "%s (%s)", jstr(v, "name"),
			    jstr(v, "inactive_reason"));
		table_add(&t, num(b[0], 32, json_object_get(v, "sid")),
		    num(b[1], 32, json_object_get(v, "level")),
		    jstr(v, "severity"), jstr(v, "category"),
		    active ? "active" : "inactive",
		    num(b[2], 32, json_object_get(v, "hits")),
		    jstr(v, "last_hit"), name);
	}
	table_print(&t);
	if (json_is_integer(json_object_get(j, "next")))
		fprintf(stderr, "%lld of %lld rules from this offset; more "
		    "with --offset %lld\n", (long long)json_array_size(
		    json_object_get(j, "rules")), jint(j, "total"),
		    jint(j, "next"));
}

/* An array of numbers or strings joined by commas into buf, cut. */
static const char *
join(json_t *arr, char *buf, size_t len)
{
	json_t	*s;
	size_t	 k, off = 0;

	buf[0] = '\0';
	json_array_foreach(arr, k, s) {
		if (off >= len)
			break;
		if (json_is_string(s))
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
			    k ? "," : "", json_string_value(s));
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%lld",
			    k ? "," : "", (long long)json_integer_value(s));
	}
	return buf;
}

/* baselines: one line a key; the hours of the week it was active. */
static void
show_baselines(json_t *j)
{
	static const char *const day[] = { "Mon", "Tue", "Wed", "Thu", "Fri",
	    "Sat", "Sun" };
	struct table	 t = { .ncols = 7 };
	json_t		*v, *h;
	size_t		 i, k;
	char		 b[3][32], key[160], state[96], hours[64];
	int		 first, last, n;

	table_add(&t, "SID", "KEY", "MEASURE", "STATE", "ACTIVE-HOURS", "PEAK",
	    "WEEK (first active hour .. last)");
	json_array_foreach(json_object_get(j, "baselines"), i, v) {
		n = snprintf(key, sizeof(key), "%s", "");
		if (json_object_get(v, "src_ip") != NULL)
			n += snprintf(key + n, sizeof(key) - (size_t)n, "%s%s",
			    n ? " " : "", jstr(v, "src_ip"));
		if (json_object_get(v, "dest_ip") != NULL)
			n += snprintf(key + n, sizeof(key) - (size_t)n,
			    "%s-> %s", n ? " " : "", jstr(v, "dest_ip"));
		if (json_object_get(v, "dest_port") != NULL)
			snprintf(key + n, sizeof(key) - (size_t)n, "%sport %lld",
			    n ? " " : "", jint(v, "dest_port"));
		snprintf(state, sizeof(state), "%s %s",
		    json_is_true(json_object_get(v, "learning")) ?
		    "learning until" : "learned", jstr(v, "learned_until"));
		h = json_object_get(v, "hours");
		first = last = -1;
		for (k = 0; k < json_array_size(h); k++)
			if (json_integer_value(json_array_get(h, k)) != 0) {
				if (first < 0)
					first = (int)k;
				last = (int)k;
			}
		if (first < 0)
			snprintf(hours, sizeof(hours), "-");
		else
			snprintf(hours, sizeof(hours), "%s %02d:00 .. %s %02d:00",
			    day[first / 24 % 7], first % 24, day[last / 24 % 7],
			    last % 24);
		table_add(&t, num(b[0], 32, json_object_get(v, "sid")), key,
		    jstr(v, "measure"), state, num(b[1], 32, json_object_get(v,
		    "active_hours")), num(b[2], 32, json_object_get(v, "peak")),
		    hours);
	}
	table_print(&t);
	if (jint(j, "total") > (long long)json_array_size(json_object_get(j,
	    "baselines")))
		fprintf(stderr, "%zu of %lld keys (--limit, --offset)\n",
		    json_array_size(json_object_get(j, "baselines")),
		    jint(j, "total"));
}

static int
sid_cmp(const void *a, const void *b)
{
	long long	x = atoll(*(const char *const *)a);
	long long	y = atoll(*(const char *const *)b);

	return x < y ? -1 : x > y;
}

/* The self-test, a rule a line by sid; the number of failures. */
static long long
show_selftest(json_t *rep)
{
	json_t		*st = json_object_get(rep, "selftest"), *d, *v;
	const char	*k, **sids;
	size_t		 n = 0, i;

	d = json_object_get(st, "details");
	sids = calloc(json_object_size(d) + 1, sizeof(*sids));
	if (sids == NULL)
		die(EX_FAILED, "out of memory");
	json_object_foreach(d, k, v)
		sids[n++] = k;
	qsort(sids, n, sizeof(*sids), sid_cmp);
	for (i = 0; i < n; i++) {
		v = json_object_get(d, sids[i]);
		printf("%-9s %-8s %s", sids[i], jstr(v, "result"),
		    jstr(v, "name"));
		if (json_is_string(json_object_get(v, "reason")))
			printf(": %s", jstr(v, "reason"));
		putchar('\n');
	}
	free(sids);
	printf("self-test of rule set %.12s: %lld passed, %lld failed, %lld "
	    "untested%s\n", jstr(st, "digest"), jint(st, "pass"),
	    jint(st, "fail"), jint(st, "untested"), json_is_true(
	    json_object_get(st, "truncated")) ? " (more rules than shown)" :
	    "");
	return jint(st, "fail");
}

static void
show_exceptions(json_t *j)
{
	struct table	 t = { .ncols = 7 };
	json_t		*v;
	size_t		 i;
	char		 b[2][32], sids[256];

	table_add(&t, "SIDS", "OWNER", "EXPIRES", "STATE", "HITS",
	    "EXPIRED-HITS", "REASON");
	json_array_foreach(json_object_get(j, "exceptions"), i, v) {
		join(json_object_get(v, "sids"), sids, sizeof(sids));
		table_add(&t, *sids ? sids : "any", jstr(v, "owner"),
		    json_is_string(json_object_get(v, "expires")) ?
		    jstr(v, "expires") : "never",
		    json_is_true(json_object_get(v, "expired")) ? "EXPIRED" :
		    "in force", num(b[0], 32, json_object_get(v, "hits")),
		    num(b[1], 32, json_object_get(v, "expired_hits")),
		    jstr(v, "reason"));
	}
	table_print(&t);
}

static void
show_hosts(json_t *j)
{
	struct table	 t = { .ncols = 8 };
	json_t		*v;
	size_t		 i;
	char		 b[2][32], ports[256];

	table_add(&t, "IP", "MAC", "KNOWN", "FIRST-SEEN", "LAST-SEEN",
	    "BYTES-IN", "BYTES-OUT", "PORTS");
	json_array_foreach(json_object_get(j, "hosts"), i, v) {
		join(json_object_get(v, "ports"), ports, sizeof(ports));
		table_add(&t, jstr(v, "ip"), json_is_string(json_object_get(v,
		    "mac")) ? jstr(v, "mac") : "-",
		    json_is_true(json_object_get(v, "known")) ? "yes" : "NO",
		    jstr(v, "first_seen"), jstr(v, "last_seen"),
		    num(b[0], 32, json_object_get(v, "bytes_in")),
		    num(b[1], 32, json_object_get(v, "bytes_out")),
		    *ports ? ports : "-");
	}
	table_print(&t);
	printf("%lld hosts seen, %lld not in known_hosts, %lld evicted "
	    "(inventory.max_hosts %lld)%s\n", jint(j, "seen"),
	    jint(j, "unknown"), jint(j, "evicted"), jint(j, "max_hosts"),
	    json_is_true(json_object_get(j, "truncated")) ?
	    "; more with --limit" : "");
}

static void
alert_row(struct table *t, json_t *a)
{
	json_t	*al = json_object_get(a, "alert");
	char	 src[80], dst[80], sid[32];

	if (json_object_get(a, "src_port"))
		snprintf(src, sizeof(src), "%s:%lld", jstr(a, "src_ip"),
		    jint(a, "src_port"));
	else
		snprintf(src, sizeof(src), "%s", jstr(a, "src_ip"));
	if (json_object_get(a, "dest_port"))
		snprintf(dst, sizeof(dst), "%s:%lld", jstr(a, "dest_ip"),
		    jint(a, "dest_port"));
	else
		snprintf(dst, sizeof(dst), "%s", jstr(a, "dest_ip"));
	table_add(t, jstr(a, "timestamp"), jstr(al, "severity_name"),
	    num(sid, sizeof(sid), json_object_get(al, "signature_id")),
	    jstr(al, "category"), src, dst, jstr(al, "message"));
}

static void
show_alerts(json_t *j)
{
	struct table	 t = { .ncols = 7 };
	json_t		*v;
	size_t		 i;

	table_add(&t, "TIME", "SEVERITY", "SID", "CATEGORY", "SOURCE",
	    "DESTINATION", "MESSAGE");
	json_array_foreach(json_object_get(j, "alerts"), i, v)
		alert_row(&t, v);
	table_print(&t);
}

/* --since: unix seconds, a date or date-time, or an age such as 15m. */
static double
parse_since(const char *s)
{
	char		err[256];
	long long	v = compliance_parse_since(s, (long long)time(NULL), err,
			    sizeof(err));

	if (v < 0)
		die(EX_USAGE, "%s", err);
	return (double)v;
}

static long long
parse_num(const char *opt, const char *s)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 0)
		die(EX_USAGE, "%s: expected a number, got \"%s\"", opt, s);
	return v;
}

/* Options after the command: filters, limits, --prometheus. */
static int
cmd_options(int argc, char **argv, json_t *req, int *prom)
{
	static const struct option lo[] = {
		{ "severity", required_argument, NULL, 'S' },
		{ "category", required_argument, NULL, 'C' },
		{ "sid", required_argument, NULL, 'I' },
		{ "since", required_argument, NULL, 'T' },
		{ "limit", required_argument, NULL, 'L' },
		{ "offset", required_argument, NULL, 'O' },
		{ "active", no_argument, NULL, 'a' },
		{ "inactive", no_argument, NULL, 'i' },
		{ "prometheus", no_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'F' },
		{ "new", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+j", lo, NULL)) != -1) {
		switch (ch) {
		case 'S':
			json_object_set_new(req, "severity",
			    json_string(optarg));
			break;
		case 'C':
			json_object_set_new(req, "category",
			    json_string(optarg));
			break;
		case 'I':
			json_object_set_new(req, "sid", json_integer(
			    parse_num("--sid", optarg)));
			break;
		case 'T':
			json_object_set_new(req, "since", json_real(
			    parse_since(optarg)));
			break;
		case 'L':
			json_object_set_new(req, "limit", json_integer(
			    parse_num("--limit", optarg)));
			break;
		case 'O':
			json_object_set_new(req, "offset", json_integer(
			    parse_num("--offset", optarg)));
			break;
		case 'a':
		case 'i':
			json_object_set_new(req, "active",
			    json_boolean(ch == 'a'));
			break;
		case 'p':
			if (prom == NULL)
				die(EX_USAGE, "--prometheus goes with stats");
			*prom = 1;
			break;
		case 'j':
			opt_json = 1;
			break;
		case 'F':
			json_object_set_new(req, "force", json_true());
			break;
		case 'N':
			json_object_set_new(req, "new", json_true());
			break;
		default:
			exit(EX_USAGE);
		}
	}
	return optind;
}

static void
on_sig(int sig)
{
	(void)sig;
	stop = 1;
}

static int
do_follow(json_t *req)
{
	static struct reader r;	/* static: reachable at exit */
	struct table	 t = { .ncols = 7 };
	struct sigaction sa;
	char		*line;
	json_t		*a;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	opt_timeout = 0;	/* alerts may be rare */
	/*
	 * Line by line even into a file or pipe, set before the first
	 * write (request() prints the acknowledgement with --json): each
	 * alert is there for a script as soon as it arrives.
	 */
	setvbuf(stdout, NULL, _IOLBF, 0);
	json_decref(request(req, &r));
	answer = NULL;
	while (!stop && (line = read_line(&r)) != NULL) {
		a = parse_reply(line);
		if (json_object_get(a, "ok") != NULL &&
		    !json_is_true(json_object_get(a, "ok"))) {
			fprintf(stderr, "canhgacctl: %s\n", jstr(a, "error"));
			json_decref(a);
			free(r.buf);
			return EX_FAILED;
		}
		if (opt_json)
			puts(line);
		else {
			t.ncols = 7;
			alert_row(&t, a);
			table_print(&t);
		}
		json_decref(a);
	}
	free(r.buf);
	if (stop)
		return EX_OK;
	fprintf(stderr, "canhgacctl: the daemon closed the stream\n");
	return EX_PROTO;
}

/* top: a number of the snapshot, 0 when absent. */
static double
jnum(json_t *o, const char *path)
{
	char	 key[64];
	const char *dot;

	while (o != NULL && (dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		o = json_object_get(o, key);
		path = dot + 1;
	}
	return o ? json_number_value(json_object_get(o, path)) : 0;
}

/* Per second from the snapshot before (0 on the first, or a reset). */
static double
rate(json_t *cur, json_t *prev, const char *path, double dt)
{
	double	d;

	if (prev == NULL || dt <= 0)
		return 0;
	d = jnum(cur, path) - jnum(prev, path);
	return d > 0 ? d / dt : 0;
}

/* The element of arr whose key equals that of e, or NULL. */
static json_t *
top_match(json_t *arr, const char *key, json_t *e)
{
	size_t	 i;
	json_t	*x;

	json_array_foreach(arr, i, x)
		if (json_equal(json_object_get(x, key), json_object_get(e, key)))
			return x;
	return NULL;
}

/* Alerts per second by category, from the rules' hits in per_rule. */
static void
top_categories(json_t *cur, json_t *prev, double dt)
{
	json_t	*cats = json_object(), *per, *e, *p, *v;
	size_t	 i;
	const char *k;
	double	 d, total = 0;

	per = json_object_get(json_object_get(cur, "rules"), "per_rule");
	json_array_foreach(per, i, e) {
		p = prev ? top_match(json_object_get(json_object_get(prev,
		    "rules"), "per_rule"), "sid", e) : NULL;
		d = jnum(e, "hits") - (p ? jnum(p, "hits") : 0);
		if (prev == NULL || d <= 0 || dt <= 0)
			continue;
		k = jstr(e, "category");
		v = json_object_get(cats, k);
		json_object_set_new(cats, k, json_real(
		    (v ? json_real_value(v) : 0) + d / dt));
		total += d / dt;
	}
	printf("alerts/s    %.1f total", total);
	json_object_foreach(cats, k, v)
		printf(", %s %.1f", k, json_real_value(v));
	printf("\n");
	json_decref(cats);
}

/* One screen: rates against the snapshot before. */
static void
top_screen(json_t *cur, json_t *prev, double dt, int tty)
{
	char	 tb[16];
	time_t	 now = time(NULL);
	json_t	*ifs, *e, *p, *o, *v;
	size_t	 i;
	const char *k;
	struct table t = { .ncols = 5 };

	strftime(tb, sizeof(tb), "%H:%M:%S", localtime(&now));
	if (tty)
		fputs("\033[H\033[2J", stdout);	/* home, clear: any terminal */
	printf("canhgacctl top  %s  up ", tb);
	print_duration((long long)jnum(cur, "uptime"));
	printf("  (every 1 s; Ctrl-C stops)\n\n");
	table_add(&t, "INTERFACE", "STATE", "PACKETS/S", "DROPS", "DROPS/S");
	ifs = json_object_get(cur, "interfaces");
	json_array_foreach(ifs, i, e) {
		char a[32], b[32], c[32];
		double dr, pdr = 0;

		p = prev ? top_match(json_object_get(prev, "interfaces"),
		    "name", e) : NULL;
		dr = jnum(e, "pcap_dropped") + jnum(e, "pcap_ifdropped");
		if (p != NULL)
			pdr = jnum(p, "pcap_dropped") + jnum(p, "pcap_ifdropped");
		snprintf(a, sizeof(a), "%.0f", p && dt > 0 && jnum(e, "packets")
		    > jnum(p, "packets") ? (jnum(e, "packets") -
		    jnum(p, "packets")) / dt : 0);
		snprintf(b, sizeof(b), "%.0f", dr);
		snprintf(c, sizeof(c), "%.0f", p && dt > 0 && dr > pdr ?
		    (dr - pdr) / dt : 0);
		table_add(&t, jstr(e, "name"), jstr(e, "state"), a, b, c);
	}
	table_print(&t);
	printf("\nflows       %.0f active (peak %.0f), %.1f new/s, %.0f "
	    "evicted\n", jnum(cur, "flow.active"), jnum(cur,
	    "flow.peak_active"), rate(cur, prev, "flow.created", dt),
	    jnum(cur, "flow.evicted"));
	top_categories(cur, prev, dt);
	printf("\noutputs\n");
	o = json_object_get(cur, "outputs");
	json_object_foreach(o, k, v) {
		if (json_is_object(v) && json_object_get(v, "state") != NULL)
			printf("  %-8s %s, %.0f sent, %.0f queued, %.0f dropped\n",
			    k, jstr(v, "state"), jnum(v, "sent"),
			    jnum(v, "queued"), jnum(v, "dropped"));
		else if (json_is_object(v) && json_object_get(v, "clients"))
			printf("  %-8s %.0f clients, %.0f following\n", k,
			    jnum(v, "clients"), jnum(v, "followers"));
		else if (json_is_object(v))
			printf("  %-8s %.0f written, %.0f errors\n", k,
			    jnum(v, "written"), jnum(v, "errors"));
		else if (json_is_array(v))
			json_array_foreach(v, i, e)
				printf("  remote   %s %s: %s, %.0f sent, %.0f "
				    "spooled, %.0f dropped\n",
				    jstr(e, "destination"), jstr(e, "transport"),
				    jstr(e, "state"), jnum(e, "sent"),
				    jnum(e, "spool_pending"), jnum(e, "dropped"));
	}
	fflush(stdout);
}

static int
do_top(int argc, char **argv)
{
	struct sigaction sa;
	struct timespec	 t0, t1, pause = { 1, 0 };
	json_t		*cur, *prev = NULL;
	long long	 count = 0, i;
	int		 tty = isatty(STDOUT_FILENO);

	if (argc == 3 && strcmp(argv[1], "-n") == 0)
		count = parse_num("-n", argv[2]);
	else if (argc != 1)
		die(EX_USAGE, "top: expected no argument or -n COUNT");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; !stop && (count == 0 || i < count); i++) {
		struct reader r = { .fd = -1 };

		cur = request(json_pack("{s:s}", "cmd", CTL_CMD_STATS), &r);
		answer = NULL;
		close(r.fd);
		free(r.buf);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		top_screen(cur, prev, (double)(t1.tv_sec - t0.tv_sec) +
		    (t1.tv_nsec - t0.tv_nsec) / 1e9, tty);
		t0 = t1;
		json_decref(prev);
		prev = cur;
		if (count == 0 || i + 1 < count)
			nanosleep(&pause, NULL);	/* a signal ends it */
	}
	json_decref(prev);
	return EX_OK;
}

/* compliance: ask the daemon, render its report here. */
static int
do_compliance(int argc, char **argv, json_t *req, struct reader *r)
{
	static const struct option lo[] = {
		{ "level", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'g' },
		{ "output", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*format = "text", *out = NULL;
	char		 err[256];
	long long	 since;
	json_t		*rep;
	FILE		*fp = stdout;
	int		 ch, vi = -1;
	long long	 lv;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'l':
			lv = parse_num("--level", optarg);
			if (lv < 1 || lv > 5)
				die(EX_USAGE, "--level: 1..5");
			json_object_set_new(req, "level", json_integer(lv));
			break;
		case 'f':
			format = optarg;
			if (strcmp(format, "text") && strcmp(format, "json") &&
			    strcmp(format, "html"))
				die(EX_USAGE, "--format: text, json or html");
			break;
		case 'g':
			if (strcmp(optarg, "en") && strcmp(optarg, "vi"))
				die(EX_USAGE, "--lang: en or vi");
			vi = strcmp(optarg, "vi") == 0;
			break;
		case 'o':
			out = optarg;
			break;
		case 'T':
			if ((since = compliance_parse_since(optarg,
			    (long long)time(NULL), err, sizeof(err))) < 0)
				die(EX_USAGE, "%s", err);
			json_object_set_new(req, "since", json_integer(since));
			break;
		default:
			exit(EX_USAGE);
		}
	}
	if (optind != argc)
		die(EX_USAGE, "compliance: unexpected argument \"%s\"",
		    argv[optind]);
	rep = request(req, r);
	json_object_del(rep, "ok");
	if (vi < 0)
		vi = strcmp(jstr(json_object_get(rep, "identity"), "language"),
		    "vi") == 0;
	if (out != NULL) {
		char	oerr[512];
		int	fd;

		/*
		 * Often run as root with -o in /tmp: another user's link or
		 * hard link planted there must not make root truncate its
		 * target (the same opener the daemon uses for its files).
		 */
		if ((fd = safe_open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644, 0,
		    oerr, sizeof(oerr))) == -1)
			die(EX_USAGE, "%s", oerr);
		if ((fp = fdopen(fd, "w")) == NULL)
			die(EX_USAGE, "%s: %s", out, strerror(errno));
	}
	if (compliance_render(rep, opt_json ? "json" : format, vi, fp) != 0 ||
	    (out != NULL && fclose(fp) != 0))
		die(EX_USAGE, "%s: cannot write the report",
		    out ? out : "standard output");
	json_decref(rep);
	answer = NULL;
	free(r->buf);
	return EX_OK;
}

/* A rendering of the report into memory (for the bundle). */
static char *
render_mem(json_t *rep, const char *format, int vi, size_t *len)
{
	char	*buf = NULL;
	FILE	*fp = open_memstream(&buf, len);

	if (fp == NULL || compliance_render(rep, format, vi, fp) != 0 ||
	    fclose(fp) != 0)
		die(EX_FAILED, "cannot render the report (%s)", format);
	return buf;
}

static char *
dump_mem(json_t *j, size_t *len)
{
	char	*s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);

	if (s == NULL)
		die(EX_FAILED, "cannot write JSON");
	*len = strlen(s);
	return s;
}

static const char verify_text[] =
"canhgac evidence bundle\n"
"\n"
"MANIFEST.sha256 holds the SHA-256 of every other file. Check them:\n"
"\n"
"    sha256sum -c MANIFEST.sha256\n"
"\n"
"When MANIFEST.sha256.sig is present, it is a detached signature of the\n"
"manifest by the sensor operator's key. Check it with the public key you\n"
"hold (not one shipped inside a bundle):\n"
"\n"
"    openssl dgst -sha256 -verify PUBLIC.pem \\\n"
"        -signature MANIFEST.sha256.sig MANIFEST.sha256\n"
"\n"
"Both must succeed. inputs.sha256 lists the hashes of the configuration,\n"
"catalog, rule files and lists on the sensor; on the sensor,\n"
"`sha256sum -c inputs.sha256` shows whether they are still the same.\n";

/*
 * evidence: ask for the report of the period, write the bundle:
 * report.{json,en.txt,vi.txt,en.html,vi.html}, selftest.json,
 * inputs.sha256, history.json, alerts.json, VERIFY.txt, the manifest
 * and, with --sign, its signature.
 */
static int
do_evidence(int argc, char **argv, json_t *req, struct reader *r)
{
	static const struct option lo[] = {
		{ "level", required_argument, NULL, 'l' },
		{ "output", required_argument, NULL, 'o' },
		{ "since", required_argument, NULL, 'T' },
		{ "sign", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 }
	};
	struct bundle_file	 f[12];
	const char		*out = NULL, *key = NULL;
	char			 err[512], dir[96], *bufs[12];
	json_t			*rep, *ev, *st, *al, *v, *ctl;
	size_t			 n = 0, i, len;
	long long		 lv, since;
	FILE			*fp;
	char			*hs = NULL;
	size_t			 hl = 0;
	time_t			 now = time(NULL);
	struct tm		 tm;
	int			 ch;

	json_object_set_new(req, "cmd", json_string(CTL_CMD_COMPLIANCE));
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'l':
			lv = parse_num("--level", optarg);
			if (lv < 1 || lv > 5)
				die(EX_USAGE, "--level: 1..5");
			json_object_set_new(req, "level", json_integer(lv));
			break;
		case 'o':
			out = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'T':
			if ((since = compliance_parse_since(optarg,
			    (long long)now, err, sizeof(err))) < 0)
				die(EX_USAGE, "%s", err);
			json_object_set_new(req, "since", json_integer(since));
			break;
		default:
			exit(EX_USAGE);
		}
	}
	if (optind != argc)
		die(EX_USAGE, "evidence: unexpected argument \"%s\"",
		    argv[optind]);
	if (out == NULL)
		die(EX_USAGE, "evidence: -o FILE.tar.gz is required");
	rep = request(req, r);
	json_object_del(rep, "ok");
	if (!json_is_object(ev = json_object_get(rep, "evidence")))
		die(EX_PROTO, "evidence: the daemon's report has no evidence");

#define ADD(nm, b, l) do {						\
	bufs[n] = (b);							\
	f[n].name = (nm);						\
	f[n].data = bufs[n];						\
	f[n].len = (l);							\
	n++;								\
} while (0)
	ADD("report.json", render_mem(rep, "json", 0, &len), len);
	ADD("report.en.txt", render_mem(rep, "text", 0, &len), len);
	ADD("report.vi.txt", render_mem(rep, "text", 1, &len), len);
	ADD("report.en.html", render_mem(rep, "html", 0, &len), len);
	ADD("report.vi.html", render_mem(rep, "html", 1, &len), len);
	/* The daemon's self-test results, or that there are none. */
	st = json_object_get(ev, "selftest");
	st = json_is_object(st) ? json_incref(st) : json_pack("{s:s,s:s}",
	    "status", "not run", "reason", "the daemon recorded no "
	    "self-test results for the running rule set");
	ADD("selftest.json", dump_mem(st, &len), len);
	json_decref(st);
	/* The inputs' hashes, as sha256sum -c reads them on the sensor. */
	if ((fp = open_memstream(&hs, &hl)) == NULL)
		die(EX_FAILED, "out of memory");
	json_array_foreach(json_object_get(json_object_get(rep, "identity"),
	    "files"), i, v)
		fprintf(fp, "%s  %s\n", json_is_string(json_object_get(v,
		    "sha256")) ? jstr(v, "sha256") : "(unreadable)",
		    jstr(v, "path"));
	if (fclose(fp) != 0)
		die(EX_FAILED, "out of memory");
	ADD("inputs.sha256", hs, hl);
	ADD("history.json", dump_mem(ev, &len), len);
	al = json_pack("{s:O?,s:O?,s:O?,s:O?,s:O?,s:{}}", "period",
	    json_object_get(rep, "period"), "total", json_object_get(ev,
	    "alerts_total"), "by_category", json_object_get(rep,
	    "alerts_by_category"), "by_control_in_period", json_object_get(ev,
	    "alerts_by_control"), "per_day", json_object_get(ev,
	    "alerts_per_day"), "by_control");
	json_array_foreach(json_object_get(rep, "controls"), i, ctl)
		json_object_set(json_object_get(al, "by_control"),
		    jstr(ctl, "id"), json_object_get(ctl, "alerts"));
	ADD("alerts.json", dump_mem(al, &len), len);
	json_decref(al);
	bufs[n] = NULL;
	f[n].name = "VERIFY.txt";
	f[n].data = verify_text;
	f[n].len = sizeof(verify_text) - 1;
	n++;
#undef ADD

	gmtime_r(&now, &tm);
	snprintf(dir, sizeof(dir), "canhgac-evidence-%04d%02d%02dT%02d%02d%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (bundle_write(out, dir, f, n, key, err, sizeof(err)) != 0)
		die(EX_FAILED, "evidence: %s", err);
	printf("wrote %s (%zu files%s)\n", out, n + 1 + (key != NULL),
	    key ? ", signed" : "");
	for (i = 0; i < n; i++)
		free(bufs[i]);
	json_decref(rep);
	answer = NULL;
	free(r->buf);
	return EX_OK;
}

/*
 * update's reload: through the socket (-s, else the configuration's
 * outputs.status.socket); the daemon answers when the reload has ended.
 */
static int
update_reload(const char *sock, char *err, size_t errlen)
{
	static struct reader	 r;
	const char		*path = sock ? sock : sockpath, *e;
	json_t			*req, *rep;
	char			*line;
	int			 rc;

	signal(SIGPIPE, SIG_IGN);
	if ((r.fd = ctl_try_connect(path)) < 0) {
		rc = errno == ENOENT || errno == ECONNREFUSED ?
		    UPD_RELOAD_NODAEMON : UPD_RELOAD_FAILED;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	req = json_pack("{s:s}", "cmd", CTL_CMD_RELOAD);
	send_req(r.fd, req);
	json_decref(req);
	r.len = r.off = 0;
	timeout_soft = 1;
	errno = 0;
	line = read_line(&r);
	timeout_soft = 0;
	if (line == NULL && errno == ETIMEDOUT) {
		snprintf(err, errlen, "%s: no answer within %d seconds",
		    path, opt_timeout);
		rc = UPD_RELOAD_FAILED;
	} else if (line == NULL) {
		snprintf(err, errlen, "%s: closed without an answer", path);
		rc = UPD_RELOAD_FAILED;
	} else {
		rep = parse_reply(line);
		e = json_string_value(json_object_get(rep, "error"));
		rc = json_is_true(json_object_get(rep, "ok")) ?
		    UPD_RELOAD_OK : UPD_RELOAD_FAILED;
		snprintf(err, errlen, "%s", e ? e : "no reason given");
		json_decref(rep);
	}
	close(r.fd);
	free(r.buf);
	memset(&r, 0, sizeof(r));
	return rc;
}

/* update [-c CONFIG] [--canhgacd PATH] [SOURCE...] */
static int
do_update(int argc, char **argv, int sock_given)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "canhgacd", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 }
	};
	struct update_opts	o;
	int			ch;

	memset(&o, 0, sizeof(o));
	o.config = SYSCONFDIR "/canhgac/canhgac.yaml";
	o.canhgacd = SBINDIR "/canhgacd";
	o.socket = sock_given ? sockpath : NULL;
	o.reload = update_reload;
	/* A server gone mid-transfer is an error to report, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+c:", lo, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.config = optarg;
			break;
		case 'd':
			o.canhgacd = optarg;
			break;
		default:
			die(EX_USAGE, "update [-c CONFIG] [--canhgacd PATH] "
			    "[SOURCE...]");
		}
	}
	o.only = argv + optind;
	return update_run(&o);
}

int
main(int argc, char *argv[])
{
	static const struct option lo[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct reader r;	/* static: reachable at exit */
	const char	*cmd;
	static json_t	*req;	/* static: reachable if we die */
	json_t		*rep;
	int		 ch, prom = 0, n, failed = 0, sock_given = 0;

	while ((ch = getopt_long(argc, argv, "+s:jt:h", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			sockpath = optarg;
			sock_given = 1;
			break;
		case 'j':
			opt_json = 1;
			break;
		case 't':
			/* 0: no limit; beyond a day, a mistake (or an int's wrap). */
			if (parse_num("-t", optarg) > 86400)
				die(EX_USAGE, "-t: expected 0..86400 seconds (0: "
				    "no limit), got \"%s\"", optarg);
			opt_timeout = (int)parse_num("-t", optarg);
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EX_USAGE;
	}
	cmd = argv[0];
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EX_OK;
	}
	req = json_pack("{s:s}", "cmd", cmd);
	if (strcmp(cmd, "top") == 0) {
		json_decref(req);
		return do_top(argc, argv);
	}
	if (strcmp(cmd, CTL_CMD_COMPLIANCE) == 0)
		return do_compliance(argc, argv, req, &r);
	if (strcmp(cmd, "evidence") == 0)
		return do_evidence(argc, argv, req, &r);
	if (strcmp(cmd, CTL_CMD_UPDATE) == 0) {
		json_decref(req);
		return do_update(argc, argv, sock_given);
	}
	if (strcmp(cmd, CTL_CMD_LIST) == 0) {
		const char *op = argc > 1 ? argv[1] : "";
		json_t *ents = json_array();

		json_object_set_new(req, "entries", ents);

		if (strcmp(op, "add") && strcmp(op, "remove") &&
		    strcmp(op, "show"))
			die(EX_USAGE, "list: expected add, remove or show");
		/* list add --force NAME ...: the option before the name too. */
		if (argc > 3 && strcmp(argv[2], "--force") == 0) {
			json_object_set_new(req, "force", json_true());
			argv[2] = argv[1];
			argv++;
			argc--;
		}
		if (argc < 3)
			die(EX_USAGE, "list %s: which list?", op);
		json_object_set_new(req, "op", json_string(op));
		json_object_set_new(req, "name", json_string(argv[2]));
		n = 3 + cmd_options(argc - 2, argv + 2, req, NULL) - 1;
		for (; n < argc; n++)
			json_array_append_new(ents, json_string(argv[n]));
		if (json_object_get(req, "force") != NULL &&
		    strcmp(op, "add") != 0)
			die(EX_USAGE, "--force goes with list add");
		if (strcmp(op, "show") != 0) {
			if (json_array_size(ents) == 0)
				die(EX_USAGE, "list %s %s: no entries", op,
				    argv[2]);
		} else
			json_object_del(req, "entries");
	} else {
		n = cmd_options(argc, argv, req, strcmp(cmd, "stats") == 0 ?
		    &prom : NULL);
		if (json_object_get(req, "force") != NULL)
			die(EX_USAGE, "--force goes with list add");
		if (json_object_get(req, "new") != NULL &&
		    strcmp(cmd, CTL_CMD_HOSTS) != 0)
			die(EX_USAGE, "--new goes with hosts");
		if (n != argc)
			die(EX_USAGE, "%s: unexpected argument \"%s\"", cmd,
			    argv[n]);
		if (strcmp(cmd, CTL_CMD_VERSION) && strcmp(cmd, CTL_CMD_STATUS) &&
		    strcmp(cmd, CTL_CMD_STATS) && strcmp(cmd, CTL_CMD_ALERTS) &&
		    strcmp(cmd, CTL_CMD_FOLLOW) && strcmp(cmd, CTL_CMD_RULES) &&
		    strcmp(cmd, CTL_CMD_BASELINES) &&
		    strcmp(cmd, CTL_CMD_EXCEPTIONS) &&
		    strcmp(cmd, CTL_CMD_HOSTS) &&
		    strcmp(cmd, CTL_CMD_RELOAD) &&
		    strcmp(cmd, CTL_CMD_SELFTEST) &&
		    strcmp(cmd, CTL_CMD_SHUTDOWN))
			die(EX_USAGE, "unknown command \"%s\" (try -h)", cmd);
	}
	if (strcmp(cmd, CTL_CMD_FOLLOW) == 0)
		return do_follow(req);
	if (prom)
		opt_json = 0;
	rep = strcmp(cmd, CTL_CMD_RULES) == 0 ? request_rules(req, &r) :
	    request(req, &r);
	if (opt_json)
		;
	else if (prom)
		prom_object("", rep);
	else if (strcmp(cmd, CTL_CMD_VERSION) == 0)
		printf("canhgacd %s (protocol %lld); canhgacctl %s (protocol "
		    "%d)\n", jstr(rep, "version"), jint(rep, "protocol"),
		    PACKAGE_VERSION, CTL_PROTOCOL_VERSION);
	else if (strcmp(cmd, CTL_CMD_STATUS) == 0)
		show_status(rep);
	else if (strcmp(cmd, CTL_CMD_STATS) == 0)
		flatten("", rep);
	else if (strcmp(cmd, CTL_CMD_ALERTS) == 0)
		show_alerts(rep);
	else if (strcmp(cmd, CTL_CMD_RULES) == 0)
		show_rules(rep);
	else if (strcmp(cmd, CTL_CMD_EXCEPTIONS) == 0)
		show_exceptions(rep);
	else if (strcmp(cmd, CTL_CMD_HOSTS) == 0)
		show_hosts(rep);
	else if (strcmp(cmd, CTL_CMD_BASELINES) == 0)
		show_baselines(rep);
	else if (strcmp(cmd, CTL_CMD_RELOAD) == 0)
		printf("reloaded %s\n", jstr(rep, "reloaded"));
	else if (strcmp(cmd, CTL_CMD_SHUTDOWN) == 0)
		printf("canhgacd is stopping\n");
	else if (strcmp(cmd, CTL_CMD_SELFTEST) == 0)
		failed = show_selftest(rep) > 0;
	else if (strcmp(cmd, CTL_CMD_LIST) == 0) {
		json_t *v;
		size_t i;

		if (json_object_get(rep, "entries") != NULL) {
			json_array_foreach(json_object_get(rep, "entries"), i,
			    v)
				puts(json_string_value(v));
			fprintf(stderr, "%s (%s, %s): %lld entries%s\n",
			    jstr(rep, "name"), jstr(rep, "type"),
			    jstr(rep, "file"), jint(rep, "count"),
			    json_is_true(json_object_get(rep, "truncated")) ?
			    "; more with --offset" : "");
			if (jint(rep, "skipped") > 0)
				fprintf(stderr, "%s: %lld line%s not an entry "
				    "(longer than 253 bytes or not printable "
				    "ASCII), the first at line %lld\n",
				    jstr(rep, "file"), jint(rep, "skipped"),
				    jint(rep, "skipped") == 1 ? " is" : "s are",
				    jint(rep, "skipped_first_line"));
		} else {
			int add = json_object_get(rep, "added") != NULL;
			json_t *d = json_object_get(rep, add ? "added" :
			    "removed");
			json_t *sk = json_object_get(rep, add ?
			    "already_present" : "not_found");

			printf("%s %zu entr%s %s %s (%s)\n", add ? "added" :
			    "removed", json_array_size(d),
			    json_array_size(d) == 1 ? "y" : "ies",
			    add ? "to" : "from", jstr(rep, "name"),
			    jstr(rep, "file"));
			json_array_foreach(sk, i, v)
				printf("  %s: %s\n", add ? "already present" :
				    "not found", json_string_value(v));
			json_array_foreach(json_object_get(rep, "forced"), i,
			    v)
				printf("  forced: %s (matches nearly every "
				    "flow)\n", json_string_value(v));
		}
	}
	if (opt_json && strcmp(cmd, CTL_CMD_SELFTEST) == 0)
		failed = jint(json_object_get(rep, "selftest"), "fail") > 0;
	json_decref(rep);
	answer = NULL;
	free(r.buf);
	return failed ? EX_SELFTEST : EX_OK;
}
