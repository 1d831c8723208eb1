/*
 * Running as a service: the pidfile lock that keeps a second instance
 * out, daemonizing, and dropping root for good once everything that
 * needs it (pcap handles, sockets, log files) is open.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/capability.h>

#include "daemon.h"
#include "log.h"
#include "safefile.h"

/*
 * Open and lock the pidfile. The lock, not the file's existence, says an
 * instance runs: a stale file left by a crash does not block a start.
 * Returns the descriptor (kept open for the life of the process).
 */
int
daemon_pidfile(const char *path, char *err, size_t errlen)
{
	char	buf[32], why[512];
	int	fd, n;

	/* Not following a link: the directory may be writable by others. */
	if ((fd = safe_open(path, O_RDWR | O_CREAT, 0644, SAFE_MKDIR, why,
	    sizeof(why))) == -1) {
		snprintf(err, errlen, "cannot open pidfile: %s", why);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		n = (int)read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		/* Digits only: the text goes to root's terminal. */
		if (buf[0] == '\0' || buf[strspn(buf, "0123456789")] != '\0')
			strcpy(buf, "unknown");
		snprintf(err, errlen, "%s: another canhgacd is running (pid "
		    "%s)", path, buf);
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

/*
 * At exit: remove the pidfile while still holding its lock, so that a
 * new instance's file is never the one removed. After dropping root
 * this needs the directory to belong to the service user (the runtime
 * directory /run/canhgac does, from etc/canhgac.tmpfiles); otherwise
 * the file stays, which the lock makes harmless, and that is said.
 */
void
daemon_pidfile_remove(int fd, const char *path)
{
	struct stat	ours, now;

	if (fd < 0)
		return;
	/*
	 * The path removed and made again meanwhile (by whoever owns the
	 * directory) may hold a newer instance's pid under its own lock:
	 * that file is not ours to remove.
	 */
	if (fstat(fd, &ours) == 0 && lstat(path, &now) == 0 &&
	    (ours.st_dev != now.st_dev || ours.st_ino != now.st_ino)) {
		log_warnx("%s: not removed: no longer this instance's pidfile "
		    "(another file is there)", path);
		close(fd);
		return;
	}
	if (unlink(path) == -1 && errno != ENOENT)
		log_warnx("%s: cannot remove the pidfile: %s (its directory "
		    "must belong to the service user, as etc/canhgac.tmpfiles "
		    "makes /run/canhgac)", path, strerror(errno));
	close(fd);
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
 * Drop root: supplementary groups, then gid, then uid, all three ids;
 * then check that root cannot be regained. With setresuid all of real,
 * effective and saved ids change, so the process keeps no capabilities.
 * The inheritable set it keeps: daemon_restrict, before any thread.
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
	return 0;
}

/*
 * No privilege may come back through exec (no_new_privs), and none is
 * left inheritable: setresuid clears the permitted, effective and
 * ambient sets but keeps the inheritable one a parent gave us (emptying
 * it empties the ambient set too). Both are per thread.
 */
void
daemon_restrict(void)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct	d[_LINUX_CAPABILITY_U32S_3];
	size_t				i;

	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (syscall(SYS_capget, &hdr, d) != 0)
		return;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		d[i].inheritable = 0;
	(void)syscall(SYS_capset, &hdr, d);
}

/*
 * Detach from the terminal (-D; systemd runs us in the foreground), in
 * two steps so that the start is reported truthfully: the parent forks
 * and waits, and exits 0 only when the child says it is running
 * (daemon_detach_done), or 1 if the child exits first. The child keeps
 * the working directory and standard error until then, so relative
 * paths load and every start error is printed where it was started.
 * Returns, in the child, the descriptor to report readiness on.
 */
int
daemon_detach(char *err, size_t errlen)
{
	int	p[2], status = 0;
	pid_t	pid;
	char	c = 0;

	if (pipe(p) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
		if (setsid() == -1) {
			snprintf(err, errlen, "setsid: %s", strerror(errno));
			return -1;
		}
		return p[1];
	}
	close(p[1]);
	while (read(p[0], &c, 1) == -1 && errno == EINTR)
		;
	if (c == 'R')
		_exit(0);
	/* The child exited before running: its status is the start's. */
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	_exit(WIFEXITED(status) && WEXITSTATUS(status) != 0 ?
	    WEXITSTATUS(status) : 1);
}

/* The detached child runs: let go of the terminal and the directory. */
void
daemon_detach_done(int fd)
{
	int	null;

	if (fd < 0)
		return;
	if (chdir("/") == -1)
		log_warn("chdir /");
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(null, STDIN_FILENO);
		(void)dup2(null, STDOUT_FILENO);
		(void)dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(fd, "R", 1) != 1)
		log_warn("cannot report the start");
	close(fd);
}
