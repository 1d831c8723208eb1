/*
 * Running as a service: the pidfile lock that keeps a second instance
 * out, daemonizing, and dropping root for good once everything that
 * needs it (pcap handles, sockets, log files) is open.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "canhgac.h"

/*
 * Open and lock the pidfile. The lock, not the file's existence, says an
 * instance runs: a stale file left by a crash does not block a start.
 * Returns the descriptor (kept open for the life of the process).
 */
int
daemon_pidfile(const char *path, char *err, size_t errlen)
{
	char	buf[32], *dir, *slash;
	int	fd, n;

	dir = xstrdup(path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		(void)mkdir(dir, 0755);
	}
	free(dir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1) {
		snprintf(err, errlen, "%s: cannot open pidfile: %s", path,
		    strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(err, errlen, "%s: another canhgacd is running (pid "
		    "%s)", path, buf[0] ? buf : "unknown");
		close(fd);
		return -1;
	}
	if (ftruncate(fd, 0) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (pwrite(fd, buf, (size_t)n, 0) != n) {
		snprintf(err, errlen, "%s: cannot write: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Rewrite the pid after daemonizing (the lock stays with the fd). */
void
daemon_pidfile_update(int fd)
{
	char	buf[32];
	int	n;

	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("pidfile");
}

/* Look the service user up; -1 with the reason if it does not exist. */
int
daemon_user(const char *user, uid_t *uid, gid_t *gid, char *err,
    size_t errlen)
{
	struct passwd	*pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(err, errlen, "user \"%s\" does not exist: create it "
		    "(useradd --system --no-create-home canhgac) or change "
		    "`user:` in the configuration", user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/*
 * Give a file the daemon created as root to the service user, so that
 * reopening it after logrotate works without root.
 */
void
daemon_chown(const char *path, uid_t uid, gid_t gid)
{
	if (path != NULL && strcmp(path, "-") != 0 && chown(path, uid, gid)
	    == -1 && errno != ENOENT)
		log_warn("chown %s", path);
}

/*
 * Drop root: supplementary groups, then gid, then uid, all three ids;
 * then check that root cannot be regained. With setresuid all of real,
 * effective and saved ids change, so the process keeps no capabilities.
 */
int
daemon_drop(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (setgroups(1, &gid) == -1 ||
	    setresgid(gid, gid, gid) == -1 ||
	    setresuid(uid, uid, uid) == -1) {
		snprintf(err, errlen, "cannot drop privileges: %s",
		    strerror(errno));
		return -1;
	}
	if (uid != 0 && (setuid(0) != -1 || seteuid(0) != -1)) {
		snprintf(err, errlen, "dropped privileges but root could be "
		    "regained");
		return -1;
	}
	/* No privilege may come back through exec either. */
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return 0;
}

/* Detach from the terminal (-D); systemd runs us in the foreground. */
int
daemon_detach(char *err, size_t errlen)
{
	if (daemon(0, 0) == -1) {
		snprintf(err, errlen, "daemon: %s", strerror(errno));
		return -1;
	}
	return 0;
}
