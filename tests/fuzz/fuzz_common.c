/*
 * Scratch files for the fuzz targets. The loaders under test take paths
 * (the daemon reads its configuration, rules and lists from files), so an
 * input is written to a file in a private directory, which goes at exit.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_common.h"

static char	dir[256];

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static void
fuzz_cleanup(void)
{
	if (dir[0] != '\0')
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_dir(void)
{
	const char	*t = getenv("TMPDIR");

	if (dir[0] != '\0')
		return dir;
	snprintf(dir, sizeof(dir), "%s/canhgac-fuzz.XXXXXX",
	    t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	atexit(fuzz_cleanup);
	return dir;
}

const char *
fuzz_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", fuzz_dir(), name);
	return buf;
}

void
fuzz_write(const char *name, const void *data, size_t len)
{
	char	 p[512];
	int	 fd;

	fuzz_path(name, p, sizeof(p));
	if (strchr(name, '/') != NULL) {
		char	d[512], *sl;

		snprintf(d, sizeof(d), "%s", p);
		sl = strrchr(d, '/');
		*sl = '\0';
		if (mkdir(d, 0700) != 0 && errno != EEXIST) {
			perror(d);
			abort();
		}
	}
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) < 0 || (len > 0 && write(fd, data, len) != (ssize_t)len)) {
		perror(p);
		abort();
	}
	close(fd);
}

void
fuzz_copy(const char *srcrel, const char *name)
{
	char	 p[512], *buf;
	FILE	*fp;
	long	 n;

	snprintf(p, sizeof(p), "%s/%s", FUZZ_SRCDIR, srcrel);
	if ((fp = fopen(p, "rb")) == NULL || fseek(fp, 0, SEEK_END) != 0 ||
	    (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
		perror(p);
		abort();
	}
	buf = malloc((size_t)n + 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		perror(p);
		abort();
	}
	fclose(fp);
	fuzz_write(name, buf, (size_t)n);
	free(buf);
}

static const char *const packs[] = {
	"anomaly.yaml", "bruteforce.yaml", "controls-tcvn11930.yaml",
	"controls-tcvn14423-2025.yaml", "data-leak.yaml", "dns.yaml",
	"exfiltration.yaml", "ioc.yaml", "plaintext.yaml", "policy.yaml",
	"rogue-host.yaml", "scan.yaml", "sensor.yaml", "weak-crypto.yaml",
};

void
fuzz_install_tree(void)
{
	char	p[128];
	size_t	i;

	for (i = 0; i < sizeof(packs) / sizeof(packs[0]); i++) {
		snprintf(p, sizeof(p), "rules/%s", packs[i]);
		fuzz_copy(p, p);
	}
	fuzz_copy("etc/lists/ioc-ips.txt", "lists/ioc-ips.txt");
	fuzz_copy("etc/lists/ioc-domains.txt", "lists/ioc-domains.txt");
	fuzz_copy("etc/lists/known-hosts.txt", "lists/known-hosts.txt");
	fuzz_copy("etc/lists/approved-services.txt",
	    "lists/approved-services.txt");
}

void
fuzz_write_config(const char *name, const char *rules, const char *extra)
{
	char	*c;
	int	 n;

	n = asprintf(&c,
	    "sensor:\n"
	    "  name: fuzz\n"
	    "  security_level: 3\n"
	    "  catalog: rules/controls-tcvn11930.yaml\n"
	    "  state_dir: none\n"
	    "%s"
	    "rules:\n"
	    "  - %s\n"
	    "%s", FUZZ_ASSETS("lists"), rules, extra);
	if (n < 0)
		abort();
	fuzz_write(name, c, (size_t)n);
	free(c);
}
