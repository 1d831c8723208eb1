/*
 * Packet workers on threads.
 *
 * Live, the kernel splits each interface's packets among the loop's
 * handle and one per thread (capture_fanout: a PACKET_FANOUT group
 * steered by the address pair, as below); each thread reads its own. In a
 * replay the loop reads the file: for each packet it finds the IP
 * addresses (decode_addr_pair), hashes the pair in an order-free way
 * with a secret key (both directions of a flow, and all its fragments,
 * go to one worker; an attacker cannot aim every flow at one), keeps
 * its share and hands the rest to their workers' input rings: where the
 * frame lies in the file's chunk (pcapfile.c, which reads into a chunk
 * again only once every worker has released its frames there; copying
 * them was a tenth of the loop's time with two workers), or a copy
 * when libpcap reads the file (pcapng, a pipe). A worker runs the
 * whole packet path on its own flows, reassembly, parsers and matcher
 * state; what it shares is the rule set (read-only; the counters kept
 * across flows in its own table when they are keyed by the address
 * pair, the rest under the set's own lock), the host inventory
 * (locked) and the capture's interface table (read-only). Its alerts
 * and event records go back to the loop thread in its output ring.
 *
 * Full rings: a replay waits for room (nothing may be lost and both
 * sides are known to be moving); live, a full output ring counts the
 * record lost instead (a full socket is the kernel's drop), and the
 * sensor's health events report it.
 *
 * A reload holds the workers between two packets while the loop swaps
 * the rule set and configuration: each worker checks one flag per
 * packet; there is no lock on the packet path.
 */
#include "config.h"

#include <sys/eventfd.h>
#include <sys/time.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/rand.h>

#include "alert.h"
#include "capture.h"
#include "conf.h"
#include "decode.h"
#include "eventlog.h"
#include "flow.h"
#include "hosts.h"
#include "lifecycle.h"
#include "log.h"
#include "ring.h"
#include "rules.h"
#include "sensor.h"
#include "workers.h"
#include "xmalloc.h"

#define WORKERS_AUTO_MAX 16	/* sensor.workers: 0 takes at most this */
#define RING_IN		(8u << 20)	/* frames waiting for a worker */
#define RING_OUT	(4u << 20)	/* its alerts and events */
#define DRAIN_BATCH	4096		/* records per worker per drain */
#define FLUSH_USEC	200000		/* events held at most, packet time */

/* A frame in a worker's input ring: after it (RK_PACKET), or at data
 * in the file's chunk (RK_PACKET_AT). */
struct ring_pkt {
	uint64_t	 ts;
	uint32_t	 caplen, wirelen;
	int32_t		 iface;
	uint32_t	 unused;
	const uint8_t	*data;
};

struct worker_thr {
	struct worker		 w;
	struct workers		*ws;
	struct ring		*in, *out;
	pthread_t		 tid;
	int			 started;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	atomic_int		 sleeping;	/* waiting on cv for packets */
	atomic_int		 stop;		/* no more packets will come */
	atomic_int		 done;		/* flows ended, thread over */
	atomic_int		 pause;		/* asked to hold */
	atomic_int		 paused;	/* holding */
	enum flow_end_reason	 why;
	uint64_t		 end_ts;	/* the capture's last packet time */
	uint64_t		 flushed;	/* packet time of the last flush */
	atomic_uint_fast64_t	 lost;		/* frames: input ring full */
	atomic_uint_fast64_t	 at;		/* time of the frame in hand */
	atomic_int		 idle;		/* live: polling empty handles */
	struct rules_state	*next_state;	/* a reload's, until swapped */
	struct eventlog		*next_events;	/* the same for its records */
	size_t			 pending;	/* the loop's: queued unwoken */
	int			 wakefd;	/* live: an eventfd polled too */
	unsigned		 reader;	/* live: its fanout handles */
	/* By chunk of the file read in place: the ring's bytes after the
	 * last frame of it handed over (ring_produced). */
	size_t			 held[PCAPFILE_CHUNKS];
};

struct workers {
	struct sensor		*s;
	size_t			 n;		/* threads */
	size_t			 total;		/* and the loop's worker */
	struct worker_thr	**t;
	uint64_t		 key[2];
	int			 block;		/* a replay: full rings wait */
	int			 fanout;	/* live: the kernel splits flows */
	struct event		*ev_drain;	/* live: the queues, often */
};

unsigned
workers_wanted(int configured)
{
	cpu_set_t	set;
	int		n;

	if (configured > 0)
		return (unsigned)(configured > WORKERS_MAX ? WORKERS_MAX :
		    configured);
	/* The CPUs this process may run on (a unit's CPUAffinity=). */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return (unsigned)(n > WORKERS_AUTO_MAX ? WORKERS_AUTO_MAX : n);
}

size_t
workers_count(const struct workers *ws)
{
	return ws != NULL ? ws->n : 0;
}

struct worker *
workers_get(struct workers *ws, size_t i)
{
	return &ws->t[i]->w;
}

uint64_t
workers_lost(const struct workers *ws, size_t i)
{
	return atomic_load_explicit(&ws->t[i]->lost, memory_order_relaxed);
}

/* Wake a worker sleeping for packets (or to see a flag). */
static void
wt_wake(struct worker_thr *t)
{
	/*
	 * A read-modify-write, not a plain load: ordered after the frame's
	 * publication against the worker's own exchange in wt_idle (one of
	 * the two sees the other: no wake-up is lost).
	 */
	if (atomic_fetch_or(&t->sleeping, 0)) {
		pthread_mutex_lock(&t->mu);
		pthread_cond_signal(&t->cv);
		pthread_mutex_unlock(&t->mu);
	}
}

/* A flag changed: wake the worker wherever it waits. */
static void
wt_signal(struct worker_thr *t)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&t->mu);
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (t->wakefd >= 0 && write(t->wakefd, &one, sizeof(one)) < 0 &&
	    errno != EAGAIN)
		log_warn("workers: wake-up");
}

/* What the worker holds goes to the loop thread now. */
static void
wt_flush(struct worker_thr *t)
{
	eventlog_flush(t->w.events);
	t->flushed = t->w.last_ts;
}

/* Quiet for a while: the flow clock moves on with wall time. */
static void
wt_quiet(struct worker_thr *t)
{
	struct worker	*w = &t->w;
	uint64_t	 now = sensor_wall_usec();

	if (now > w->last_ts + 1000000 && now > w->last_expire + 1000000) {
		flow_expire(w->flows, now);
		/* A reload's carried thresholds move on with no traffic too. */
		rules_state_tick(w->match_state);
		w->last_expire = now;
		sensor_regex_limits(w, now);
		wt_flush(t);
	}
}

/*
 * A replay's worker with nothing to read: flush, then sleep until a
 * packet or a flag comes (10 ms at most).
 */
static void
wt_idle(struct worker_thr *t)
{
	struct timespec	 until;
	int		 spin;

	wt_flush(t);
	/* The next batch is usually microseconds away: look again a few
	 * times before the cost of sleeping and being woken. */
	for (spin = 0; spin < 16; spin++) {
		if (!ring_empty(t->in) || atomic_load(&t->stop) ||
		    atomic_load(&t->pause))
			return;
		sched_yield();
	}
	pthread_mutex_lock(&t->mu);
	(void)atomic_exchange(&t->sleeping, 1);
	if (ring_empty(t->in) && !atomic_load(&t->stop) &&
	    !atomic_load(&t->pause)) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 10000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		(void)pthread_cond_timedwait(&t->cv, &t->mu, &until);
	}
	atomic_store(&t->sleeping, 0);
	pthread_mutex_unlock(&t->mu);
}

/* A reload asked every worker to hold between two packets. */
static void
wt_hold(struct worker_thr *t)
{
	wt_flush(t);
	pthread_mutex_lock(&t->mu);
	atomic_store(&t->paused, 1);
	pthread_cond_broadcast(&t->cv);
	while (atomic_load(&t->pause))
		pthread_cond_wait(&t->cv, &t->mu);
	atomic_store(&t->paused, 0);
	pthread_mutex_unlock(&t->mu);
}

/* Live: a fanout handle's packet; arg is the thread (its worker first). */
static void
wt_packet(const struct iface *ifc, uint64_t ts, const uint8_t *p,
    uint32_t caplen, uint32_t wirelen, void *arg)
{
	struct worker_thr	*t = arg;

	/* Its time while it works: the loop's horizon (workers_horizon). */
	atomic_store_explicit(&t->at, ts, memory_order_relaxed);
	sensor_worker_packet(&t->w, ifc, ts, p, caplen, wirelen);
}

/*
 * Live, with fanout: the worker reads its own handles (one per
 * interface) in turns of a batch, and polls them with its wake-up
 * descriptor when all are empty. A handle whose interface went down is
 * left alone for a second, then tried again.
 */
static void
wt_live(struct worker_thr *t)
{
	struct capture	*cap = t->w.s->cap;
	struct pollfd	 pfd[IFACE_MAX + 1];
	uint64_t	 retry[IFACE_MAX], junk;
	int		 i, n = capture_count(cap), got;

	memset(retry, 0, sizeof(retry));
	for (i = 0; i < n; i++) {
		pfd[i].fd = capture_reader_fd(cap, t->reader, i);
		pfd[i].events = POLLIN;
	}
	pfd[n].fd = t->wakefd;
	pfd[n].events = POLLIN;
	while (!atomic_load(&t->stop)) {
		uint64_t now = 0;

		if (atomic_load_explicit(&t->pause, memory_order_acquire))
			wt_hold(t);
		for (i = 0, got = 0; i < n; i++) {
			int r;

			if (pfd[i].fd < 0 || (retry[i] != 0 &&
			    (now = now ? now : sensor_wall_usec()) < retry[i]))
				continue;
			if ((r = capture_reader_read(cap, t->reader, i,
			    wt_packet, t)) < 0) {
				if (retry[i] == 0)
					log_warnx("%s: a worker's capture "
					    "failed; retrying each second",
					    capture_iface(cap, i)->name);
				retry[i] = sensor_wall_usec() + 1000000;
			} else {
				retry[i] = 0;
				got += r;
			}
		}
		if (got > 0) {
			if (t->w.last_ts > t->flushed + FLUSH_USEC)
				wt_flush(t);
			continue;
		}
		wt_flush(t);
		/* Its handles were empty: see workers_horizon. */
		atomic_store(&t->idle, 1);
		if (poll(pfd, (nfds_t)n + 1, 10) > 0 &&
		    (pfd[n].revents & POLLIN) &&
		    read(t->wakefd, &junk, sizeof(junk)) < 0)
			junk = 0;	/* nothing to drain: woken all the same */
		atomic_store(&t->idle, 0);
		wt_quiet(t);
	}
}

static void *
wt_main(void *arg)
{
	struct worker_thr	*t = arg;
	struct worker		*w = &t->w;
	struct sensor		*s = w->s;

	if (t->ws->fanout)
		wt_live(t);
	else for (;;) {
		const struct ring_pkt	*h;
		uint16_t		 kind;
		size_t			 len;

		if (atomic_load_explicit(&t->pause, memory_order_acquire))
			wt_hold(t);
		if ((h = ring_peek(t->in, &kind, &len)) == NULL) {
			if (atomic_load(&t->stop) && ring_empty(t->in))
				break;
			wt_idle(t);
			continue;
		}
		/* Before the frame leaves the ring (ring_release): the
		 * loop sees a ring with frames and this time together. */
		atomic_store_explicit(&t->at, h->ts, memory_order_release);
		if (kind == RK_PACKET_AT && len == sizeof(*h))
			sensor_worker_packet(w, capture_iface(s->cap,
			    h->iface), h->ts, h->data, h->caplen, h->wirelen);
		else if (kind == RK_PACKET && len >= sizeof(*h) &&
		    len - sizeof(*h) == h->caplen)
			sensor_worker_packet(w, capture_iface(s->cap,
			    h->iface), h->ts, (const uint8_t *)(h + 1),
			    h->caplen, h->wirelen);
		ring_release(t->in);
	}
	flow_expire(w->flows, t->end_ts);
	flow_expire_all(w->flows, t->why);
	wt_flush(t);
	atomic_store(&t->done, 1);
	return NULL;
}

/*
 * Live: the shared thresholds' horizon, as workers_kick sets it for a
 * replay. A reader that is working, or whose handles have packets
 * waiting (a backlog, or a thread not yet scheduled after its poll),
 * goes on counting events no older than the packet it read last; a
 * reader polling empty handles gets only packets that arrive later,
 * newer than any packet read so far. So no worker counts an event
 * before the least last time of the busy readers, and none may judge
 * state stale past it: a worker ahead of one working off a backlog would
 * otherwise drop a window or a suppression the other still counts in.
 * Set every 10 ms, which bounds what is left: packets that reach an idle
 * reader after this look and wait there while another reader's clock
 * runs on, at most until the next.
 */
static void
workers_horizon(struct workers *ws)
{
	uint64_t	h = UINT64_MAX, a;
	size_t		i;

	for (i = 0; i < ws->n; i++) {
		struct worker_thr *t = ws->t[i];

		a = atomic_load_explicit(&t->at, memory_order_relaxed);
		if (a == 0 || a >= h)
			continue;
		/* idle first: a thread that goes idle after has read all. */
		if (!atomic_load(&t->idle) ||
		    capture_pending(ws->s->cap, (int)t->reader))
			h = a;
	}
	a = ws->s->w.last_ts;
	if (a != 0 && a < h && capture_pending(ws->s->cap, -1))
		h = a;
	rules_horizon(ws->s->rules, h);
}

/* live: the workers' queues at least every 10 ms, and the horizon */
static void
on_drain(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	workers_drain(arg, 0);
	workers_horizon(arg);
}

/*
 * The loop thread: at most DRAIN_BATCH records a worker; how many.
 * busy: more packets are coming, so the alerts may wait for more.
 */
static size_t
drain(struct workers *ws, int busy)
{
	struct sensor	*s = ws->s;
	size_t		 i, k, taken = 0;

	for (i = 0; i < ws->n; i++) {
		struct worker_thr	*t = ws->t[i];
		const void		*p;
		uint16_t		 kind;
		size_t			 len;

		for (k = 0; k < DRAIN_BATCH &&
		    (p = ring_peek(t->out, &kind, &len)) != NULL; k++) {
			if (kind == RK_ALERT)
				alert_out_take(s->alerts, s->conf, p, len);
			else if (kind == RK_EVENTS)
				eventlog_take(s->events, p, len);
			ring_release(t->out);
		}
		taken += k;
		if (k == DRAIN_BATCH)
			busy = 1;
	}
	alert_out_batch_end(s->alerts, busy);
	return taken;
}

void
workers_drain(struct workers *ws, int busy)
{
	if (ws != NULL)
		(void)drain(ws, busy);
}

/*
 * Drain until every worker is done (pause: held, or done), napping
 * between looks: a worker waiting for room in its output ring gets it.
 */
static void
wt_wait_all(struct workers *ws, int pause)
{
	struct timespec	nap = { 0, 50000 };
	size_t		i, left;

	do {
		(void)drain(ws, 1);
		for (i = 0, left = 0; i < ws->n; i++)
			if (ws->t[i]->started &&
			    !atomic_load(&ws->t[i]->done) &&
			    !(pause && atomic_load(&ws->t[i]->paused)))
				left++;
		if (left > 0)
			nanosleep(&nap, NULL);
	} while (left > 0);
}

/*
 * The loop's worker also reads the capture and hands out every packet:
 * it gets LOOP_SHARE parts of LOOP_SHARE + THREAD_SHARE for each
 * thread (1 of 3 with two workers). Measured on the mixed capture, two
 * workers: by instructions (callgrind --separate-threads, 300k packets,
 * three or four runs each, since the secret key decides which side the
 * busiest address pairs fall on) the larger side averaged 414M at 1:2,
 * 406M at 3:5 and 390M at 3:4 (one worker: 643M); but the loop also
 * pays the kernel's copy of the file (reading in place, pcapfile.c, is
 * about 60 instructions a packet, the copy some 75 ns that callgrind
 * does not see), and by time 1:2 and 3:5 came out the same (packet
 * path of mixed-1M, medians 0.525 and 0.530 s of 15 interleaved runs).
 * Fixed at start: a flow's packets must always reach the worker that
 * holds its state.
 */
#define LOOP_SHARE	1
#define THREAD_SHARE	2

static size_t
share(const struct workers *ws, uint64_t h)
{
	uint64_t	parts = LOOP_SHARE + THREAD_SHARE * (ws->total - 1);
	uint64_t	b = ((h >> 32) * parts) >> 32;	/* h's top in [0, parts) */

	return b < LOOP_SHARE ? 0 : 1 + (size_t)(b - LOOP_SHARE) / THREAD_SHARE;
}

/*
 * The worker of a frame: 0 (the loop's) for one without IP addresses.
 * The pair is hashed in one order whichever way the packet goes, keyed
 * with the sensor's secret (multiply-xorshift: a tenth of SipHash's
 * cost, and an attacker who cannot see the key cannot aim flows at
 * one worker).
 */
static size_t
pick(const struct workers *ws, const struct iface *ifc, const uint8_t *p,
    uint32_t caplen)
{
	const uint8_t	*a, *b;
	uint64_t	 h, m[4];
	int		 v = decode_addr_pair(ifc->dlt, p, caplen, &a, &b);

	if (v == 0)
		return 0;
	/* In the order of their words, not memcmp's: any order that is
	 * the same both ways will do, and memcmp was a call a packet. */
	if (v == 4) {
		uint32_t u, w;

		memcpy(&u, a, 4);
		memcpy(&w, b, 4);
		h = u < w ? (uint64_t)u << 32 | w : (uint64_t)w << 32 | u;
	} else {
		memcpy(m, a, 16);
		memcpy(m + 2, b, 16);
		if (m[0] > m[2] || (m[0] == m[2] && m[1] > m[3])) {
			uint64_t w0 = m[0], w1 = m[1];	/* the lesser first */

			m[0] = m[2];
			m[1] = m[3];
			m[2] = w0;
			m[3] = w1;
		}
		h = m[0] ^ (m[1] * ws->key[1]) ^ ((m[2] ^ ws->key[0]) *
		    0x9e3779b97f4a7c15ULL) ^ (m[3] >> 7 | m[3] << 57);
	}
	h = (h ^ ws->key[0]) * (ws->key[1] | 1);
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return share(ws, h);
}

void
workers_dispatch(const struct iface *ifc, uint64_t ts, const uint8_t *p,
    uint32_t caplen, uint32_t wirelen, void *arg)
{
	struct sensor		*s = arg;
	struct workers		*ws = s->workers;
	struct worker_thr	*t;
	struct ring_pkt		*h;
	struct timespec		 nap = { 0, 20000 };
	size_t			 i, need;
	int			 chunk;

	if (s->shutting_down)
		return;
	if ((i = pick(ws, ifc, p, caplen)) == 0) {
		/* The loop's own share, as with one worker. */
		sensor_packet(ifc, ts, p, caplen, wirelen, s);
		return;
	}
	/* The loop's clock runs on every packet: the sensor's health. */
	sensor_clock(&s->w, ts);
	t = ws->t[i - 1];
	/* A file read in place: where the frame lies, not a copy of it. */
	chunk = capture_file_chunk(s->cap);
	need = sizeof(*h) + (chunk >= 0 ? 0 : caplen);
	while ((h = ring_reserve(t->in, need)) == NULL) {
		if (!ws->block || need > ring_max_record(t->in)) {
			atomic_fetch_add_explicit(&t->lost, 1,
			    memory_order_relaxed);
			return;
		}
		/* A replay: let the workers catch up, and write theirs. */
		wt_wake(t);
		workers_drain(ws, 1);
		nanosleep(&nap, NULL);
	}
	h->ts = ts;
	h->caplen = caplen;
	h->wirelen = wirelen;
	h->iface = ifc->idx;
	h->unused = 0;
	if (chunk >= 0) {
		h->data = p;
		ring_commit(t->in, RK_PACKET_AT, sizeof(*h));
		t->held[chunk] = ring_produced(t->in);
	} else {
		h->data = NULL;
		memcpy(h + 1, p, caplen);
		ring_commit(t->in, RK_PACKET, need);
	}
	/* Woken once a capture batch (workers_kick), not per packet: a
	 * wake-up is a system call, several times a packet's work. */
	t->pending++;
}

/*
 * The file's chunk c is about to be read into again: wait until every
 * worker has released the frames of it it was handed (capture_file_hold),
 * writing out theirs meanwhile (a worker may be waiting for room).
 */
static void
chunk_hold(void *arg, unsigned c)
{
	struct workers	*ws = arg;
	struct timespec	 nap = { 0, 20000 };
	size_t		 i;

	for (i = 0; i < ws->n; i++) {
		struct worker_thr *t = ws->t[i];

		while (t->in != NULL && ring_consumed(t->in) < t->held[c]) {
			wt_wake(t);
			workers_drain(ws, 1);
			nanosleep(&nap, NULL);
		}
	}
}

/*
 * After a capture batch: workers with new packets, wake up. And the
 * thresholds' horizon: every frame still in a ring (the one in hand
 * included: it leaves the ring when done) is no older than its worker's
 * frame in hand, and what comes next no older than the loop's clock, so
 * no worker counts an event before the least of these any more; the
 * shared thresholds must not drop state as stale by a later time, which
 * a worker ahead would (alerts of a suppressed key again, a window
 * restarted).
 */
void
workers_kick(struct workers *ws)
{
	uint64_t	h;
	size_t		i;

	if (ws == NULL)
		return;
	h = ws->s->w.last_ts;
	for (i = 0; i < ws->n; i++) {
		struct worker_thr *t = ws->t[i];

		if (t->pending > 0) {
			t->pending = 0;
			wt_wake(t);
		}
		if (t->in != NULL && !ring_empty(t->in)) {
			uint64_t at = atomic_load_explicit(&t->at,
			    memory_order_acquire);

			if (at < h)
				h = at;
		}
	}
	/* Live, each thread reads its own fanout handles: the horizon is
	 * workers_horizon's, from the readers' own times. */
	if (!ws->fanout)
		rules_horizon(ws->s->rules, h);
}

/*
 * The worker's event records, as the event log el is configured under
 * c; -1 without memory (made before a reload's swap, so that it is the
 * reload that fails).
 */
static int
wt_events(struct worker_thr *t, const struct eventlog *el,
    const struct config *c, struct eventlog **out)
{
	*out = NULL;
	if (el == NULL)
		return 0;
	*out = eventlog_queue(t->out, t->ws->block, eventlog_is_stdout(el),
	    c->sensor_name, c->utc_offset);
	return *out == NULL ? -1 : 0;
}

static void
wt_free(struct worker_thr *t)
{
	if (t == NULL)
		return;
	sensor_worker_free(&t->w);
	alert_out_free(t->w.alerts);
	eventlog_close(t->w.events);
	ring_free(t->in);
	ring_free(t->out);
	if (t->wakefd >= 0)
		close(t->wakefd);
	pthread_mutex_destroy(&t->mu);
	pthread_cond_destroy(&t->cv);
	free(t);
}

int
workers_start(struct sensor *s, unsigned n, char *err, size_t errlen)
{
	struct workers	*ws;
	size_t		 i;

	ws = xcalloc(1, sizeof(*ws));
	ws->s = s;
	ws->block = s->offline;
	ws->t = xcalloc(n, sizeof(*ws->t));
	if (RAND_bytes((unsigned char *)ws->key, sizeof(ws->key)) != 1) {
		snprintf(err, errlen, "workers: no random key");
		free(ws->t);
		free(ws);
		return -1;
	}
	hosts_share(s->hosts);
	ws->total = n;
	/* Every matcher state exists before any thread matches. The
	 * loop's worker is the first; the threads are 1 .. n - 1. */
	for (i = 0; i < n - 1; i++) {
		struct worker_thr *t = xcalloc_aligned(64, sizeof(*t));

		ws->t[i] = t;
		ws->n = i + 1;
		t->ws = ws;
		t->reader = (unsigned)i;
		t->wakefd = -1;
		pthread_mutex_init(&t->mu, NULL);
		pthread_cond_init(&t->cv, NULL);
		/* Live, the kernel hands the thread its packets. */
		if (s->offline)
			t->in = ring_new(RING_IN);
		t->out = ring_new(RING_OUT);
		t->w.thr = t;
		t->w.alerts = alert_out_queue(t->out, ws->block);
		if (wt_events(t, s->events, s->conf, &t->w.events) != 0) {
			snprintf(err, errlen, "workers: no memory for the "
			    "event records");
			goto fail;
		}
		if (sensor_worker_init(&t->w, s, (unsigned)i + 1, n, err,
		    errlen) != 0)
			goto fail;
		if (!s->offline && (t->wakefd = eventfd(0, EFD_NONBLOCK |
		    EFD_CLOEXEC)) < 0) {
			snprintf(err, errlen, "workers: eventfd: %s",
			    strerror(errno));
			goto fail;
		}
	}
	/* Every matcher state made: each its own pair-keyed windows. */
	if (rules_split_thresholds(s->rules) != 0) {
		snprintf(err, errlen, "limits.threshold_memcap: cannot "
		    "allocate the workers' threshold tables: %s",
		    strerror(ENOMEM));
		goto fail;
	}
	/* Live: the kernel splits flows among the handles, no copying. */
	if (!s->offline) {
		if (capture_fanout(s->cap, n, err, errlen) != 0)
			goto fail;
		ws->fanout = 1;
	}
	for (i = 0; i < ws->n; i++) {
		int rc = pthread_create(&ws->t[i]->tid, NULL, wt_main,
		    ws->t[i]);

		if (rc != 0) {
			snprintf(err, errlen, "workers: cannot start a "
			    "thread: %s", strerror(rc));
			goto fail;
		}
		ws->t[i]->started = 1;
	}
	if (!s->offline) {
		struct timeval	ten = { 0, 10000 };

		if ((ws->ev_drain = event_new(s->base, -1, EV_PERSIST,
		    on_drain, ws)) == NULL ||
		    event_add(ws->ev_drain, &ten) != 0) {
			snprintf(err, errlen, "workers: cannot start the timer");
			goto fail;
		}
	}
	s->workers = ws;
	if (!ws->fanout) {
		capture_set_pkt_cb(s->cap, workers_dispatch);
		capture_file_hold(s->cap, chunk_hold, ws);
	}
	log_info("%zu packet workers", ws->total);
	return 0;
fail:
	workers_free(ws);	/* stops the threads already started */
	return -1;
}

void
workers_finish(struct workers *ws, enum flow_end_reason why, uint64_t end_ts)
{
	size_t	i;

	if (ws == NULL)
		return;
	for (i = 0; i < ws->n; i++) {
		ws->t[i]->why = why;
		ws->t[i]->end_ts = end_ts;
		atomic_store(&ws->t[i]->stop, 1);
		wt_signal(ws->t[i]);
	}
	wt_wait_all(ws, 0);
	for (i = 0; i < ws->n; i++)
		if (ws->t[i]->started) {
			pthread_join(ws->t[i]->tid, NULL);
			ws->t[i]->started = 0;
		}
	/* No thread reads the file's chunks any more. */
	if (!ws->fanout)
		capture_file_hold(ws->s->cap, NULL, NULL);
	/* What they wrote last, however much. */
	while (drain(ws, 0) > 0)
		;
}

void
workers_pause(struct workers *ws)
{
	size_t	i;

	if (ws == NULL)
		return;
	for (i = 0; i < ws->n; i++) {
		atomic_store(&ws->t[i]->pause, 1);
		wt_signal(ws->t[i]);
	}
	wt_wait_all(ws, 1);
	workers_drain(ws, 0);
}

void
workers_resume(struct workers *ws)
{
	size_t	i;

	if (ws == NULL)
		return;
	for (i = 0; i < ws->n; i++) {
		atomic_store(&ws->t[i]->pause, 0);
		wt_signal(ws->t[i]);
	}
}

/* A reload: each worker's matcher state in the new rule set nr. */
int
workers_prepare(struct workers *ws, struct ruleset *nr,
    const struct config *nc, const struct eventlog *nel)
{
	size_t	i;

	/* Made by the reload's thread (rules_worker_states): here only if
	 * the set came from elsewhere. */
	if (rules_worker_states(nr, workers_count(ws)) != 0)
		return -1;
	for (i = 0; i < workers_count(ws); i++)
		if ((ws->t[i]->next_state = rules_state_nth(nr, i + 1)) ==
		    NULL || wt_events(ws->t[i], nel, nc,
		    &ws->t[i]->next_events) != 0)
			return -1;
	return 0;
}

/* A failed reload: the states belong to the set being retired, so no
 * pointer to them may outlive it. */
void
workers_unprepare(struct workers *ws)
{
	size_t	i;

	for (i = 0; i < workers_count(ws); i++) {
		ws->t[i]->next_state = NULL;
		eventlog_close(ws->t[i]->next_events);
		ws->t[i]->next_events = NULL;
	}
}

/*
 * Held (workers_pause), after the swap: the new rule set's states, the
 * new flow timeouts, and events written under the new configuration.
 */
void
workers_reloaded(struct workers *ws)
{
	struct sensor	*s;
	size_t		 i;

	if (ws == NULL)
		return;
	s = ws->s;
	for (i = 0; i < ws->n; i++) {
		struct worker_thr	*t = ws->t[i];

		t->w.match_state = t->next_state;
		t->next_state = NULL;
		flow_set_timeouts(t->w.flows, &s->conf->timeouts);
		eventlog_close(t->w.events);	/* what it held: queued */
		t->w.events = t->next_events;
		t->next_events = NULL;
	}
}

void
workers_free(struct workers *ws)
{
	size_t	i;

	if (ws == NULL)
		return;
	for (i = 0; i < ws->n; i++)
		if (ws->t[i] != NULL && ws->t[i]->started)
			break;
	if (i < ws->n)
		workers_finish(ws, FLOW_END_SHUTDOWN, 0);
	if (ws->ev_drain != NULL)
		event_free(ws->ev_drain);
	for (i = 0; i < ws->n; i++)
		wt_free(ws->t[i]);
	free(ws->t);
	free(ws);
}
