/*
 * safefile.c: opening the daemon's files in directories that another
 * user (the service user) can write, without following its links.
 */
#ifndef CANHGAC_SAFEFILE_H
#define CANHGAC_SAFEFILE_H

#include <sys/types.h>
#include <stddef.h>

/*
 * The service user: files and directories created or opened with
 * SAFE_GIVE while root are given to it (fchown), and files it owns are
 * accepted. Unset, only files of root or of the caller are accepted.
 */
void	safefile_set_owner(uid_t uid, gid_t gid);
void	safefile_clear_owner(void);
/* fd given to the service user, if we are root and one is set; -1 on error. */
int	safe_give(int fd);

#define SAFE_GIVE	0x1	/* give to the service user when root */
#define SAFE_MKDIR	0x2	/* create missing directories (0750) */
#define SAFE_GIVE_DIR	0x4	/* give a directory of root's too, if the
				   service user owns its parent */

/*
 * Open a directory one component at a time, following a symbolic link
 * only where no user but root can have put it (a directory of root's
 * that group and others cannot write, or root's link in a sticky one).
 * Returns the descriptor, or -1 with a message naming the path.
 */
int	safe_dir(const char *dir, int how, char *err, size_t errlen);
/*
 * openat(dfd, name) with O_NOFOLLOW, refusing anything but a regular
 * file with one link owned by root, the service user or the caller (or
 * a character device with one link, such as /dev/null or /dev/full,
 * never truncated nor given away).
 * O_TRUNC is applied after the checks. dir names the directory in
 * messages. On -1, errno is ENOENT only if name does not exist (a
 * refusal is EINVAL, EMLINK or EPERM, never a stale ENOENT).
 */
int	safe_openat(int dfd, const char *dir, const char *name, int flags,
	    mode_t mode, int how, char *err, size_t errlen);
/* safe_dir on the path's directory, then safe_openat in it. */
int	safe_open(const char *path, int flags, mode_t mode, int how,
	    char *err, size_t errlen);
int	safe_open_read(const char *path, char *err, size_t errlen);
/*
 * All of fd, read once, at most max bytes: a file the service user can
 * write may grow after any check of its size, and a FIFO has none. The
 * bytes (malloc'd, NUL after them) and their count in *len; NULL with
 * *over set past max, or with errno on a read error (ENOMEM: no memory).
 */
char	*safe_read_capped(int fd, size_t max, size_t *len, int *over);

/*
 * A temporary file beside path holding buf, with st's mode and owner
 * (its name in tmp), ready to be renamed over path; safe_replace does
 * both.
 */
struct stat;
int	safe_stage(const char *path, const void *buf, size_t len,
	    const struct stat *st, char *tmp, size_t tmplen, char *err,
	    size_t errlen);
int	safe_replace(const char *path, const void *buf, size_t len,
	    const struct stat *st, char *err, size_t errlen);

#endif
