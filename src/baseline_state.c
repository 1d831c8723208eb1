/*
 * The learned baselines across restarts: STATE_DIR/baselines is read
 * when the daemon starts and written every minute and at stop, under
 * STATE_DIR/baselines.lock, so that a second daemon on the same
 * directory neither reads half a file nor overwrites the first's
 * learning. A replay (-r) uses the state directory only when the
 * configuration names sensor.state_dir, so a test replay does not learn
 * into the live sensor's. Nothing here runs per packet.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "behaviour.h"
#include "conf.h"
#include "daemon.h"
#include "history.h"
#include "lifecycle.h"
#include "log.h"
#include "rules.h"
#include "safefile.h"
#include "sensor.h"
#include "util.h"
#include "xmalloc.h"
#include "yamldoc.h"

#define BASELINE_SAVE_SECS	60

struct baselines_state {
	char		*dir;
	int		 dfd, lockfd;
	struct event	*ev;
	/* The minute's save writes a copy in its own thread. */
	struct bl_snap	*snap;
	struct util_job	 job;
};

/* Whether the configuration itself names sensor.state_dir. */
static int
state_dir_named(const struct config *conf)
{
	struct yaml_node_s	*sensor;

	if (conf->doc == NULL)
		return 0;
	sensor = yamldoc_get(conf->doc, yamldoc_root(conf->doc), "sensor");
	return sensor != NULL && yamldoc_get(conf->doc, sensor,
	    "state_dir") != NULL;
}

/* Written only by a rule set with baselines: one without keeps the file. */
static void
baselines_save(struct sensor *s)
{
	char	err[512];

	if (s->baselines == NULL || !rules_has_baselines(s->rules))
		return;
	util_job_join(&s->baselines->job);
	if (rules_baselines_save(s->rules, s->baselines->dfd,
	    s->baselines->dir, err, sizeof(err)) != 0)
		log_warnx("%s", err);
}

static void *
baselines_thread(void *arg)
{
	struct baselines_state	*b = arg;
	char			 err[512];

	util_background_thread();
	if (bl_snap_write(b->snap, b->dfd, b->dir, RULES_BASELINES_FILE, err,
	    sizeof(err)) != 0)
		log_warnx("%s", err);
	bl_snap_free(b->snap);
	b->snap = NULL;
	util_job_done(&b->job);
	return NULL;
}

/*
 * Every minute: a copy of the table taken here, formatted and fsynced
 * by a thread at nice +10. A full table (32 MB, 23,045 keys) took the
 * loop, and so capture, 290 ms to write; its copy takes 6-21 ms.
 */
static void
on_baselines_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sensor		*s = arg;
	struct baselines_state	*b = s->baselines;

	(void)fd;
	(void)what;
	if (b == NULL || !rules_has_baselines(s->rules) ||
	    util_job_busy(&b->job))
		return;		/* none, or the last still writes */
	if ((b->snap = rules_baselines_snapshot(s->rules)) == NULL) {
		/* The set has baselines: no memory for the copy. */
		log_warnx("baselines: no memory to copy the table; saved at "
		    "the next minute");
		return;
	}
	if (util_job_start(&b->job, baselines_thread, b) != 0) {
		bl_snap_free(b->snap);
		b->snap = NULL;
		baselines_save(s);	/* no thread: on the loop */
	}
}

int
baselines_init(struct sensor *s, char *err, size_t errlen)
{
	struct baselines_state	*b;
	struct timeval		 tv = { BASELINE_SAVE_SECS, 0 };
	char			 why[512];
	long			 n;

	(void)err;
	(void)errlen;
	if (s->conf->state_dir == NULL ||
	    strcmp(s->conf->state_dir, "none") == 0 ||
	    (s->offline && !state_dir_named(s->conf)))
		return 0;
	b = xcalloc(1, sizeof(*b));
	b->dir = config_path(s->conf, s->conf->state_dir);
	b->lockfd = -1;
	if ((b->dfd = safe_dir(b->dir, 0, why, sizeof(why))) < 0 ||
	    (b->lockfd = safe_openat(b->dfd, b->dir, "baselines.lock",
	    O_RDWR | O_CREAT, 0640, SAFE_GIVE, why, sizeof(why))) < 0) {
		log_warnx("baselines: %s; learning is not kept across "
		    "restarts", why);
		goto none;
	}
	if (flock(b->lockfd, LOCK_EX | LOCK_NB) != 0) {
		log_warnx("baselines %s/baselines.lock: held by another "
		    "canhgacd; learning is not kept across restarts", b->dir);
		goto none;
	}
	if ((n = rules_baselines_load(s->rules, b->dfd, b->dir, why,
	    sizeof(why))) < 0)
		log_warnx("%s; the keys after it are learned afresh", why);
	else if (n > 0)
		log_info("baselines: %ld keys from %s/%s", n, b->dir,
		    RULES_BASELINES_FILE);
	s->baselines = b;
	if (!s->offline && ((b->ev = event_new(s->base, -1, EV_PERSIST,
	    on_baselines_tick, s)) == NULL || event_add(b->ev, &tv) != 0))
		log_warnx("baselines: cannot start the timer; saved at stop "
		    "only");
	return 0;
none:
	if (b->lockfd >= 0)
		close(b->lockfd);
	if (b->dfd >= 0)
		close(b->dfd);
	free(b->dir);
	free(b);
	return 0;
}

/* A reload that brings the first baseline rules reads what was kept. */
void
baselines_reloaded(struct sensor *s, int had)
{
	char	why[512];

	if (s->baselines == NULL || had || !rules_has_baselines(s->rules))
		return;
	if (rules_baselines_load(s->rules, s->baselines->dfd,
	    s->baselines->dir, why, sizeof(why)) < 0)
		log_warnx("%s; the keys after it are learned afresh", why);
}

void
baselines_shutdown(struct sensor *s)
{
	struct baselines_state	*b = s->baselines;

	if (b == NULL)
		return;
	util_job_join(&b->job);
	baselines_save(s);
	if (b->ev != NULL)
		event_free(b->ev);
	close(b->lockfd);
	close(b->dfd);
	free(b->dir);
	free(b);
	s->baselines = NULL;
}
