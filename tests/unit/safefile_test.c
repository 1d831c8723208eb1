/*
 * safefile.c: a link, a hard link, a FIFO, a directory link or a file
 * of another user planted where the daemon opens its files is refused
 * and the file it points to is untouched; a truncation happens only
 * after the checks; files root opens with SAFE_GIVE go to the service
 * user through the descriptor.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "safefile.h"

static char	dir[256], victim[300];

static void
path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* The victim: a file outside the directory, with known content. */
static int
setup(void **state)
{
	FILE	*fp;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/safefile_test.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	path(victim, sizeof(victim), "victim");
	if ((fp = fopen(victim, "w")) == NULL)
		return -1;
	fputs("secret\n", fp);
	fclose(fp);
	chmod(victim, 0600);
	safefile_clear_owner();
	return 0;
}

static int
teardown(void **state)
{
	char	cmd[300];

	(void)state;
	safefile_clear_owner();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
assert_victim_intact(void)
{
	struct stat	st;
	char		buf[32];
	FILE		*fp;

	assert_int_equal(stat(victim, &st), 0);
	assert_int_equal(st.st_size, 7);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_non_null(fp = fopen(victim, "r"));
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "secret\n");
}

static void
test_regular_file(void **state)
{
	char	p[300], err[512];
	int	fd;

	(void)state;
	path(p, sizeof(p), "sub/dir/alerts.json");
	fd = safe_open(p, O_WRONLY | O_APPEND | O_CREAT, 0640, SAFE_MKDIR,
	    err, sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	/* Blocking again: O_NONBLOCK was only for the open. */
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_int_not_equal(fcntl(fd, F_GETFL) & O_APPEND, 0);
	close(fd);
	/* Opened again, truncated. */
	fd = safe_open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640, 0, err,
	    sizeof(err));
	assert_true(fd >= 0);
	{
		struct stat st;

		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(st.st_size, 0);
	}
	close(fd);
	/* A device, as -E /dev/null or --stats /dev/full, but never given. */
	fd = safe_open("/dev/null", O_WRONLY | O_APPEND, 0, 0, err,
	    sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	fd = safe_open("/dev/null", O_WRONLY | O_TRUNC, 0, 0, err,
	    sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	{
		struct stat st, before;

		assert_int_equal(stat("/dev/null", &before), 0);
		safefile_set_owner(54321, 54321);
		fd = safe_open("/dev/null", O_WRONLY, 0, SAFE_GIVE, err,
		    sizeof(err));
		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(stat("/dev/null", &st), 0);
		assert_int_equal(st.st_uid, before.st_uid);
	}
}

static void
test_symlink_refused(void **state)
{
	char	p[300], err[512];
	int	flags[] = { O_WRONLY | O_APPEND | O_CREAT,
	    O_WRONLY | O_CREAT | O_TRUNC, O_RDWR | O_CREAT, O_RDONLY };
	size_t	i;

	(void)state;
	path(p, sizeof(p), "alerts.json");
	assert_int_equal(symlink(victim, p), 0);
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		err[0] = '\0';
		assert_int_equal(safe_open(p, flags[i], 0640, SAFE_GIVE, err,
		    sizeof(err)), -1);
		assert_non_null(strstr(err, p));
		assert_non_null(strstr(err, "symbolic link"));
	}
	assert_victim_intact();
	/* A dangling link is not followed to create its target either. */
	assert_int_equal(unlink(p), 0);
	{
		char target[300];

		path(target, sizeof(target), "created-through-link");
		assert_int_equal(symlink(target, p), 0);
		assert_int_equal(safe_open(p, O_WRONLY | O_CREAT, 0640, 0, err,
		    sizeof(err)), -1);
		assert_int_equal(access(target, F_OK), -1);
	}
}

static void
test_hardlink_refused(void **state)
{
	char	p[300], err[512];

	(void)state;
	path(p, sizeof(p), "events.json");
	assert_int_equal(link(victim, p), 0);
	assert_int_equal(safe_open(p, O_WRONLY | O_CREAT | O_TRUNC, 0640,
	    SAFE_GIVE, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "hard links"));
	assert_non_null(strstr(err, p));
	errno = ENOENT;
	assert_int_equal(safe_open(p, O_RDONLY, 0, 0, err, sizeof(err)), -1);
	assert_int_not_equal(errno, ENOENT);
	assert_victim_intact();
}

static void
test_fifo_refused(void **state)
{
	char	p[300], err[512];

	(void)state;
	path(p, sizeof(p), "stats.json");
	assert_int_equal(mkfifo(p, 0600), 0);
	/* Would block for ever without O_NONBLOCK on the open. */
	assert_int_equal(safe_open(p, O_WRONLY | O_CREAT, 0640, 0, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	/*
	 * Not ENOENT, whatever errno was: readers of optional files
	 * (hosts.json) took a stale one for "missing" and said nothing.
	 */
	errno = ENOENT;
	assert_int_equal(safe_open(p, O_RDONLY, 0, 0, err, sizeof(err)), -1);
	assert_int_not_equal(errno, ENOENT);
	assert_int_equal(safe_open(p, O_RDWR | O_CREAT, 0640, 0, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
}

static int
is_root(void)
{
	if (geteuid() == 0)
		return 1;
	if (getenv("CI") != NULL && strcmp(getenv("CI"), "true") == 0)
		fail_msg("needs root (CI=true: not skipping)");
	return 0;
}

/*
 * A directory link in a directory another user can write is refused,
 * wherever it is on the path; one only root can have made is followed.
 */
static void
test_dir_links(void **state)
{
	char		p[300], d[300], err[512];
	struct stat	st, rst;
	int		fd;

	(void)state;
	path(d, sizeof(d), "real");
	assert_int_equal(mkdir(d, 0750), 0);
	path(d, sizeof(d), "w");
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(chmod(d, 0777), 0);
	path(d, sizeof(d), "w/spool");
	assert_int_equal(symlink("../real", d), 0);
	assert_int_equal(safe_dir(d, SAFE_MKDIR, err, sizeof(err)), -1);
	assert_non_null(strstr(err, d));
	assert_non_null(strstr(err, "symbolic link"));
	/* Not the last component: still refused, nothing made through it. */
	path(p, sizeof(p), "w/spool/sub/cursor");
	assert_int_equal(safe_open(p, O_WRONLY | O_CREAT, 0640, SAFE_MKDIR,
	    err, sizeof(err)), -1);
	assert_non_null(strstr(err, d));
	path(p, sizeof(p), "real/sub");
	assert_int_equal(access(p, F_OK), -1);
	if (!is_root())
		skip();
	/* The test directory is root's, 0700: its links are root's doing. */
	path(d, sizeof(d), "trusted");
	assert_int_equal(symlink("real", d), 0);
	assert_true((fd = safe_dir(d, 0, err, sizeof(err))) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	path(p, sizeof(p), "real");
	assert_int_equal(stat(p, &rst), 0);
	assert_int_equal(st.st_ino, rst.st_ino);
	/* Sticky (as /tmp): root's link followed, another user's not. */
	path(d, sizeof(d), "t");
	assert_int_equal(mkdir(d, 0700), 0);
	assert_int_equal(chmod(d, 01777), 0);
	path(d, sizeof(d), "t/byroot");
	assert_int_equal(symlink("../real", d), 0);
	assert_true((fd = safe_dir(d, 0, err, sizeof(err))) >= 0);
	close(fd);
	path(d, sizeof(d), "t/byuser");
	assert_int_equal(symlink("../real", d), 0);
	assert_int_equal(lchown(d, 54321, 54321), 0);
	assert_int_equal(safe_dir(d, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	/*
	 * Root's link into a directory another user can write, where that
	 * user's link (w/spool) leads on: refused (the kernel followed both,
	 * and root made real/sub through them).
	 */
	path(d, sizeof(d), "trusted2");
	assert_int_equal(symlink("w/spool", d), 0);
	assert_int_equal(safe_dir(d, 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	path(p, sizeof(p), "trusted2/sub/cursor");
	assert_int_equal(safe_open(p, O_WRONLY | O_CREAT, 0640, SAFE_MKDIR,
	    err, sizeof(err)), -1);
	path(p, sizeof(p), "real/sub");
	assert_int_equal(access(p, F_OK), -1);
	/* Root's link to root's link to real: followed. */
	path(d, sizeof(d), "trusted3");
	assert_int_equal(symlink("trusted", d), 0);
	assert_true((fd = safe_dir(d, 0, err, sizeof(err))) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(st.st_ino, rst.st_ino);
}

/*
 * safe_open_read (list files): in a directory another user can write, a
 * link, a FIFO and a hard link are refused at once and nothing is read;
 * a regular file is read; root's link in root's own directory is
 * followed (root only: otherwise the test directory is not root's).
 */
static void
test_open_read(void **state)
{
	char	w[300], p[300], q[300], err[512], buf[16];
	int	fd;

	(void)state;
	path(w, sizeof(w), "w");
	assert_int_equal(mkdir(w, 0700), 0);
	assert_int_equal(chmod(w, 0777), 0);
	path(p, sizeof(p), "w/list");
	assert_int_equal(symlink(victim, p), 0);
	assert_int_equal(safe_open_read(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, p));
	assert_non_null(strstr(err, "symbolic link"));
	assert_null(strstr(err, "secret"));
	assert_int_equal(unlink(p), 0);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(safe_open_read(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a regular file"));
	assert_int_equal(unlink(p), 0);
	assert_int_equal(link(victim, p), 0);
	assert_int_equal(safe_open_read(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "hard links"));
	assert_int_equal(unlink(p), 0);
	assert_victim_intact();
	/* A file of its own in that directory is read. */
	path(q, sizeof(q), "w/own");
	assert_true((fd = open(q, O_WRONLY | O_CREAT | O_EXCL, 0644)) >= 0);
	assert_int_equal(write(fd, "10.0.0.1\n", 9), 9);
	close(fd);
	assert_true((fd = safe_open_read(q, err, sizeof(err))) >= 0);
	assert_int_equal(read(fd, buf, sizeof(buf)), 9);
	close(fd);
	path(p, sizeof(p), "w/missing");
	assert_int_equal(safe_open_read(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open"));
	if (!is_root())
		skip();
	/* The test directory is root's, 0700: its links are root's doing. */
	path(p, sizeof(p), "rootlink");
	assert_int_equal(symlink("w/own", p), 0);
	assert_true((fd = safe_open_read(p, err, sizeof(err))) >= 0);
	close(fd);
	/*
	 * Where root's link points is opened the same way: there, another
	 * user's link to the victim is refused (the kernel followed it, and
	 * root read the victim).
	 */
	path(q, sizeof(q), "w/target");
	assert_int_equal(symlink(victim, q), 0);
	path(p, sizeof(p), "rootlink2");
	assert_int_equal(symlink(q, p), 0);
	assert_int_equal(safe_open_read(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, q));
	assert_non_null(strstr(err, "symbolic link"));
	/* Relative, and through a second link of root's: the same. */
	path(p, sizeof(p), "rootlink3");
	assert_int_equal(symlink("rootlink2", p), 0);
	assert_int_equal(safe_open_read(p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "symbolic link"));
	/* A loop of root's links ends. */
	path(p, sizeof(p), "loop");
	assert_int_equal(symlink("loop", p), 0);
	assert_int_equal(safe_open_read(p, err, sizeof(err)), -1);
	assert_victim_intact();
}

/* Root: another user's file is refused; SAFE_GIVE hands ours over. */
static void
test_owner(void **state)
{
	char		p[300], d[300], err[512];
	struct stat	st;
	int		fd;

	(void)state;
	if (!is_root())
		skip();
	path(p, sizeof(p), "foreign");
	assert_true((fd = open(p, O_WRONLY | O_CREAT, 0644)) >= 0);
	assert_int_equal(fchown(fd, 54321, 54321), 0);
	close(fd);
	assert_int_equal(safe_open(p, O_WRONLY | O_APPEND, 0, 0, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "owned by uid 54321"));
	/* The service user's own file is accepted once it is known. */
	safefile_set_owner(54321, 54321);
	assert_true((fd = safe_open(p, O_WRONLY | O_APPEND, 0, 0, err,
	    sizeof(err))) >= 0);
	close(fd);
	/* Created by root with SAFE_GIVE: the service user's, dirs too. */
	path(p, sizeof(p), "log/alerts.json");
	assert_true((fd = safe_open(p, O_WRONLY | O_APPEND | O_CREAT, 0640,
	    SAFE_MKDIR | SAFE_GIVE, err, sizeof(err))) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_uid, 54321);
	assert_int_equal(st.st_gid, 54321);
	close(fd);
	path(d, sizeof(d), "log");
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_uid, 54321);
	/* Without SAFE_GIVE (a pidfile), root keeps it. */
	path(p, sizeof(p), "pid");
	assert_true((fd = safe_open(p, O_RDWR | O_CREAT, 0644, 0, err,
	    sizeof(err))) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_uid, 0);
	close(fd);
	/*
	 * A directory of root's is given over only with SAFE_GIVE_DIR and
	 * where the service user owns its parent (an older version's spool).
	 */
	path(d, sizeof(d), "svc");
	assert_int_equal(mkdir(d, 0750), 0);
	assert_int_equal(chown(d, 54321, 54321), 0);
	path(d, sizeof(d), "svc/spool");
	assert_int_equal(mkdir(d, 0750), 0);
	assert_true((fd = safe_dir(d, SAFE_MKDIR | SAFE_GIVE, err,
	    sizeof(err))) >= 0);
	close(fd);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_true((fd = safe_dir(d, SAFE_GIVE_DIR, err, sizeof(err))) >= 0);
	close(fd);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_uid, 54321);
	path(d, sizeof(d), "system");
	assert_int_equal(mkdir(d, 0750), 0);
	assert_true((fd = safe_dir(d, SAFE_GIVE_DIR, err, sizeof(err))) >= 0);
	close(fd);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_uid, 0);
}

/* The service user reopens its log under directories it may only search. */
static void
test_search_only(void **state)
{
	char	d[300], p[300], err[512];
	pid_t	pid;
	int	status;

	(void)state;
	if (!is_root())
		skip();
	assert_int_equal(chmod(dir, 0711), 0);
	path(d, sizeof(d), "x");
	assert_int_equal(mkdir(d, 0711), 0);
	path(d, sizeof(d), "x/svc");
	assert_int_equal(mkdir(d, 0750), 0);
	assert_int_equal(chown(d, 54321, 54321), 0);
	path(p, sizeof(p), "x/svc/alerts.json");
	if ((pid = fork()) == 0) {
		int fd;

		if (setresgid(54321, 54321, 54321) != 0 ||
		    setresuid(54321, 54321, 54321) != 0)
			_exit(2);
		fd = safe_open(p, O_WRONLY | O_APPEND | O_CREAT, 0640,
		    SAFE_MKDIR, err, sizeof(err));
		if (fd < 0)
			fprintf(stderr, "%s\n", err);
		_exit(fd >= 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A pipe's read end, a child writing n bytes of b into it (*pid). */
static int
pipe_writer(const char *b, size_t n, pid_t *pid)
{
	int	fd[2];

	assert_int_equal(pipe(fd), 0);
	if ((*pid = fork()) == 0) {
		close(fd[0]);
		if (write(fd[1], b, n) < 0)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	return fd[0];
}

/*
 * safe_read_capped: a file of exactly the cap is read whole, a byte more
 * refused, from a file and from a pipe (no size to check); a small cap
 * below the first read's size still holds.
 */
static void
test_read_capped(void **state)
{
	static char	 big[200000];
	char		*b;
	size_t		 len;
	int		 fd[2], over;
	pid_t		 pid;

	(void)state;
	memset(big, 'x', sizeof(big));
	fd[0] = pipe_writer(big, sizeof(big), &pid);
	assert_null(safe_read_capped(fd[0], sizeof(big) - 1, &len, &over));
	assert_int_equal(over, 1);
	close(fd[0]);
	waitpid(pid, NULL, 0);
	fd[0] = pipe_writer(big, sizeof(big), &pid);
	assert_non_null(b = safe_read_capped(fd[0], sizeof(big), &len, &over));
	assert_int_equal(over, 0);
	assert_int_equal(len, sizeof(big));
	assert_int_equal(b[len], '\0');
	free(b);
	close(fd[0]);
	waitpid(pid, NULL, 0);
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write(fd[1], big, 100), 100);
	close(fd[1]);
	assert_null(safe_read_capped(fd[0], 99, &len, &over));
	assert_int_equal(over, 1);
	close(fd[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_regular_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hardlink_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_fifo_refused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dir_links, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_owner, setup, teardown),
		cmocka_unit_test(test_read_capped),
		cmocka_unit_test_setup_teardown(test_open_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_search_only, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
