/*
 * Opening the daemon's files where the service user can write.
 *
 * The log and spool directories belong to the service user, and root
 * opens files in them before dropping privileges. Opened by name, a
 * link planted there would make root append to, truncate or chown
 * any file. So the directory is opened first (its last component not
 * followed if it is a link), the file with openat and O_NOFOLLOW, and
 * what was opened is checked: a regular file with one link (no hard
 * link to a file elsewhere), owned by root, the service user or us.
 * Ownership changes go through fchown on that descriptor.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "safefile.h"

static int	have_owner;
static uid_t	owner_uid;
static gid_t	owner_gid;

void
safefile_set_owner(uid_t uid, gid_t gid)
{
	have_owner = 1;
	owner_uid = uid;
	owner_gid = gid;
}

void
safefile_clear_owner(void)
{
	have_owner = 0;
}

/*
 * Give what fd refers to the service user, if we are root (fd may be an
 * O_PATH descriptor: fchownat with AT_EMPTY_PATH takes both).
 */
static int
give(int fd, const struct stat *st)
{
	if (!have_owner || geteuid() != 0 ||
	    (st->st_uid == owner_uid && st->st_gid == owner_gid))
		return 0;
	return fchownat(fd, "", owner_uid, owner_gid, AT_EMPTY_PATH);
}

int
safe_give(int fd)
{
	struct stat	st;

	if (fstat(fd, &st) != 0)
		return -1;
	return give(fd, &st);
}

/*
 * Only root can have put a link in a directory of root's that group and
 * others cannot write, and in a sticky directory only its owner can
 * replace a link: such links are followed; any other link is refused.
 */
static int
link_trusted(int parent, const char *name)
{
	struct stat	pst, lst;

	if (fstat(parent, &pst) != 0 ||
	    fstatat(parent, name, &lst, AT_SYMLINK_NOFOLLOW) != 0)
		return 0;
	if (pst.st_uid == 0 && (pst.st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return 1;
	return (pst.st_mode & S_ISVTX) && lst.st_uid == 0;
}

/* Links followed in a row, as the kernel's limit (ELOOP past it). */
#define SAFE_LINKS_MAX	40

static int	walk(const char *, int, int, char *, size_t);
static int	open_read(const char *, int, char *, size_t);

/*
 * Where root's link name in parent (whose path is the first dlen bytes
 * of dpath) points, as a path to walk in turn: the kernel would follow
 * any link on the way to it, the service user's too.
 */
static int
link_path(int parent, const char *name, const char *dpath, size_t dlen,
    int depth, char *out, size_t outlen, char *err, size_t errlen)
{
	char	t[4096];
	ssize_t	n;
	int	rc;

	if (depth >= SAFE_LINKS_MAX) {
		snprintf(err, errlen, "%.*s/%s: %s", (int)dlen, dpath, name,
		    strerror(ELOOP));
		errno = ELOOP;
		return -1;
	}
	if ((n = readlinkat(parent, name, t, sizeof(t) - 1)) < 0 ||
	    (size_t)n == sizeof(t) - 1) {
		snprintf(err, errlen, "%.*s/%s: %s", (int)dlen, dpath, name,
		    n < 0 ? strerror(errno) : "link too long");
		return -1;
	}
	t[n] = '\0';
	rc = t[0] == '/' || dlen == 0 ? snprintf(out, outlen, "%s", t) :
	    snprintf(out, outlen, "%.*s/%s", (int)dlen, dpath, t);
	if (rc < 0 || (size_t)rc >= outlen) {
		snprintf(err, errlen, "%.*s/%s: link target too long",
		    (int)dlen, dpath, name);
		return -1;
	}
	return 0;
}

/*
 * One component of a directory path, opened in parent (the first plen
 * bytes of prefix), created if missing and asked (*made says so).
 * prefix names it in messages.
 */
static int
step(int parent, const char *name, const char *prefix, size_t plen, int how,
    int depth, int *made, char *err, size_t errlen)
{
	char		target[4096];
	struct stat	st;
	int		fd, e;

	*made = 0;
	fd = openat(parent, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0 && errno == ENOENT && (how & SAFE_MKDIR)) {
		if (mkdirat(parent, name, 0750) == 0)
			*made = 1;
		if (*made || errno == EEXIST)
			fd = openat(parent, name, O_PATH | O_DIRECTORY |
			    O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd >= 0)
		return fd;
	e = errno;
	/* O_DIRECTORY may say ENOTDIR rather than ELOOP for a link. */
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		/* Root's link: where it points is walked the same way. */
		if (link_trusted(parent, name))
			return link_path(parent, name, prefix, plen, depth,
			    target, sizeof(target), err, errlen) != 0 ? -1 :
			    walk(target, 0, depth + 1, err, errlen);
		snprintf(err, errlen, "%s: is a symbolic link in a directory "
		    "another user can write; refusing to follow it (give the "
		    "real directory)", prefix);
		return -1;
	}
	snprintf(err, errlen, "%s: cannot open directory: %s", prefix,
	    strerror(e));
	return -1;
}

/*
 * Walk the path one component at a time from / (or the working
 * directory), so that no link another user planted anywhere on it is
 * followed; directories created on the way are given with SAFE_GIVE.
 */
int
safe_dir(const char *dir, int how, char *err, size_t errlen)
{
	return walk(dir, how, 0, err, errlen);
}

/* safe_dir, depth links deep in root's links. */
static int
walk(const char *dir, int how, int depth, char *err, size_t errlen)
{
	char		 path[4096], *comp, *next;
	struct stat	 st;
	uid_t		 parent_uid = 0;
	int		 cur, fd, made, steps = 0;

	if (strlen(dir) >= sizeof(path)) {
		snprintf(err, errlen, "%.64s...: path too long", dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s", dir);
	/*
	 * O_PATH on the way: only search permission is needed, as for a
	 * path (the service user reopens logs under a 0711 directory).
	 */
	if ((cur = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (comp = path; comp != NULL; comp = next) {
		while (*comp == '/')
			comp++;
		if (*comp == '\0')
			break;
		if ((next = strchr(comp, '/')) != NULL)
			*next = '\0';
		if (strcmp(comp, ".") != 0) {
			/* path ends at this component: the prefix so far. */
			fd = step(cur, comp, path, (size_t)(comp - path),
			    how, depth, &made, err, errlen);
			if (fd < 0) {
				close(cur);
				return -1;
			}
			if (fstat(cur, &st) == 0)
				parent_uid = st.st_uid;
			steps++;
			/* A failure shows when a file is opened in it. */
			if (made && (how & SAFE_GIVE) && fstat(fd, &st) == 0)
				(void)give(fd, &st);
			close(cur);
			cur = fd;
		}
		if (next != NULL)
			*next++ = '/';
	}
	/*
	 * An existing directory of root's (left by an older version) is
	 * given only where the service user owns its parent: a spool under
	 * /var/lib/canhgac/spool, never a system directory named by mistake.
	 */
	if ((how & SAFE_GIVE_DIR) && have_owner && steps > 0 &&
	    parent_uid == owner_uid && fstat(cur, &st) == 0 && st.st_uid == 0 &&
	    give(cur, &st) != 0) {
		snprintf(err, errlen, "%s: cannot give the directory to the "
		    "service user: %s", dir, strerror(errno));
		close(cur);
		return -1;
	}
	/* Readable if it can be (the spool lists its directory). */
	if ((fd = openat(cur, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		close(cur);
		cur = fd;
	}
	return cur;
}

int
safe_openat(int dfd, const char *dir, const char *name, int flags,
    mode_t mode, int how, char *err, size_t errlen)
{
	struct stat	 st;
	const char	*sep = strcmp(dir, "/") == 0 ? "" : "/";
	int		 fd, fl, e;

	/* Not blocking on a FIFO or a device before we know what it is. */
	fd = openat(dfd, name, (flags & ~O_TRUNC) | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK | O_CLOEXEC, mode);
	if (fd < 0) {
		e = errno;
		if (e == ELOOP)
			snprintf(err, errlen, "%s%s%s: is a symbolic link; "
			    "refusing to follow it", dir, sep, name);
		else if (e != ENOENT && fstatat(dfd, name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
			snprintf(err, errlen, "%s%s%s: not a regular file; "
			    "refusing it", dir, sep, name);
		else
			snprintf(err, errlen, "%s%s%s: %s", dir, sep, name,
			    strerror(e));
		errno = e;
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s%s%s: %s", dir, sep, name,
		    strerror(errno));
		goto fail;
	}
	/* Only root makes device nodes; a hard link to one is refused. */
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) {
		snprintf(err, errlen, "%s%s%s: not a regular file; refusing "
		    "it", dir, sep, name);
		errno = EINVAL;
		goto fail;
	}
	if (st.st_nlink > 1) {
		snprintf(err, errlen, "%s%s%s: has %lu hard links; refusing "
		    "it (remove the extra links)", dir, sep, name,
		    (unsigned long)st.st_nlink);
		errno = EMLINK;
		goto fail;
	}
	if (S_ISREG(st.st_mode) && st.st_uid != 0 && st.st_uid != geteuid() &&
	    !(have_owner && st.st_uid == owner_uid)) {
		snprintf(err, errlen, "%s%s%s: owned by uid %lu, not by root "
		    "or the service user; refusing it", dir, sep, name,
		    (unsigned long)st.st_uid);
		errno = EPERM;
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ||
	    ((flags & O_TRUNC) && S_ISREG(st.st_mode) &&
	    ftruncate(fd, 0) != 0) ||
	    ((how & SAFE_GIVE) && S_ISREG(st.st_mode) &&
	    give(fd, &st) != 0)) {
		snprintf(err, errlen, "%s%s%s: %s", dir, sep, name,
		    strerror(errno));
		goto fail;
	}
	return fd;
fail:
	/* Callers tell a missing file (ENOENT) from a refusal by errno. */
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int
safe_open(const char *path, int flags, mode_t mode, int how, char *err,
    size_t errlen)
{
	char		*dir;
	const char	*slash = strrchr(path, '/'), *name;
	int		 dfd, fd;

	if (slash == NULL) {
		dir = strdup(".");
		name = path;
	} else {
		dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
		name = slash + 1;
	}
	if (dir == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (*name == '\0') {
		snprintf(err, errlen, "%s: names a directory, not a file",
		    path);
		free(dir);
		return -1;
	}
	if ((dfd = safe_dir(dir, how & (SAFE_MKDIR | SAFE_GIVE), err,
	    errlen)) < 0) {
		free(dir);
		return -1;
	}
	fd = safe_openat(dfd, slash == NULL ? "." : dir, name, flags, mode,
	    how, err, errlen);
	close(dfd);
	free(dir);
	return fd;
}

/*
 * Open a file to read that the administrator names (a list file): links
 * root can have made are followed as for safe_dir, on the way and at the
 * end; one another user could have planted is refused, as is a hard link
 * in a directory another user can write (a link to /etc/shadow made root
 * print its first line in an error). Not blocking on a FIFO; a regular
 * file only.
 */
int
safe_open_read(const char *path, char *err, size_t errlen)
{
	return open_read(path, 0, err, errlen);
}

/* safe_open_read, depth links deep in root's links. */
static int
open_read(const char *path, int depth, char *err, size_t errlen)
{
	char		*dir, target[4096];
	const char	*slash = strrchr(path, '/'), *name;
	struct stat	 st, dst;
	int		 dfd, fd = -1, fl, trusted;

	dir = slash == NULL ? strdup(".") : strndup(path, slash == path ? 1 :
	    (size_t)(slash - path));
	name = slash == NULL ? path : slash + 1;
	if (dir == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	dfd = walk(dir, 0, depth, err, errlen);
	if (dfd < 0) {
		free(dir);
		/* As for the file itself: its path names something missing. */
		if (errno == ENOENT)
			snprintf(err, errlen, "%s: cannot open: %s", path,
			    strerror(ENOENT));
		return -1;
	}
	/* Only root can have put anything in a directory like that. */
	trusted = fstat(dfd, &dst) == 0 && dst.st_uid == 0 &&
	    (dst.st_mode & (S_IWGRP | S_IWOTH)) == 0;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		if (!link_trusted(dfd, name))
			goto untrusted;
		/*
		 * Root's link (no one else can swap it): where it points is
		 * opened the same way. Followed by the kernel, a link the
		 * service user put on the way to it (root's link into the
		 * user's directory) made root read a root-only file.
		 */
		if (link_path(dfd, name, dir, strlen(dir), depth, target,
		    sizeof(target), err, errlen) == 0)
			fd = open_read(target, depth + 1, err, errlen);
		goto out;
	}
	/*
	 * Anything else is opened without following a link: one swapped in
	 * after the look above (the service user watching for root's open)
	 * made root read, and print in an error, a root-only file.
	 */
	if ((fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC | O_NOFOLLOW)) < 0) {
		if (errno == ELOOP)
			goto untrusted;
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (!trusted && st.st_nlink > 1) {
		snprintf(err, errlen, "%s: has %lu hard links in a directory "
		    "another user can write; refusing it", path,
		    (unsigned long)st.st_nlink);
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	goto out;
untrusted:
	snprintf(err, errlen, "%s: is a symbolic link in a directory another "
	    "user can write; refusing to follow it (give the real file)", path);
	goto out;
fail:
	close(fd);
	fd = -1;
out:
	free(dir);
	close(dfd);
	return fd;
}

/*
 * Write buf to a new temporary file beside path (the same file system,
 * so that a rename puts it in place at once), with mode, owner and
 * group of st. Its name goes to tmp. The list command and the updater
 * both stage their files here.
 */
int
safe_stage(const char *path, const void *buf, size_t len,
    const struct stat *st, char *tmp, size_t tmplen, char *err,
    size_t errlen)
{
	int	fd, kept;

	if ((size_t)snprintf(tmp, tmplen, "%s.XXXXXX", path) >= tmplen) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		snprintf(err, errlen, "%s: cannot create a temporary file: %s",
		    tmp, strerror(errno));
		return -1;
	}
	/*
	 * Mode and owner kept where we may; not root, the file stays ours,
	 * which is no error (the results only satisfy warn_unused_result).
	 */
	kept = fchmod(fd, st->st_mode & 07777) == 0;
	kept &= fchown(fd, st->st_uid, st->st_gid) == 0;
	(void)kept;
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	if (close(fd) != 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* Replace path with buf atomically: safe_stage, then rename. */
int
safe_replace(const char *path, const void *buf, size_t len,
    const struct stat *st, char *err, size_t errlen)
{
	char	tmp[PATH_MAX];

	if (safe_stage(path, buf, len, st, tmp, sizeof(tmp), err,
	    errlen) != 0)
		return -1;
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

char *
safe_read_capped(int fd, size_t max, size_t *len, int *over)
{
	size_t	 cap = 64 * 1024, n = 0;
	ssize_t	 r;
	char	*buf = malloc(cap + 1), *nb;
	int	 e;

	/* NULL with errno ENOMEM without memory: a rule file read at a
	 * reload, beside the running set, fails that reload alone. */
	*over = 0;
	if (buf == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				*over = 1;
				free(buf);
				return NULL;
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if ((nb = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		if ((r = read(fd, buf + n, cap - n)) < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			free(buf);
			errno = e;
			return NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		*over = 1;
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}
