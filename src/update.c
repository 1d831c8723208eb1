/*
 * update.c: canhgacctl update. Each source is fetched, checked and
 * converted into a file staged beside its target (same file system);
 * then, one source at a time, the whole configuration is checked by the
 * daemon's own loader (canhgacd -T) with the staged file bind-mounted
 * over the target in a mount namespace of the check's own, and only a
 * file that loads is renamed over the target, which is kept as
 * TARGET.prev. Where that cannot be done (not root, a new file) the
 * check follows the rename and a file that does not load is put back
 * at once; the running daemon reads lists and rules only when it
 * reloads, so it never sees a file that failed. At the end the
 * daemon reloads once; if that fails (or does not answer within -t)
 * every file goes back and it reloads again. Stopped by SIGTERM, SIGINT
 * or SIGHUP, it removes the file it has staged, or puts back one being
 * checked after its rename (SIGKILL leaves either).
 */
#include "config.h"

#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cccd.h"
#include "safefile.h"
#include "update.h"
#include "xmalloc.h"
#include "yamldoc.h"

#define MARK		"# canhgacctl update: "	/* the files it writes */
#define CHECK_OUT_MAX	(64 * 1024)		/* canhgacd -T's output kept */

enum state { ST_UNCHANGED, ST_SWAPPED, ST_FAILED, ST_SKIPPED };

struct job {
	struct update_source	*s;
	enum state		 st;
	size_t			 count;
	int			 had_prev;	/* the target existed */
	char			 why[1024];
	char			 prev[PATH_MAX];
};

/*
 * What a stop signal must undo, for its handler: the staged file while
 * it exists, and the check run on it. A SIGTERM (a timer unit's stop)
 * during the check, which can take a while, left FILE.XXXXXX beside
 * the list for good. Set with the signals blocked, so that the handler
 * never sees half a name.
 */
static char			staged_path[PATH_MAX];
static volatile sig_atomic_t	staged_set;
static volatile sig_atomic_t	check_pid;
/*
 * And a file renamed in place to be checked there (not root, a new
 * file): stopped then, it stayed in place unchecked, for the daemon's
 * next reload or start. UNDO_REMOVE a new one, UNDO_RENAME the previous
 * version (undo_prev) back over undo_path.
 */
enum { UNDO_NONE, UNDO_REMOVE, UNDO_RENAME };
static char			undo_path[PATH_MAX], undo_prev[PATH_MAX];
static volatile sig_atomic_t	undo;
static const int		stop_sigs[] = { SIGTERM, SIGINT, SIGHUP };

/*
 * Remove the staged file (or undo an unchecked rename), stop the check,
 * then die of sig as before.
 */
static void
on_stop(int sig)
{
	if (staged_set)
		unlink(staged_path);
	if (undo == UNDO_REMOVE)
		unlink(undo_path);
	else if (undo == UNDO_RENAME)
		rename(undo_prev, undo_path);
	if (check_pid > 0)
		kill((pid_t)check_pid, SIGTERM);
	/* SA_RESETHAND made it the default again: delivered on return. */
	raise(sig);
}

/* Block (or with 0, unblock to old) the stop signals. */
static void
stop_block(int block, sigset_t *old)
{
	sigset_t	set;
	size_t		i;

	if (!block) {
		pthread_sigmask(SIG_SETMASK, old, NULL);
		return;
	}
	sigemptyset(&set);
	for (i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sigaddset(&set, stop_sigs[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

/* The staged file not taken: removed, and forgotten by on_stop. */
static void
unstage(const char *tmp)
{
	sigset_t	mask;

	stop_block(1, &mask);
	unlink(tmp);
	staged_set = 0;
	stop_block(0, &mask);
}

/* The file's bytes after its first line when that is our mark. */
static const char *
body(const char *p, size_t len, size_t *blen)
{
	const char	*nl;

	if (len >= strlen(MARK) && memcmp(p, MARK, strlen(MARK)) == 0 &&
	    (nl = memchr(p, '\n', len)) != NULL) {
		*blen = len - (size_t)(nl + 1 - p);
		return nl + 1;
	}
	*blen = len;
	return p;
}

/*
 * Does the text hold an entry: a line with something other than blanks
 * before any '#' (the list format's comment), or, for a rule pack, any
 * byte but a blank? (A converted answer's entries are counted by the
 * conversion; this reads the file in place, and packs.)
 */
static int
has_entry(const char *p, size_t len, int pack)
{
	size_t	i;
	int	comment = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '\n')
			comment = 0;
		else if (p[i] == '#' && !pack)
			comment = 1;
		else if (!comment && strchr(" \t\r\f\v", p[i]) == NULL)
			return 1;
	}
	return 0;
}

/* The check's child could not show it the staged file in place. */
#define CHECK_NO_OVERLAY	121
/* Or the staged file or the target was not what it was (see below). */
#define CHECK_REPLACED		122

/*
 * Run canhgacd -T on the configuration: 0 if it loads, else -1 with
 * the last line it printed (the error) in why. With staged, the check
 * sees staged at target through a bind mount in a mount namespace of
 * its own (root only): the file is checked before it is in place, so
 * a daemon that starts meanwhile never reads one that fails. 1 when
 * that cannot be done (not root, no target yet): check after the swap.
 * list, the file fetched, is checked strictly (canhgacd --strict-list):
 * an entry that would match every flow fails it.
 */
static int
check_config(const struct update_opts *o, const char *staged,
    const char *target, const char *list, char *why, size_t whylen)
{
	int	 pfd[2], status, sfd = -1, tfd = -1;
	pid_t	 pid;
	struct stat	 st;
	char	*out = xmalloc(CHECK_OUT_MAX + 1), *p, *nl;
	char	 sp[64], tp[64];
	size_t	 len = 0;
	ssize_t	 n;
	char	 drop[4096];
	sigset_t mask;
	size_t	 i;

	if (pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "cannot run %s: %s", o->canhgacd,
		    strerror(errno));
		free(out);
		return -1;
	}
	/* Known to on_stop from the fork on. */
	stop_block(1, &mask);
	if ((pid = fork()) < 0) {
		stop_block(0, &mask);
		snprintf(why, whylen, "cannot run %s: %s", o->canhgacd,
		    strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		free(out);
		return -1;
	}
	if (pid == 0) {
		for (i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
			signal(stop_sigs[i], SIG_DFL);
		stop_block(0, &mask);
		dup2(pfd[1], STDOUT_FILENO);
		dup2(pfd[1], STDERR_FILENO);
		if (staged != NULL && (geteuid() != 0 ||
		    unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0))
			_exit(CHECK_NO_OVERLAY);
		/*
		 * Both are in a directory the service user may write: a
		 * mount by name follows a link it swapped in, and root's
		 * check read a root-only file mounted over the list and
		 * printed its first line. Mounted by descriptor (opened in
		 * this namespace), each opened without following a link, a
		 * regular file.
		 */
		if (staged != NULL && ((sfd = open(staged, O_RDONLY |
		    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0 ||
		    fstat(sfd, &st) != 0 || !S_ISREG(st.st_mode) ||
		    st.st_nlink != 1 || (tfd = open(target, O_PATH |
		    O_NOFOLLOW | O_CLOEXEC)) < 0 || fstat(tfd, &st) != 0 ||
		    !S_ISREG(st.st_mode)))
			_exit(CHECK_REPLACED);
		if (staged != NULL && (snprintf(sp, sizeof(sp),
		    "/proc/self/fd/%d", sfd) < 0 || snprintf(tp, sizeof(tp),
		    "/proc/self/fd/%d", tfd) < 0 ||
		    mount(sp, tp, NULL, MS_BIND, NULL) != 0))
			_exit(CHECK_NO_OVERLAY);
		/* The list fetched: an entry that would match every flow
		 * (0.0.0.0/0, a public suffix) refuses it. */
		execl(o->canhgacd, "canhgacd", "-T", "-c", o->config,
		    "--strict-list", list, (char *)NULL);
		fprintf(stderr, "cannot run %s: %s\n", o->canhgacd,
		    strerror(errno));
		_exit(127);
	}
	check_pid = pid;
	stop_block(0, &mask);
	close(pfd[1]);
	while ((n = read(pfd[0], len < CHECK_OUT_MAX ? out + len : drop,
	    len < CHECK_OUT_MAX ? CHECK_OUT_MAX - len : sizeof(drop))) > 0 ||
	    (n < 0 && errno == EINTR))
		if (n > 0 && len < CHECK_OUT_MAX)
			len += (size_t)n;
	close(pfd[0]);
	out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	check_pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		free(out);
		return 0;
	}
	if (staged != NULL && WIFEXITED(status) &&
	    WEXITSTATUS(status) == CHECK_NO_OVERLAY) {
		free(out);
		return 1;
	}
	if (staged != NULL && WIFEXITED(status) &&
	    WEXITSTATUS(status) == CHECK_REPLACED) {
		snprintf(why, whylen, "%s or %s was replaced meanwhile (a link, "
		    "not a regular file or a hard link); not checked", staged,
		    target);
		free(out);
		return -1;
	}
	/* The last line that says something. */
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' '))
		out[--len] = '\0';
	p = out;
	while ((nl = strchr(p, '\n')) != NULL && nl[1] != '\0')
		p = nl + 1;
	snprintf(why, whylen, "%.400s", *p ? p : "canhgacd -T failed");
	free(out);
	return -1;
}

/* Put the previous version back (or remove a file that was new). */
static int
restore(struct job *j)
{
	if (j->had_prev)
		return rename(j->prev, j->s->path);
	return unlink(j->s->path);
}

/* The new version took: the one it replaced becomes FILE.prev. */
static void
keep_prev(struct job *j)
{
	char	prev[PATH_MAX];

	if (!j->had_prev)
		return;
	snprintf(prev, sizeof(prev), "%s.prev", j->s->path);
	if (rename(j->prev, prev) != 0)
		fprintf(stderr, "canhgacctl: update: %s: %s\n", prev,
		    strerror(errno));
}

/* A rule pack's directory (rules/updates/), made on first use. */
static int
make_parent(const char *path, char *why, size_t whylen)
{
	char	dir[PATH_MAX], *sl;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((sl = strrchr(dir, '/')) == NULL || sl == dir)
		return 0;
	*sl = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		snprintf(why, whylen, "%.600s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Fetch, check and convert one source, then stage it beside the target:
 * the staged file's name in tmp; 1 if unchanged, -1 failed (why).
 */
static int
prepare(struct job *j, char *tmp, size_t tmplen)
{
	struct update_source	*s = j->s;
	struct upd_buf		 raw = { 0 }, conv = { 0 }, cur = { 0 };
	struct stat		 st;
	char			 comment[PATH_MAX + 128], stamp[32];
	const char		*nb, *ob;
	size_t			 nl, ol;
	time_t			 now = time(NULL);
	struct upd_deadline	 dl;
	sigset_t		 mask;
	int			 rc = -1, r;

	update_deadline_start(&dl, s->timeout);
	if (update_fetch(s->url, s->ca, s->max_size, &dl, &raw, j->why,
	    sizeof(j->why)) != 0 || update_verify(s, &raw, &dl, j->why,
	    sizeof(j->why)) != 0)
		goto out;
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(comment, sizeof(comment), "%s%s (%s) %s", MARK + 2, s->name,
	    s->url, stamp);
	if (update_convert(raw.p, raw.len, s->format, s->column, s->header,
	    comment, &conv, &j->count, j->why, sizeof(j->why)) != 0)
		goto out;
	memset(&st, 0, sizeof(st));
	st.st_mode = 0644;
	st.st_uid = geteuid();
	st.st_gid = getegid();
	if (lstat(s->path, &st) == 0) {
		/* The rename would replace the link, not what it points to. */
		if (!S_ISREG(st.st_mode)) {
			snprintf(j->why, sizeof(j->why), "%s: not a regular "
			    "file (a symbolic link? name the real file)",
			    s->path);
			goto out;
		}
		j->had_prev = 1;
		if (update_fetch(s->path, NULL, UPD_MAX_SIZE_MAX, &dl, &cur,
		    j->why, sizeof(j->why)) != 0)
			goto out;
		/* A rule pack of the package's or of a person's stays. */
		if (s->format == UPD_RULES && (cur.len < strlen(MARK) ||
		    memcmp(cur.p, MARK, strlen(MARK)) != 0)) {
			snprintf(j->why, sizeof(j->why), "%s was not written "
			    "by canhgacctl update; refusing to replace it "
			    "(choose another target)", s->path);
			goto out;
		}
		nb = body(conv.p, conv.len, &nl);
		ob = body(cur.p, cur.len, &ol);
		if (nl == ol && memcmp(nb, ob, nl) == 0) {
			rc = 1;
			goto out;
		}
		/*
		 * A feed that answers with nothing (an empty 200, a page of
		 * comments) is far more often broken than emptied: it would
		 * leave the indicator rules blind and make {not: $list}
		 * match every flow. The list in place is kept.
		 */
		if ((s->format == UPD_RULES ? !has_entry(nb, nl, 1) :
		    j->count == 0) && has_entry(ob, ol, s->format ==
		    UPD_RULES)) {
			snprintf(j->why, sizeof(j->why), "the answer (%zu "
			    "bytes) %s; refused, %s kept", raw.len,
			    s->format == UPD_RULES ? "is blank" :
			    "holds no entry", s->path);
			goto out;
		}
	} else if (errno != ENOENT) {
		snprintf(j->why, sizeof(j->why), "%s: %s", s->path,
		    strerror(errno));
		goto out;
	} else if (s->format == UPD_RULES && make_parent(s->path, j->why,
	    sizeof(j->why)) != 0)
		goto out;
	/* Made and made known to on_stop with no signal in between. */
	stop_block(1, &mask);
	if ((r = safe_stage(s->path, conv.p, conv.len, &st, tmp, tmplen,
	    j->why, sizeof(j->why))) == 0) {
		snprintf(staged_path, sizeof(staged_path), "%s", tmp);
		staged_set = 1;
	}
	stop_block(0, &mask);
	if (r != 0)
		goto out;
	rc = 0;
out:
	upd_buf_free(&raw);
	upd_buf_free(&conv);
	upd_buf_free(&cur);
	return rc;
}

/*
 * Check the staged file as if in place, keep the target as .prev, put
 * the staged file in place (checked then, if it could not be before).
 */
static void
swap_in(const struct update_opts *o, struct job *j, const char *tmp)
{
	const char	*path = j->s->path;
	char		 why[512];
	sigset_t	 mask;
	int		 checked, r;

	checked = j->had_prev ? check_config(o, tmp, path, path, why,
	    sizeof(why)) : 1;
	if (checked < 0) {
		snprintf(j->why, sizeof(j->why), "does not load, kept the "
		    "previous version: %s", why);
		goto fail;
	}

	/* FILE.prev becomes this version only once the new one took. */
	snprintf(j->prev, sizeof(j->prev), "%s.prev-new", path);
	if (j->had_prev && ((unlink(j->prev) != 0 && errno != ENOENT) ||
	    link(path, j->prev) != 0)) {
		snprintf(j->why, sizeof(j->why), "cannot keep %s: %s", j->prev,
		    strerror(errno));
		goto fail;
	}
	stop_block(1, &mask);
	if ((r = rename(tmp, path)) == 0) {
		staged_set = 0;
		if (checked > 0) {
			snprintf(undo_path, sizeof(undo_path), "%s", path);
			snprintf(undo_prev, sizeof(undo_prev), "%s", j->prev);
			undo = j->had_prev ? UNDO_RENAME : UNDO_REMOVE;
		}
	}
	stop_block(0, &mask);
	if (r != 0) {
		snprintf(j->why, sizeof(j->why), "%s: %s", path,
		    strerror(errno));
		if (j->had_prev)
			unlink(j->prev);
		goto fail;
	}
	if (checked > 0 && check_config(o, NULL, NULL, path, why,
	    sizeof(why)) != 0) {
		snprintf(j->why, sizeof(j->why), "does not load, kept the "
		    "previous version: %s", why);
		stop_block(1, &mask);
		undo = UNDO_NONE;
		if (restore(j) != 0)
			snprintf(j->why, sizeof(j->why), "does not load, and "
			    "%s cannot be restored from %s: %s", path, j->prev,
			    strerror(errno));
		stop_block(0, &mask);
		j->st = ST_FAILED;
		return;
	}
	undo = UNDO_NONE;
	j->st = ST_SWAPPED;
	return;
fail:
	unstage(tmp);
	j->st = ST_FAILED;
}

/* Is name among the sources asked for (all without a list)? */
static int
wanted(const struct update_opts *o, const char *name)
{
	char *const	*p;

	if (o->only == NULL || o->only[0] == NULL)
		return 1;
	for (p = o->only; *p != NULL; p++)
		if (strcmp(*p, name) == 0)
			return 1;
	return 0;
}

int
update_run(const struct update_opts *o)
{
	struct yaml_doc		*yd;
	struct update_conf	 uc;
	struct job		*jobs;
	char			 err[1024], dir[PATH_MAX], tmp[PATH_MAX];
	const char		*sock;
	size_t			 i, nswapped = 0;
	char *const		*p;
	struct sigaction	 sa, oldsa[sizeof(stop_sigs) /
				    sizeof(stop_sigs[0])];
	int			 caught[sizeof(stop_sigs) /
				    sizeof(stop_sigs[0])];
	int			 lockfd, rc = 0, r;

	if ((yd = yamldoc_load(o->config, err, sizeof(err))) == NULL) {
		fprintf(stderr, "canhgacctl: update: %s\n", err);
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s", o->config);
	if (strrchr(dir, '/') != NULL)
		strrchr(dir, '/')[1] = '\0';
	else
		dir[0] = '\0';
	if (update_conf_load(yd, dir, &uc, err, sizeof(err)) != 0) {
		fprintf(stderr, "canhgacctl: update: %s\n", err);
		yamldoc_free(yd);
		return 2;
	}
	yamldoc_free(yd);
	for (p = o->only; p != NULL && *p != NULL; p++) {
		for (i = 0; i < uc.nsrc && strcmp(uc.src[i].name, *p); i++)
			;
		if (i == uc.nsrc) {
			fprintf(stderr, "canhgacctl: update: no source named "
			    "\"%s\" in %s\n", *p, o->config);
			update_conf_free(&uc);
			return 2;
		}
	}
	if (uc.nsrc == 0) {
		fprintf(stderr, "canhgacctl: update: %s has no updates: "
		    "section\n", o->config);
		update_conf_free(&uc);
		return 2;
	}
	/* One update at a time: the configuration file is the lock, opened
	 * as its load did (a FIFO swapped in since would hang the open). */
	if ((lockfd = safe_open_read(o->config, err, sizeof(err))) < 0) {
		fprintf(stderr, "canhgacctl: update: %s\n", err);
		update_conf_free(&uc);
		return 1;
	}
	if (flock(lockfd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "canhgacctl: update: %s: %s\n", o->config,
		    errno == EWOULDBLOCK ? "another update is running" :
		    strerror(errno));
		close(lockfd);
		update_conf_free(&uc);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		sigaddset(&sa.sa_mask, stop_sigs[i]);
	/* One ignored (nohup, a background job's SIGINT) stays ignored. */
	for (i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		caught[i] = sigaction(stop_sigs[i], NULL, &oldsa[i]) == 0 &&
		    oldsa[i].sa_handler != SIG_IGN &&
		    sigaction(stop_sigs[i], &sa, NULL) == 0;
	jobs = xcalloc(uc.nsrc, sizeof(*jobs));
	for (i = 0; i < uc.nsrc; i++) {
		struct job *j = &jobs[i];

		j->s = &uc.src[i];
		if (!wanted(o, j->s->name)) {
			j->st = ST_SKIPPED;
			continue;
		}
		r = prepare(j, tmp, sizeof(tmp));
		if (r < 0)
			j->st = ST_FAILED;
		else if (r > 0)
			j->st = ST_UNCHANGED;
		else
			swap_in(o, j, tmp);
		nswapped += j->st == ST_SWAPPED;
	}
	sock = o->socket ? o->socket : uc.socket ? uc.socket :
	    NULL;
	if (nswapped > 0 && o->reload != NULL) {
		r = o->reload(sock, err, sizeof(err));
		if (r == UPD_RELOAD_NODAEMON)
			printf("canhgacd is not running (%s): the new files "
			    "load when it starts\n", err);
		else if (r != UPD_RELOAD_OK) {
			char err2[1024];

			for (i = 0; i < uc.nsrc; i++) {
				struct job *j = &jobs[i];

				if (j->st != ST_SWAPPED)
					continue;
				j->st = ST_FAILED;
				snprintf(j->why, sizeof(j->why), "the reload "
				    "failed (%.400s); previous version "
				    "restored", err);
				if (restore(j) != 0)
					snprintf(j->why, sizeof(j->why), "the "
					    "reload failed (%.300s), and "
					    "%.200s cannot be restored from "
					    "%.200s: %s", err, j->s->path,
					    j->prev, strerror(errno));
			}
			if (o->reload(sock, err2, sizeof(err2)) !=
			    UPD_RELOAD_OK) {
				upd_printable(err2);
				fprintf(stderr, "canhgacctl: update: the "
				    "reload after restoring failed too: %s\n",
				    err2);
			}
		}
	}
	for (i = 0; i < uc.nsrc; i++) {
		struct job *j = &jobs[i];

		if (j->st == ST_SWAPPED)
			keep_prev(j);
		switch (j->st) {
		case ST_SKIPPED:
			break;
		case ST_UNCHANGED:
			printf("%s: unchanged (%s)\n", j->s->name, j->s->path);
			break;
		case ST_SWAPPED:
			if (j->s->format == UPD_RULES)
				printf("%s: updated rule pack %s\n",
				    j->s->name, j->s->path);
			else
				printf("%s: updated %zu entr%s (%s)\n",
				    j->s->name, j->count, j->count == 1 ?
				    "y" : "ies", j->s->path);
			break;
		case ST_FAILED:
			/*
			 * The why may quote the feed's own entries, and a rule
			 * pack's come as they were served: the check's error
			 * quoted a key holding "\e]0;...\a" (YAML writes
			 * escapes so) to the operator's terminal.
			 */
			upd_printable(j->why);
			printf("%s: failed: %s\n", j->s->name,
			    cccd_mask_str(j->why));
			rc = 1;
			break;
		}
	}
	for (i = 0; i < sizeof(stop_sigs) / sizeof(stop_sigs[0]); i++)
		if (caught[i])
			sigaction(stop_sigs[i], &oldsa[i], NULL);
	free(jobs);
	close(lockfd);
	update_conf_free(&uc);
	return rc;
}
