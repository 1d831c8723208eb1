/*
 * lifecycle.c, as the daemon runs it: start → reload (in the loop) →
 * reload (rule set built by a thread, with a changed configuration) →
 * reload through the status socket (answered once done) → stop → shut
 * down, with every output configured: JSON alerts, the
 * event log, local syslog to a datagram socket this test binds, a
 * remote destination on a local TCP port this test accepts on (with a
 * spool directory), the status socket and a state directory. Every
 * alert of a small capture must reach every output once; the ASan
 * build's LeakSanitizer and AddressSanitizer check what was freed.
 * Also the event log alone: its lines kept for one write.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "capture.h"
#include "conf.h"
#include "control.h"
#include "eventlog.h"
#include "flow.h"
#include "lifecycle.h"
#include "log.h"
#include "rules.h"
#include "sensor.h"
#include "test_file.h"
#include "test_vm.h"

#define NPKTS	20		/* one alert each: distinct flows */
#define RULE	"UDP to the test port"

static char	dir[256];

static const char catalog[] =
"catalog: {id: t, standard: Test}\n"
"controls:\n"
"  - {id: NET.IDS, level: 1}\n";

static const char rules[] =
"rules:\n"
"  - sid: 42\n"
"    name: " RULE "\n"
"    category: anomaly\n"
"    severity: low\n"
"    level: 1\n"
"    controls: [NET.IDS]\n"
"    match: {proto: udp, dst_port: 9999}\n"
"    message: \"{src_ip} sent to {dest_ip}:{dest_port}\"\n"
"    advice: \"Nothing to do: this is a test.\"\n";

static const char *
path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, name);
	return buf;
}

static void
write_file(const char *name, const void *data, size_t len)
{
	char	 p[512];
	FILE	*fp;

	assert_non_null(fp = fopen(path(name, p, sizeof(p)), "wb"));
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* NPKTS UDP datagrams to port 9999, each from its own source port. */
static void
write_pcap(const char *name)
{
	uint8_t		 buf[24 + NPKTS * (16 + 46)], *p = buf;
	uint32_t	 hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 };
	int		 i;

	memcpy(p, hdr, sizeof(hdr));
	p += sizeof(hdr);
	for (i = 0; i < NPKTS; i++) {
		uint32_t	rec[4] = { 1700000000 + (uint32_t)i, 0, 46, 46 };
		uint8_t		f[46] = { 0 };

		memset(f, 2, 6);
		memset(f + 6, 4, 6);
		f[12] = 0x08;
		/* IPv4, 32 bytes, UDP, 10.0.0.1 → 10.0.0.2 */
		memcpy(f + 14, "\x45\x00\x00\x20\x00\x01\x00\x00\x40\x11"
		    "\x00\x00\x0a\x00\x00\x01\x0a\x00\x00\x02", 20);
		f[34] = 0x10;
		f[35] = (uint8_t)i;	/* source port 4096 + i */
		f[36] = 0x27;
		f[37] = 0x0f;		/* 9999 */
		f[39] = 12;
		memcpy(f + 42, "abcd", 4);
		memcpy(p, rec, sizeof(rec));
		memcpy(p + sizeof(rec), f, sizeof(f));
		p += sizeof(rec) + sizeof(f);
	}
	write_file(name, buf, (size_t)(p - buf));
}

/* Occurrences of what in the file name. */
static int
count_in_file(const char *name, const char *what)
{
	char	 p[512], line[8192];
	FILE	*fp;
	int	 n = 0;

	if ((fp = fopen(path(name, p, sizeof(p)), "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strstr(line, what) != NULL)
			n++;
	fclose(fp);
	return n;
}

/* The local syslog and remote destination ends, on the sensor's base. */
struct peers {
	int			 dgram;
	struct event		*ev_dgram;
	int			 syslog_alerts;
	struct evconnlistener	*lis;
	struct bufferevent	*bev;
	struct evbuffer		*remote;	/* all it received */
	int			 port;
};

static void
on_dgram(evutil_socket_t fd, short what, void *arg)
{
	struct peers	*pe = arg;
	char		 buf[65536];
	ssize_t		 n;

	(void)what;
	while ((n = recv(fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		if (strstr(buf, RULE) != NULL)
			pe->syslog_alerts++;
	}
}

static void
on_remote_read(struct bufferevent *bev, void *arg)
{
	struct peers	*pe = arg;

	evbuffer_add_buffer(pe->remote, bufferevent_get_input(bev));
}

static void
on_remote_event(struct bufferevent *bev, short what, void *arg)
{
	struct peers	*pe = arg;

	(void)what;
	on_remote_read(bev, pe);
	bufferevent_free(bev);
	pe->bev = NULL;
}

static void
on_accept(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct peers	*pe = arg;

	(void)sa;
	(void)salen;
	if (pe->bev != NULL)
		bufferevent_free(pe->bev);
	pe->bev = bufferevent_socket_new(evconnlistener_get_base(lis), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(pe->bev, on_remote_read, NULL, on_remote_event, pe);
	bufferevent_enable(pe->bev, EV_READ);
}

static void
peers_open(struct peers *pe, struct event_base *base)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		slen = sizeof(sin);
	char			p[512];

	memset(pe, 0, sizeof(*pe));
	path("syslog.sock", p, sizeof(p));
	assert_true(strlen(p) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, p, strlen(p) + 1);
	pe->dgram = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	assert_true(pe->dgram >= 0);
	assert_int_equal(bind(pe->dgram, (struct sockaddr *)&sun,
	    sizeof(sun)), 0);
	pe->ev_dgram = event_new(base, pe->dgram, EV_READ | EV_PERSIST,
	    on_dgram, pe);
	assert_int_equal(event_add(pe->ev_dgram, NULL), 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pe->lis = evconnlistener_new_bind(base, on_accept, pe,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof(sin));
	assert_non_null(pe->lis);
	assert_int_equal(getsockname(evconnlistener_get_fd(pe->lis),
	    (struct sockaddr *)&sin, &slen), 0);
	pe->port = ntohs(sin.sin_port);
	pe->remote = evbuffer_new();
}

/* Octet-counted frames (RFC 6587) the remote end received with an alert. */
static int
peers_remote_alerts(struct peers *pe)
{
	size_t		 len = evbuffer_get_length(pe->remote), off = 0, flen;
	const char	*b = (const char *)evbuffer_pullup(pe->remote, -1);
	char		*end;
	int		 n = 0;

	while (b != NULL && off < len) {
		flen = strtoul(b + off, &end, 10);
		assert_true(end > b + off && *end == ' ');
		off = (size_t)(end + 1 - b);
		assert_true(flen <= len - off);
		if (memmem(b + off, flen, RULE, strlen(RULE)) != NULL)
			n++;
		off += flen;
	}
	return n;
}

static void
peers_close(struct peers *pe)
{
	if (pe->bev != NULL)
		bufferevent_free(pe->bev);
	evconnlistener_free(pe->lis);
	event_free(pe->ev_dgram);
	close(pe->dgram);
	evbuffer_free(pe->remote);
}

/* outputs.json's file in the configuration write_config writes. */
static const char *alerts_file = "alerts.json";

/*
 * The library's asprintf (-Wl,--wrap=asprintf, Makefile.am): a string
 * holding nomem_match fails as if there were no memory for it, so that
 * one allocation of a reload can be made to fail.
 */
static const char *nomem_match;

int __wrap_asprintf(char **, const char *, ...);

int
__wrap_asprintf(char **out, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n >= 0 && nomem_match != NULL && strstr(*out, nomem_match) !=
	    NULL) {
		free(*out);
		*out = NULL;
		errno = ENOMEM;
		return -1;
	}
	return n;
}

/*
 * libevent's allocations (event_set_mem_functions, in main): with
 * ev_fail_next the next one fails. qsort_r (-Wl,--wrap=qsort_r) arms it
 * with qsort_arm: list_change sorts the entries just before it makes
 * the buffer of the new list.
 */
static int ev_fail_next, qsort_arm;

static void *
ev_malloc(size_t n)
{
	if (ev_fail_next) {
		ev_fail_next = 0;
		errno = ENOMEM;
		return NULL;
	}
	return malloc(n);
}

static void *
ev_realloc(void *p, size_t n)
{
	return realloc(p, n);
}

static void
ev_free(void *p)
{
	free(p);
}

void __real_qsort_r(void *, size_t, size_t,
    int (*)(const void *, const void *, void *), void *);
void __wrap_qsort_r(void *, size_t, size_t,
    int (*)(const void *, const void *, void *), void *);

void
__wrap_qsort_r(void *v, size_t n, size_t size,
    int (*cmp)(const void *, const void *, void *), void *arg)
{
	__real_qsort_r(v, n, size, cmp, arg);
	if (qsort_arm) {
		qsort_arm = 0;
		ev_fail_next = 1;
	}
}

/*
 * The history's sample of the rules' hits (history_sample.c) makes the
 * new baseline with the calloc just after it asks rules_size: with
 * sample_arm (-Wl,--wrap=rules_size,--wrap=calloc) that one fails.
 */
static int sample_arm, calloc_fail_next, calloc_failed;

void *__real_calloc(size_t, size_t);
void *__wrap_calloc(size_t, size_t);
size_t __real_rules_size(const struct ruleset *);
size_t __wrap_rules_size(const struct ruleset *);

void *
__wrap_calloc(size_t n, size_t size)
{
	if (calloc_fail_next) {
		calloc_fail_next = 0;
		calloc_failed++;
		errno = ENOMEM;
		return NULL;
	}
	return __real_calloc(n, size);
}

/*
 * The main thread's umask at each bind (/proc's view of that thread): the
 * status socket is bound once the workers run, which share it, so its
 * umask is left alone (control.c sets the mode on the socket itself).
 * Before, the main thread's changed for the bind.
 */
static int	umask_moved;	/* a bind saw the main thread's differ */
static mode_t	umask_start, old_umask;

static int
main_umask(void)
{
	char	 line[128], p[64];
	FILE	*fp;
	int	 m = -1;
	unsigned u;

	snprintf(p, sizeof(p), "/proc/self/task/%d/status", (int)getpid());
	if ((fp = fopen(p, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "Umask: %o", &u) == 1)
			m = (int)u;
	fclose(fp);
	return m;
}

int __real_bind(int, const struct sockaddr *, socklen_t);
int __wrap_bind(int, const struct sockaddr *, socklen_t);

int
__wrap_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int	m = main_umask();

	if (m >= 0 && (mode_t)m != umask_start)
		umask_moved++;
	return __real_bind(fd, sa, len);
}

size_t
__wrap_rules_size(const struct ruleset *rs)
{
	if (sample_arm) {
		sample_arm = 0;
		calloc_fail_next = 1;
	}
	return __real_rules_size(rs);
}

/*
 * OpenSSL's allocations (CRYPTO_set_mem_functions, in main): all fail
 * while ossl_fail is set, as they would with no memory left.
 */
static int ossl_fail;

static void *
ossl_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (ossl_fail) {
		errno = ENOMEM;
		return NULL;
	}
	return malloc(n);
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (ossl_fail) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(p, n);
}

static void
ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

/* jansson's allocations, all failing while set (json_set_alloc_funcs). */
static void *
js_fail_malloc(size_t n)
{
	(void)n;
	errno = ENOMEM;
	return NULL;
}

/* SHA-256 of the file name as hex, by OpenSSL's EVP (the referee). */
static void
file_sha256(const char *name, char out[65])
{
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 dl = 0, i;
	char		 p[512], *all;

	assert_non_null(all = test_slurp(path(name, p, sizeof(p))));
	assert_int_equal(EVP_Digest(all, strlen(all), d, &dl, EVP_sha256(),
	    NULL), 1);
	assert_int_equal(dl, 32);
	for (i = 0; i < dl; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	free(all);
}

/* The digest of the state file's last reload, or "" (into out). */
static void
state_last_reload(char *out, size_t len)
{
	json_t		*doc, *a;
	json_error_t	 je;
	char		 p[512];

	doc = json_load_file(path("state/state.json", p, sizeof(p)), 0, &je);
	if (doc == NULL)
		fail_msg("%s: %s", p, je.text);
	a = json_object_get(doc, "reloads");
	snprintf(out, len, "%s", json_string_value(json_object_get(
	    json_array_get(a, json_array_size(a) - 1), "digest")) ?
	    json_string_value(json_object_get(json_array_get(a,
	    json_array_size(a) - 1), "digest")) : "");
	json_decref(doc);
}

/* The alerts the state file's history holds, all buckets summed. */
static long long
state_alerts(void)
{
	json_t		*doc, *b;
	json_error_t	 je;
	char		 p[512];
	long long	 n = 0;
	size_t		 i;

	doc = json_load_file(path("state/state.json", p, sizeof(p)), 0, &je);
	if (doc == NULL)
		fail_msg("%s: %s", p, je.text);
	json_array_foreach(json_object_get(doc, "alerts"), i, b)
		n += json_integer_value(json_object_get(b, "total"));
	json_decref(doc);
	return n;
}

static void
write_config(const char *name, int port)
{
	char	*c, state[512], sys[512], spool[512], ctl[512];
	int	 n;

	n = asprintf(&c,
	    "sensor: {name: %s, catalog: catalog.yaml, state_dir: %s}\n"
	    "assets: {blk: {file: blk.txt}}\n"
	    "rules: [rules.yaml]\n"
	    "events: events.json\n"
	    "outputs:\n"
	    "  json: {path: %s}\n"
	    "  syslog: {facility: local4, socket: %s}\n"
	    "  remote:\n"
	    "    - {host: 127.0.0.1, port: %d, transport: tcp, spool: %s,\n"
	    "       drain_timeout: 10s}\n"
	    "  status: {socket: %s}\n", name,
	    path("state", state, sizeof(state)), alerts_file,
	    path("syslog.sock", sys, sizeof(sys)), port,
	    path("spool", spool, sizeof(spool)),
	    path("ctl.sock", ctl, sizeof(ctl)));
	assert_true(n > 0);
	write_file("canhgac.yaml", c, (size_t)n);
	free(c);
}

struct reload_result {
	int	done, ok;
	char	err[1024];
};

static void
on_reloaded(void *arg, int ok, const char *err)
{
	struct reload_result	*r = arg;

	r->done++;
	r->ok = ok;
	snprintf(r->err, sizeof(r->err), "%s", err ? err : "");
}

/* One request through the status socket's path; the answer line. */
static char *
ask(struct sensor *s, const char *req)
{
	struct evbuffer	*out = evbuffer_new();
	char		*line;
	size_t		 n;

	control_feed(s, req, strlen(req), 1, out);
	line = evbuffer_readln(out, &n, EVBUFFER_EOL_LF);
	evbuffer_free(out);
	assert_non_null(line);
	return line;
}

static void
test_load_reload_reload_stop(void **state)
{
	struct sensor		s;
	struct peers		pe;
	struct reload_result	rr = { 0 };
	char			err[1024], p[512], *a;
	struct stat		st;

	(void)state;
	write_file("catalog.yaml", catalog, strlen(catalog));
	write_file("rules.yaml", rules, strlen(rules));
	write_file("blk.txt", "192.0.2.1\n", 10);
	write_pcap("in.pcap");
	assert_int_equal(mkdir(path("state", p, sizeof(p)), 0700), 0);

	memset(&s, 0, sizeof(s));
	assert_non_null(s.base = event_base_new());
	peers_open(&pe, s.base);
	write_config("lc-one", pe.port);
	s.conf = config_load(path("canhgac.yaml", p, sizeof(p)), err,
	    sizeof(err));
	if (s.conf == NULL)
		fail_msg("%s", err);
	assert_non_null(sensor_capture(&s));
	if (capture_add_file(s.cap, path("in.pcap", p, sizeof(p)), err,
	    sizeof(err)) != 0)
		fail_msg("%s", err);
	/* Live mode: the status socket and the state directory run too. */
	s.offline = 0;
	/* Not the socket's own umask (0117), whatever the harness's. */
	umask_start = 022;
	old_umask = umask(umask_start);
	umask_moved = 0;
	if (main_umask() < 0)
		fail_msg("no Umask in /proc/self/task/PID/status");
	if (sensor_start(&s, err, sizeof(err)) != 0)
		fail_msg("start: %s", err);
	assert_int_equal(umask_moved, 0);
	(void)umask(old_umask);
	assert_non_null(s.control);
	assert_non_null(s.state);
	/* Live, the end of the capture does not stop: read all of it. */
	for (int i = 0; i < 1000 && s.w.dstats.packets < NPKTS; i++)
		event_base_loop(s.base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(s.w.dstats.packets, NPKTS);
	assert_false(s.shutting_down);

	/*
	 * Reload in the loop, nothing changed; its first sample of the
	 * rules' hits without memory for their baseline: skipped with a
	 * warning, the reload done, the hits counted by its last sample,
	 * once (before, xcalloc ended the process).
	 */
	sample_arm = 1;
	if (sensor_reload(&s, err, sizeof(err)) != 0)
		fail_msg("reload: %s", err);
	assert_int_equal(calloc_failed, 1);
	assert_int_equal(s.reload_failures, 0);
	assert_int_equal(state_alerts(), NPKTS);
	/* Reload by the thread, with a new sensor name. */
	write_config("lc-two", pe.port);
	sensor_reload_async(&s, on_reloaded, &rr);
	assert_true(sensor_reload_pending(&s));
	/* Not in the loop while the thread reads the running set: that
	 * swap would free it under the thread. */
	assert_int_not_equal(sensor_reload(&s, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "being built"));
	while (sensor_reload_pending(&s))
		event_base_loop(s.base, EVLOOP_ONCE);
	assert_int_equal(rr.done, 1);
	if (!rr.ok)
		fail_msg("async reload: %s", rr.err);
	assert_string_equal(s.conf->sensor_name, "lc-two");
	assert_int_equal(s.reloads, 2);
	assert_int_equal(s.reload_failures, 0);
	/* Asked twice during a build: one more build after it, for both. */
	{
		struct reload_result	r[3];

		memset(r, 0, sizeof(r));
		sensor_reload_async(&s, on_reloaded, &r[0]);
		sensor_reload_async(&s, on_reloaded, &r[1]);
		sensor_reload_async(&s, on_reloaded, &r[2]);
		while (sensor_reload_pending(&s))
			event_base_loop(s.base, EVLOOP_ONCE);
		for (int i = 0; i < 3; i++) {
			assert_int_equal(r[i].done, 1);
			if (!r[i].ok)
				fail_msg("reload %d: %s", i, r[i].err);
		}
		assert_int_equal(s.reloads, 4);
	}
	a = ask(&s, "{\"cmd\":\"status\"}\n");
	assert_non_null(strstr(a, "\"sensor\":\"lc-two\""));
	free(a);
	/*
	 * A request while jansson has no memory: answered with a fixed line
	 * and the sensor goes on (before, the answer that could not be
	 * made, NULL, was read by the masking: a crash).
	 */
	json_set_alloc_funcs(js_fail_malloc, free);
	a = ask(&s, "{\"cmd\":\"reload\"}\n");
	json_set_alloc_funcs(malloc, free);
	assert_string_equal(a, "{\"ok\":false,\"error\":\"no memory for the "
	    "answer\"}");
	free(a);
	/* And through the status socket: answered once swapped in. */
	a = ask(&s, "{\"cmd\":\"reload\"}\n");
	assert_non_null(strstr(a, "\"ok\":true"));
	assert_non_null(strstr(a, "\"reloaded\""));
	free(a);
	assert_int_equal(s.reloads, 5);
	assert_false(sensor_reload_pending(&s));
	/* A threshold table no host can give: the reload is refused, naming
	 * the key, and the sensor goes on (the allocation ended it). */
	{
		FILE	*fp = fopen(path("canhgac.yaml", p, sizeof(p)), "a");

		assert_non_null(fp);
		fputs("limits: {threshold_memcap: 1024TB}\n", fp);
		assert_int_equal(fclose(fp), 0);
		assert_int_not_equal(sensor_reload(&s, err, sizeof(err)), 0);
		if (strstr(err, "canhgac.yaml:12:28:") == NULL ||
		    strstr(err, "limits.threshold_memcap: \"1024TB\" is more "
		    "than this host's memory") == NULL)
			fail_msg("%s", err);
		assert_string_equal(s.conf->sensor_name, "lc-two");
		assert_int_equal(s.reloads, 6);
		assert_int_equal(s.reload_failures, 1);
		write_config("lc-two", pe.port);
	}
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
	/*
	 * A table the host can give, but not beside the running set's: the
	 * address space capped at what the process maps now and 128 MiB, a
	 * reload to threshold_memcap: 1GB fails naming the key and the
	 * sensor goes on with its set (before, the allocation ended it);
	 * with the cap lifted the same reload works. Not under the
	 * sanitizers, whose own mappings keep to no such cap.
	 */
	{
		FILE		*fp;
		struct rlimit	 was, cap;
		int		 rc;

		fp = fopen(path("canhgac.yaml", p, sizeof(p)), "a");
		assert_non_null(fp);
		fputs("limits: {threshold_memcap: 1GB}\n", fp);
		assert_int_equal(fclose(fp), 0);
		assert_int_equal(getrlimit(RLIMIT_AS, &was), 0);
		cap = was;
		cap.rlim_cur = (rlim_t)(vm_bytes() + (128ULL << 20));
		assert_int_equal(setrlimit(RLIMIT_AS, &cap), 0);
		rc = sensor_reload(&s, err, sizeof(err));
		assert_int_equal(setrlimit(RLIMIT_AS, &was), 0);
		assert_int_not_equal(rc, 0);
		if (strstr(err, "limits.threshold_memcap: cannot allocate "
		    "1024 MiB") == NULL)
			fail_msg("%s", err);
		assert_int_equal(s.conf->threshold_memcap, 64ULL << 20);
		assert_int_equal(s.reload_failures, 2);
		assert_int_equal(sensor_reload(&s, err, sizeof(err)), 0);
		assert_int_equal(s.conf->threshold_memcap, 1ULL << 30);
		write_config("lc-two", pe.port);
		assert_int_equal(sensor_reload(&s, err, sizeof(err)), 0);
	}
#endif
	/*
	 * A reload to a new alert file whose path cannot be allocated (the
	 * last step that may fail, with the workers held): refused naming
	 * the key, the sensor goes on with its file (before, config_path's
	 * fatal ended it); then the same reload works, and back.
	 */
	{
		uint64_t	fails = s.reload_failures;
		int		rc;

		alerts_file = "moved-alerts.json";
		write_config("lc-two", pe.port);
		nomem_match = "moved-alerts.json";
		rc = sensor_reload(&s, err, sizeof(err));
		nomem_match = NULL;
		assert_int_not_equal(rc, 0);
		if (strstr(err, "outputs.json.path: no memory") == NULL)
			fail_msg("%s", err);
		assert_int_equal(s.reload_failures, fails + 1);
		assert_string_equal(s.conf->alerts_path, "alerts.json");
		assert_int_equal(sensor_reload(&s, err, sizeof(err)), 0);
		assert_string_equal(s.conf->alerts_path, "moved-alerts.json");
		alerts_file = "alerts.json";
		write_config("lc-two", pe.port);
		assert_int_equal(sensor_reload(&s, err, sizeof(err)), 0);
	}
	/*
	 * list remove of every entry in the file, without memory for the
	 * new list's buffer: refused, the file as it was (before, the empty
	 * new list's length was asked of no buffer: a crash).
	 */
	{
		struct evbuffer	*out = evbuffer_new();
		char		*line, buf[64];
		size_t		 n;
		FILE		*fp;

		assert_non_null(out);
		qsort_arm = 1;
		control_feed(&s, "{\"cmd\":\"list\",\"op\":\"remove\","
		    "\"name\":\"blk\",\"entries\":[\"192.0.2.1\"]}\n", 66,
		    1, out);
		qsort_arm = ev_fail_next = 0;
		line = evbuffer_readln(out, &n, EVBUFFER_EOL_LF);
		evbuffer_free(out);
		assert_non_null(line);
		if (strstr(line, "\"ok\":false") == NULL ||
		    strstr(line, "no memory for the new list: list "
		    "unchanged") == NULL)
			fail_msg("%s", line);
		free(line);
		assert_non_null(fp = fopen(path("blk.txt", p, sizeof(p)), "r"));
		assert_non_null(fgets(buf, sizeof(buf), fp));
		fclose(fp);
		assert_string_equal(buf, "192.0.2.1\n");
	}

	/*
	 * A client without memory for its state (the first calloc of
	 * control_feed, as of an accepted connection): no answer, the
	 * sensor goes on (before, xcalloc ended it).
	 */
	{
		struct evbuffer	*out = evbuffer_new();

		assert_non_null(out);
		calloc_failed = 0;
		calloc_fail_next = 1;
		control_feed(&s, "{\"cmd\":\"status\"}\n", 16, 1, out);
		calloc_fail_next = 0;
		assert_int_equal(calloc_failed, 1);
		assert_int_equal(evbuffer_get_length(out), 0);
		evbuffer_free(out);
	}
	/*
	 * A self-test (as after each reload's swap), without memory for
	 * its manifest's path: not run, said, the sensor going on (before,
	 * config_path's fatal ended it).
	 */
	nomem_match = "selftest/manifest.json";
	a = ask(&s, "{\"cmd\":\"selftest\"}\n");
	nomem_match = NULL;
	if (strstr(a, "self-test not run: no memory for the path of "
	    "sensor.selftest_cases") == NULL)
		fail_msg("%s", a);
	free(a);
	/*
	 * A reload while OpenSSL has no memory: the SHA-256 of the list,
	 * the configuration and the rule file, and the rule set's digest
	 * the history records, are whole and right (before, EVP's context
	 * could not be allocated, each was recorded empty, and the reload
	 * succeeded: an empty digest in status and the evidence).
	 */
	{
		char	want[65], got[128];

		ossl_fail = 1;
		if (sensor_reload(&s, err, sizeof(err)) != 0)
			fail_msg("reload: %s", err);
		ossl_fail = 0;
		file_sha256("blk.txt", want);
		assert_string_equal(rules_asset_sha256(s.rules, 0), want);
		file_sha256("canhgac.yaml", want);
		assert_string_equal(s.conf->sha256, want);
		file_sha256("rules.yaml", want);
		assert_string_equal(rules_file_sha256(s.rules, 0), want);
		state_last_reload(got, sizeof(got));
		assert_int_equal(strlen(got), 64);
	}

	/* Stop: end the flows, drain the outputs, leave the loop. */
	assert_false(s.shutting_down);
	sensor_stop(&s, FLOW_END_SHUTDOWN);
	sensor_run(&s);
	assert_true(s.drained);
	sensor_shutdown(&s);
	assert_null(s.conf);
	assert_null(s.cap);

	/* Let the remote's last bytes and the datagrams in. */
	event_base_loop(s.base, EVLOOP_NONBLOCK);
	assert_int_equal(count_in_file("alerts.json", RULE), NPKTS);
	assert_int_equal(count_in_file("events.json", "\"event_type\":\"flow\""),
	    NPKTS);
	assert_int_equal(pe.syslog_alerts, NPKTS);
	assert_int_equal(peers_remote_alerts(&pe), NPKTS);
	assert_int_equal(stat(path("state/state.json", p, sizeof(p)), &st), 0);
	assert_int_equal(state_alerts(), NPKTS);
	peers_close(&pe);
	event_base_free(s.base);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static int
setup(void **state)
{
	const char	*t = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/lifecycle_test.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * The event log keeps lines for one write: many flow records (far more
 * than it holds) must reach the file whole, in order, each once; before
 * the flush only whole lines are there, after it all of them.
 */
#define EV_FLOWS	2000
static void
test_eventlog_lines(void **state)
{
	struct eventlog	*el;
	struct flow	 f;
	char		 p[512], err[256], want[64], *all, *at, *nl;
	int		 i;

	(void)state;
	assert_non_null(el = eventlog_open(path("ev.json", p, sizeof(p)),
	    "s1", 25200, err, sizeof(err)));
	memset(&f, 0, sizeof(f));
	f.ipver = 4;
	f.proto = 17;
	memcpy(f.caddr, "\x0a\x00\x00\x01", 4);
	memcpy(f.saddr, "\x0a\x00\x00\x02", 4);
	f.cport = 4096;
	f.sport = 53;
	f.first = 1700000000ULL * 1000000;
	for (i = 0; i < EV_FLOWS; i++) {
		f.id = (uint64_t)i + 1;
		f.last = f.first + (uint64_t)i * 1000;
		f.pkts[0] = (uint64_t)i;
		eventlog_flow(el, &f, FLOW_END_TIMEOUT, "eth0");
	}
	/* Some written by now, and only whole lines. */
	assert_non_null(all = test_slurp(p));
	assert_true(strlen(all) > 0);
	assert_int_equal(all[strlen(all) - 1], '\n');
	free(all);
	eventlog_flush(el);
	assert_int_equal(eventlog_count(el), EV_FLOWS);
	assert_int_equal(eventlog_errors(el), 0);
	assert_non_null(all = test_slurp(p));
	for (i = 0, at = all; (nl = strchr(at, '\n')) != NULL; i++) {
		*nl = '\0';
		snprintf(want, sizeof(want), "\"flow_id\":%d,", i + 1);
		assert_non_null(strstr(at, want));
		assert_int_equal(at[0], '{');
		assert_int_equal(nl[-1], '}');
		at = nl + 1;
	}
	assert_int_equal(i, EV_FLOWS);
	assert_int_equal(*at, '\0');
	free(all);
	eventlog_close(el);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_reload_reload_stop,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_eventlog_lines,
		    setup, teardown),
	};

	event_set_mem_functions(ev_malloc, ev_realloc, ev_free);
	if (CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc,
	    ossl_free) != 1) {
		fprintf(stderr, "CRYPTO_set_mem_functions: refused\n");
		return 1;
	}
	log_init(1, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
