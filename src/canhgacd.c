/*
 * canhgacd: the sensor daemon. This file is the command line: options,
 * -T and --compliance, the pidfile, detaching and dropping root. The
 * sensor itself (subsystems, reload, stop, statistics) is lifecycle.c,
 * which the unit tests and fuzz targets run too. main() owns the one
 * event_base; capture sources are events on it (live pcap fds, or an
 * offline reader that yields after each batch).
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <pcap/pcap.h>
#include <jansson.h>
#include <libpsl.h>
#include <openssl/crypto.h>
#include <yaml.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "capture.h"
#include "cccd.h"
#include "compliance.h"
#include "conf.h"
#include "daemon.h"
#include "jsonw.h"
#include "lifecycle.h"
#include "log.h"
#include "rules.h"
#include "safefile.h"
#include "sensor.h"
#include "workers.h"
#include "types.h"
#include "xmalloc.h"

#define DEFAULT_CONFIG	SYSCONFDIR "/canhgac/canhgac.yaml"


/*
 * Everything that needs root is open: give our files to the service
 * user and become it. A replay (-r) without that user stays root with
 * a warning; a live sensor refuses to run as root when told not to.
 */
static int
drop_root(struct sensor *s, int offline, char *err, size_t errlen)
{
	uid_t	uid;
	gid_t	gid;

	if (daemon_user(s->conf->user, &uid, &gid, err, errlen) != 0) {
		if (!offline)
			return -1;
		log_warnx("%s; replaying as root", err);
		return 0;
	}
	if (daemon_drop(uid, gid, err, errlen) != 0)
		return -1;
	log_info("running as user %s (uid %ld)", s->conf->user, (long)uid);
	return 0;
}

/*
 * A start that fails once the pidfile is ours: the file goes with it,
 * as at a stop, so that no pid of a sensor that never ran is left.
 */
static __attribute__((noreturn)) void
start_failed(int pidfd, const char *pidfile, const char *why)
{
	log_warnx("%s", why);
	daemon_pidfile_remove(pidfd, pidfile);
	exit(1);
}

/*
 * --compliance: the report from the configuration alone; the sensor
 * evidence is marked not available (no daemon is asked).
 */
static int
offline_compliance(struct sensor *s, int level, const char *format,
    int lang, long long since)
{
	struct json_t	*rep;
	char		 err[1024];
	int		 rc = 0;

	if ((s->rules = rules_load(s->conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", cccd_mask_str(err));
		config_free(s->conf);
		return 1;
	}
	if ((rep = compliance_report(s->conf, s->rules, NULL, level, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "canhgacd: compliance: %s\n", cccd_mask_str(err));
		rc = 1;
		goto out;
	}
	/* Owners and reasons of exceptions: masked as the socket's report. */
	if (jw_mask_tree(rep) != 0 || json_object_set_new(rep, "period",
	    json_pack("{s:o,s:b}", "since", since >= 0 ?
	    json_integer(since) : json_null(), "evidence", 0)) != 0 ||
	    compliance_render(rep, format, lang >= 0 ? lang :
	    s->conf->language_vi, stdout) != 0) {
		fprintf(stderr, "canhgacd: compliance: cannot write the "
		    "report\n");
		rc = 1;
	}
	json_decref(rep);
out:
	rules_free(s->rules);
	config_free(s->conf);
	return rc;
}

/* path against the working directory, copied into buf. */
static const char *
abs_path(const char *path, char *buf, size_t len)
{
	char	cwd[PATH_MAX];
	int	n;

	if (path[0] == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		n = snprintf(buf, len, "%s", path);
	else
		n = snprintf(buf, len, "%s/%s", cwd, path);
	if (n < 0 || (size_t)n >= len)
		fatalx("%s: path too long", path);
	return buf;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: canhgacd [-DTvh] [-c FILE] [-r CAPTURE]... [-i IFACE]...\n"
"                [-P PIDFILE]\n"
"                [--alerts FILE|-] [--events FILE|-] [--stats FILE|-]\n"
"                [--workers N] [-T [--strict-list FILE]]\n"
"       canhgacd [-c FILE] --compliance [--level N] [--format text|json|html]\n"
"                [--lang en|vi] [--since DATE]\n"
"       canhgacd --version\n"
"  -c FILE          configuration (default %s)\n"
"  -r FILE          read a pcap/pcapng capture (repeatable, at most 16,\n"
"                   in order)\n"
"  -i IFACE         capture live on IFACE (repeatable, at most 16;\n"
"                   replaces the configured capture list)\n"
"  -T               check the configuration (and rules) and exit\n"
"  --strict-list FILE  with -T: an entry of list FILE wider than\n"
"                   limits.list_min_prefix_v4/_v6, or a public suffix,\n"
"                   fails the check (canhgacctl update's check of a feed)\n"
"  -D               run in the background (systemd runs it in front)\n"
"  -P PIDFILE       pidfile and instance lock (default: pidfile: in the\n"
"                   configuration; live capture only)\n"
"  --alerts FILE    also write alert records as JSON lines (- for stdout)\n"
"  --events FILE    write flow/tls/quic/dns/http/ssh/plaintext/dhcp event\n"
"                   records as JSON lines (- for standard output)\n"
"  --stats FILE     write all counters as JSON at exit (- for stdout)\n"
"  --workers N      N packet workers on threads of their own, 1 to 64\n"
"                   (default: sensor.workers)\n"
"  --compliance     print the compliance report from the configuration\n"
"                   (no evidence) and exit; with --level N (default\n"
"                   sensor.security_level), --format text|json|html,\n"
"                   --lang en|vi, --since DATE (the period; offline\n"
"                   there is no evidence to restrict, and it says so)\n"
"  -v               more output (-v -T prints the effective config)\n"
"  --version        print the version and exit\n"
"  -h, --help       this help\n", DEFAULT_CONFIG);
}

/*
 * --version: the build's features and the libraries it runs with, one
 * "name: value" line each, so that a support question starts from facts.
 */
static void
version_print(void)
{
	char	re[32];
	int	jit = 0;

	pcre2_config(PCRE2_CONFIG_VERSION, re);
	(void)pcre2_config(PCRE2_CONFIG_JIT, &jit);
	printf("canhgacd %s\n", CANHGAC_VERSION);
	/* Payload regexes are PCRE2 (src/pmatch.c says why not Hyperscan). */
	printf("hyperscan: no\n");
	printf("regex: PCRE2 %s, JIT %s\n", re, jit ? "yes" : "no");
	printf("capture: %s\n", pcap_lib_version());
	printf("libevent: %s\n", event_get_version());
	printf("tls: %s\n", OpenSSL_version(OPENSSL_VERSION));
	printf("yaml: libyaml %s\n", yaml_get_version_string());
	printf("json: jansson %s\n", jansson_version_str());
	printf("public suffix list: libpsl %s\n", psl_get_version());
#if defined(__SANITIZE_ADDRESS__)
	printf("sanitizers: address, undefined\n");
#else
	printf("sanitizers: none\n");
#endif
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "events", required_argument, NULL, 'E' },
		{ "alerts", required_argument, NULL, 'A' },
		{ "stats", required_argument, NULL, 'S' },
		{ "compliance", no_argument, NULL, 'C' },
		{ "level", required_argument, NULL, 'L' },
		{ "format", required_argument, NULL, 'F' },
		{ "lang", required_argument, NULL, 'G' },
		{ "since", required_argument, NULL, 'N' },
		{ "workers", required_argument, NULL, 'W' },
		{ "strict-list", required_argument, NULL, 'X' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct sensor	 s;
	const char	*conffile = NULL;
	const char	*files[IFACE_MAX], *ifaces[IFACE_MAX];
	int		 nfiles = 0, nifaces = 0, test = 0, verbose = 0;
	int		 ch, i, rc = 0, detach = 0, pidfd = -1;
	int		 readyfd = -1;
	char		 absconf[PATH_MAX], abs_events[PATH_MAX];
	char		 abs_pid[PATH_MAX];
	const char	*pidfile = NULL, *events_arg = NULL;
	const char	*strict_list = NULL, *copt = NULL;
	FILE		*stats_fp = NULL;
	int		 compliance = 0, clevel = 0, clang = -1;
	long long	 csince = -1;
	const char	*cformat = "text";
	char		 err[1024];
	double		 secs;

	/*
	 * No privilege back through exec, none inheritable. Here, before
	 * any thread: both are per thread (inherited by new ones), and the
	 * packet workers start before drop_root.
	 */
	daemon_restrict();
	memset(&s, 0, sizeof(s));
	while ((ch = getopt_long(argc, argv, "c:r:i:TvhE:S:A:DP:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			conffile = optarg;
			break;
		case 'r':
			if (nfiles >= IFACE_MAX)
				fatalx("at most %d -r files", IFACE_MAX);
			files[nfiles++] = optarg;
			break;
		case 'i':
			if (nifaces >= IFACE_MAX)
				fatalx("at most %d -i interfaces", IFACE_MAX);
			for (i = 0; i < nifaces; i++)
				if (strcmp(ifaces[i], optarg) == 0)
					fatalx("-i %s given twice", optarg);
			ifaces[nifaces++] = optarg;
			break;
		case 'T':
			test = 1;
			break;
		case 'X':
			strict_list = optarg;
			break;
		case 'v':
			verbose++;
			break;
		case 'E':
			events_arg = optarg;
			break;
		case 'S':
			s.stats_path = optarg;
			break;
		case 'A':
			s.alerts_path = optarg;
			break;
		case 'D':
			detach = 1;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 'C':
			compliance = 1;
			break;
		case 'L':
			copt = "--level";
			/* One digit: atoi took "3x" and "4.5". */
			clevel = optarg[0] >= '1' && optarg[0] <= '5' &&
			    optarg[1] == '\0' ? optarg[0] - '0' : 0;
			if (clevel < 1 || clevel > 5)
				fatalx("--level: 1..5");
			break;
		case 'F':
			copt = "--format";
			cformat = optarg;
			if (strcmp(cformat, "text") && strcmp(cformat, "json") &&
			    strcmp(cformat, "html"))
				fatalx("--format: text, json or html");
			break;
		case 'N':
			copt = "--since";
			if ((csince = compliance_parse_since(optarg,
			    (long long)time(NULL), err, sizeof(err))) < 0)
				fatalx("%s", err);
			break;
		case 'G':
			copt = "--lang";
			if (strcmp(optarg, "en") && strcmp(optarg, "vi"))
				fatalx("--lang: en or vi");
			clang = strcmp(optarg, "vi") == 0;
			break;
		case 'W':
			i = atoi(optarg);
			if (i < 1 || i > WORKERS_MAX)
				fatalx("--workers: 1..%d", WORKERS_MAX);
			s.workers_cli = (unsigned)i;
			break;
		case 'V':
			version_print();
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* An option of another mode is a mistake, not a live start. */
	if (!compliance && copt != NULL) {
		fprintf(stderr, "canhgacd: %s needs --compliance\n", copt);
		return 2;
	}
	if (!test && strict_list != NULL) {
		fprintf(stderr, "canhgacd: --strict-list needs -T\n");
		return 2;
	}
	if (strict_list != NULL && access(strict_list, R_OK) != 0) {
		fprintf(stderr, "canhgacd: --strict-list %s: %s\n",
		    strict_list, strerror(errno));
		return 1;
	}
	log_init(0, 0);
	log_setverbose(verbose);

	if (conffile == NULL && access(DEFAULT_CONFIG, R_OK) == 0)
		conffile = DEFAULT_CONFIG;
	/*
	 * Detached, the daemon leaves its working directory once running:
	 * paths that a reload opens again are made absolute first (the
	 * configuration's own relative paths follow its directory).
	 */
	if (detach && conffile != NULL)
		conffile = abs_path(conffile, absconf, sizeof(absconf));
	if (detach && events_arg != NULL && strcmp(events_arg, "-") != 0)
		events_arg = abs_path(events_arg, abs_events,
		    sizeof(abs_events));
	if (conffile != NULL) {
		if ((s.conf = config_load(conffile, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s\n", cccd_mask_str(err));
			return 1;
		}
	} else {
		if (test) {
			fprintf(stderr, "canhgacd: no configuration: %s not "
			    "found and no -c given\n", DEFAULT_CONFIG);
			return 1;
		}
		s.conf = xcalloc(1, sizeof(*s.conf));
		config_defaults(s.conf);
		s.conf->utc_offset = 7 * 3600;
	}
	if (compliance)
		return offline_compliance(&s, clevel, cformat, clang, csince);
	if (test) {
		s.conf->strict_list = strict_list;
		if (config_check_accounts(s.conf, err, sizeof(err)) != 0)
			log_warnx("%s", err);
		if (config_check_outputs(s.conf, err, sizeof(err)) != 0 ||
		    (s.rules = rules_load(s.conf, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s\n", cccd_mask_str(err));
			config_free(s.conf);
			return 1;
		}
		printf("configuration %s: OK\n", conffile);
		if (verbose)
			config_print(s.conf, stdout);
		rules_print_summary(s.rules, stdout, verbose);
		rules_free(s.rules);
		config_free(s.conf);
		return 0;
	}
	s.events_cli = events_arg != NULL;
	s.events_path = s.events_cli ? xstrdup(events_arg) : NULL;
	/* What root creates before the drop is the service user's. */
	if (geteuid() == 0 && s.conf->user != NULL) {
		uid_t	uid;
		gid_t	gid;

		if (daemon_user(s.conf->user, &uid, &gid, err,
		    sizeof(err)) == 0)
			safefile_set_owner(uid, gid);
	}

	/* A live sensor holds the pidfile lock; replays run beside it. */
	if (pidfile == NULL)
		pidfile = s.conf->pidfile;
	if (pidfile != NULL)	/* a reload frees s.conf; -D leaves the cwd */
		pidfile = abs_path(pidfile, abs_pid, sizeof(abs_pid));
	if (nfiles == 0 && pidfile != NULL && (pidfd = daemon_pidfile(pidfile,
	    err, sizeof(err))) < 0) {
		fprintf(stderr, "canhgacd: %s\n", cccd_mask_str(err));
		config_free(s.conf);
		free(s.events_path);
		return 1;
	}
	if (detach) {
		if ((readyfd = daemon_detach(err, sizeof(err))) < 0)
			start_failed(pidfd, pidfile, err);
		daemon_pidfile_update(pidfd);
	}
	if ((s.base = event_base_new()) == NULL)
		start_failed(pidfd, pidfile, "event_base_new failed");
	sensor_capture(&s);
	if (nfiles > 0) {
		s.offline = 1;
		for (i = 0; i < nfiles; i++)
			if (capture_add_file(s.cap, files[i], err,
			    sizeof(err)) != 0)
				start_failed(pidfd, pidfile, err);
	} else if (nifaces > 0) {
		s.cli_ifaces = 1;
		for (i = 0; i < nifaces; i++) {
			struct capture_conf cc;

			memset(&cc, 0, sizeof(cc));
			snprintf(cc.iface, sizeof(cc.iface), "%s", ifaces[i]);
			cc.snaplen = CAPTURE_SNAPLEN_DEFAULT;
			cc.promisc = 1;
			/* Keep the configured filter for a listed interface. */
			for (int j = 0; j < s.conf->ncapture; j++)
				if (strcmp(s.conf->capture[j].iface,
				    ifaces[i]) == 0)
					cc = s.conf->capture[j];
			if (capture_add_live(s.cap, &cc, err, sizeof(err)) != 0)
				start_failed(pidfd, pidfile, err);
		}
	} else if (s.conf->ncapture > 0) {
		for (i = 0; i < s.conf->ncapture; i++)
			if (capture_add_live(s.cap, &s.conf->capture[i], err,
			    sizeof(err)) != 0)
				start_failed(pidfd, pidfile, err);
	} else
		start_failed(pidfd, pidfile, "nothing to capture: give -r "
		    "FILE, -i IFACE or a capture list in the configuration");

	s.own_signals = 1;
	if (sensor_start(&s, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		rc = 1;
	}
	/* Opened now, while still root: written at exit, after the drop. */
	if (rc == 0 && s.stats_path != NULL) {
		int fd = -1;

		/* Not through a link another user planted there. */
		stats_fp = strcmp(s.stats_path, "-") == 0 ? stdout :
		    (fd = safe_open(s.stats_path, O_WRONLY | O_CREAT | O_TRUNC,
		    0644, 0, err, sizeof(err))) < 0 ? NULL : fdopen(fd, "w");
		if (stats_fp == NULL) {
			log_warnx("%s", fd < 0 ? err : strerror(errno));
			if (fd >= 0)
				close(fd);
			rc = 1;
		}
	}
	if (rc == 0 && geteuid() == 0 && s.conf->user != NULL &&
	    drop_root(&s, nfiles > 0, err, sizeof(err)) != 0) {
		log_warnx("%s", err);
		rc = 1;
	}
	/* Loaded, open and unprivileged: only now has a -D start worked. */
	if (rc == 0 && detach) {
		daemon_detach_done(readyfd);
		log_init(0, 1);
	}
	if (rc == 0) {
		log_info("running on %d source(s)", capture_count(s.cap));
		sensor_run(&s);
	}
	secs = (double)(sensor_wall_usec() - s.wall_start) / 1e6;
	if (rc == 0) {
		capture_stats_update(s.cap);
		sensor_print_summary(&s, secs);
		if (stats_fp != NULL && sensor_write_stats(&s, stats_fp,
		    s.stats_path) != 0)
			rc = 1;
	}
	if (stats_fp != NULL && stats_fp != stdout && fclose(stats_fp) != 0 &&
	    rc == 0) {
		log_warn("%s: cannot write the statistics", s.stats_path);
		rc = 1;
	}
	sensor_shutdown(&s);
	event_base_free(s.base);
	daemon_pidfile_remove(pidfd, pidfile);
	return rc;
}
