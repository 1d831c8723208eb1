/*
 * daemon.c: pidfile lock, daemonizing, dropping root.
 */
#ifndef CANHGAC_DAEMON_H
#define CANHGAC_DAEMON_H

#include <sys/types.h>
#include <stddef.h>

int	 daemon_pidfile(const char *path, char *err, size_t errlen);
void	 daemon_pidfile_update(int fd);
void	 daemon_pidfile_remove(int fd, const char *path);
int	 daemon_user(const char *user, uid_t *uid, gid_t *gid, char *err,
	    size_t errlen);
int	 daemon_drop(uid_t uid, gid_t gid, char *err, size_t errlen);
/* Per thread, so before any: no_new_privs, no inheritable capability. */
void	 daemon_restrict(void);
/* -D: fork; the parent exits 0 once the child calls daemon_detach_done
 * with the returned descriptor, or 1 if the child exits before. */
int	 daemon_detach(char *err, size_t errlen);
void	 daemon_detach_done(int fd);

#endif /* CANHGAC_DAEMON_H */
