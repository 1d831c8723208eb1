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

/* Give what fd refers to the service user, if we are root. */
static int
give(int fd, const struct stat *st)
{
	if (!have_owner || geteuid() != 0 ||
	    (st->st_uid == owner_uid && st->st_gid == owner_gid))
		return 0;
	return fchown(fd, owner_uid, owner_gid);
}

/* Create the missing directories of dir; those we create are given. */
static void
make_dirs(const char *dir, int how)
{
	char	buf[4096], *p;

	if (strlen(dir) >= sizeof(buf))
		return;
	snprintf(buf, sizeof(buf), "%s", dir);
	for (p = buf + 1;; p++) {
		int		 last, fd;
		struct stat	 st;

		p = strchr(p, '/');
		last = p == NULL;
		if (!last)
			*p = '\0';
		if (mkdir(buf, 0750) == 0 && (how & SAFE_GIVE) &&
		    (fd = open(buf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC)) >= 0) {
			/* A failure shows when the file is opened in it. */
			if (fstat(fd, &st) == 0)
				(void)give(fd, &st);
			close(fd);
		}
		if (last)
			break;
		*p = '/';
	}
}

int
safe_dir(const char *dir, int how, char *err, size_t errlen)
{
	struct stat	st;
	int		fd;

	if (how & SAFE_MKDIR)
		make_dirs(dir, how);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		/* O_DIRECTORY may say ENOTDIR first for a link. */
		if (errno == ELOOP || (lstat(dir, &st) == 0 &&
		    S_ISLNK(st.st_mode)))
			snprintf(err, errlen, "%s: is a symbolic link; "
			    "refusing to follow it (give the real directory)",
			    dir);
		else
			snprintf(err, errlen, "%s: cannot open directory: %s",
			    dir, strerror(errno));
		return -1;
	}
	if ((how & SAFE_GIVE_DIR) && fstat(fd, &st) == 0 && st.st_uid == 0 &&
	    give(fd, &st) != 0) {
		snprintf(err, errlen, "%s: cannot give the directory to the "
		    "service user: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
safe_openat(int dfd, const char *dir, const char *name, int flags,
    mode_t mode, int how, char *err, size_t errlen)
{
	struct stat	 st;
	const char	*sep = strcmp(dir, "/") == 0 ? "" : "/";
	int		 fd, fl;

	/* Not blocking on a FIFO or a device before we know what it is. */
	fd = openat(dfd, name, (flags & ~O_TRUNC) | O_NOFOLLOW | O_NOCTTY |
	    O_NONBLOCK | O_CLOEXEC, mode);
	if (fd < 0) {
		int e = errno;

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
	if (!S_ISREG(st.st_mode) && !(S_ISCHR(st.st_mode) && st.st_uid == 0 &&
	    !(flags & O_TRUNC) && !(how & SAFE_GIVE))) {
		snprintf(err, errlen, "%s%s%s: not a regular file; refusing "
		    "it", dir, sep, name);
		goto fail;
	}
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		snprintf(err, errlen, "%s%s%s: has %lu hard links; refusing "
		    "it (remove the extra links)", dir, sep, name,
		    (unsigned long)st.st_nlink);
		goto fail;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid() &&
	    !(have_owner && st.st_uid == owner_uid)) {
		snprintf(err, errlen, "%s%s%s: owned by uid %lu, not by root "
		    "or the service user; refusing it", dir, sep, name,
		    (unsigned long)st.st_uid);
		goto fail;
	}
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1 ||
	    ((flags & O_TRUNC) && ftruncate(fd, 0) != 0) ||
	    ((how & SAFE_GIVE) && give(fd, &st) != 0)) {
		snprintf(err, errlen, "%s%s%s: %s", dir, sep, name,
		    strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
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
