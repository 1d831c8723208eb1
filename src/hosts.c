/*
 * The host inventory (hosts.h): a fixed table of hosts seen in
 * protected_segments, the rule events it raises, and its file.
 *
 * The table is preallocated at start (inventory.max_hosts entries, a
 * power-of-two bucket array of twice that): a lookup hashes the address
 * under a random key (SipHash, so traffic cannot choose colliding
 * addresses) and walks one short chain; a full table gives up its least
 * recently seen host, counted. The inventory is touched per flow (its
 * first packet, its establishment, its end), per ARP packet and per
 * DHCP packet, never per packet of a flow, so the packet path pays
 * nothing for it. protected_segments and known_hosts are looked up once
 * per rule set (after a reload, on the next event), not by name per
 * event.
 */
#include "config.h"

#include <sys/file.h>
#include <arpa/inet.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "app.h"
#include "capture.h"
#include "conf.h"
#include "eventlog.h"
#include "flow.h"
#include "hostlist.h"
#include "hosts.h"
#include "ipset.h"
#include "log.h"
#include "rules.h"
#include "safefile.h"
#include "sensor.h"
#include "siphash.h"
#include "types.h"
#include "util.h"
#include "xmalloc.h"

#define HOSTS_FILE	"hosts.json"
#define HOSTS_FORMAT	"canhgac-hosts"
#define HOSTS_ENTRY_MAX	1024	/* bytes of one saved host, generously */

struct hosts {
	struct host		*v;
	uint32_t		 cap, n;	/* slots, used */
	uint32_t		*bucket;	/* index + 1 */
	uint32_t		 mask;
	uint32_t		 oldest, newest;	/* index + 1 */
	uint64_t		 key[2];
	struct hosts_stats	 st;
	/* The rule set the assets below come from (rules_generation). */
	uint32_t		 rs_gen;
	const struct ipset	*protected;
	const struct hostlist	*known;
	const struct ipset	*known_ips;
	/* STATE_DIR, live only. */
	char			*dir;
	int			 dfd, lockfd;
	struct event		*ev;
	struct util_job		 save;	/* the periodic save's thread */
	/* With packet workers (hosts_share): held by every entry point
	 * that reads or changes the table; one worker: NULL, nothing.
	 * Never held while rules run or records are written: in a replay
	 * a worker waits there for room in its output queue, which only
	 * the loop thread empties, and the loop's own packets take this
	 * lock; a worker waiting with it held stopped both for good. */
	pthread_mutex_t		*mu;
};

static void
hosts_lock(const struct hosts *h)
{
	if (h->mu != NULL)
		pthread_mutex_lock(h->mu);
}

static void
hosts_unlock(const struct hosts *h)
{
	if (h->mu != NULL)
		pthread_mutex_unlock(h->mu);
}

/* Several packet workers will use the table: lock it from now on. */
void
hosts_share(struct hosts *h)
{
	if (h == NULL || h->mu != NULL)
		return;
	h->mu = xcalloc(1, sizeof(*h->mu));
	pthread_mutex_init(h->mu, NULL);
}

struct hosts *
hosts_new(uint32_t cap)
{
	struct hosts	*h = xcalloc(1, sizeof(*h));
	uint32_t	 nb = 16;

	while (nb < 2 * cap)
		nb <<= 1;
	h->cap = cap;
	h->v = xcalloc(cap, sizeof(*h->v));
	h->bucket = xcalloc(nb, sizeof(*h->bucket));
	h->mask = nb - 1;
	if (getrandom(h->key, sizeof(h->key), GRND_NONBLOCK) !=
	    sizeof(h->key)) {
		h->key[0] = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)h;
		h->key[1] = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
	}
	h->st.cap = cap;
	h->dfd = h->lockfd = -1;
	return h;
}

void
hosts_free(struct hosts *h)
{
	if (h == NULL)
		return;
	if (h->dfd >= 0)
		close(h->dfd);
	if (h->lockfd >= 0)
		close(h->lockfd);
	free(h->dir);
	free(h->v);
	free(h->bucket);
	if (h->mu != NULL) {
		pthread_mutex_destroy(h->mu);
		free(h->mu);
	}
	free(h);
}

const struct hosts_stats *
hosts_stats(const struct hosts *h)
{
	static const struct hosts_stats none;

	return h != NULL ? &h->st : &none;
}

static uint32_t
host_hash(const struct hosts *h, int ipver, const uint8_t *addr)
{
	uint64_t	m[3] = { (uint64_t)ipver, 0, 0 };

	memcpy(&m[1], addr, ipver == 4 ? 4 : 16);
	return (uint32_t)siphash13(h->key, m, 3) & h->mask;
}

static int
host_is(const struct host *e, int ipver, const uint8_t *addr)
{
	return e->ipver == ipver && memcmp(e->addr, addr, ipver == 4 ? 4 :
	    16) == 0;
}

/* Index + 1 of the host, or 0. */
static uint32_t
host_lookup(const struct hosts *h, int ipver, const uint8_t *addr)
{
	uint32_t	i = h->bucket[host_hash(h, ipver, addr)];

	while (i != 0 && !host_is(&h->v[i - 1], ipver, addr))
		i = h->v[i - 1].hnext;
	return i;
}

/* Out of the last-seen order. */
static void
order_unlink(struct hosts *h, uint32_t i)
{
	struct host	*e = &h->v[i - 1];

	if (e->older)
		h->v[e->older - 1].newer = e->newer;
	else
		h->oldest = e->newer;
	if (e->newer)
		h->v[e->newer - 1].older = e->older;
	else
		h->newest = e->older;
	e->older = e->newer = 0;
}

static void
order_append(struct hosts *h, uint32_t i)
{
	struct host	*e = &h->v[i - 1];

	e->older = h->newest;
	e->newer = 0;
	if (h->newest)
		h->v[h->newest - 1].newer = i;
	else
		h->oldest = i;
	h->newest = i;
}

static void
hash_unlink(struct hosts *h, uint32_t i)
{
	struct host	*e = &h->v[i - 1];
	uint32_t	*pp = &h->bucket[host_hash(h, e->ipver, e->addr)];

	while (*pp != 0 && *pp != i)
		pp = &h->v[*pp - 1].hnext;
	if (*pp == i)
		*pp = e->hnext;
	e->hnext = 0;
}

static void
touch(struct hosts *h, uint32_t i, uint64_t ts)
{
	struct host	*e = &h->v[i - 1];

	if (ts > e->last)
		e->last = ts;
	if (h->newest != i) {
		order_unlink(h, i);
		order_append(h, i);
	}
}

/* The host of an address, made (evicting the oldest) if new: *created. */
static uint32_t
host_get(struct hosts *h, int ipver, const uint8_t *addr, uint64_t ts,
    int *created)
{
	uint32_t	 i = host_lookup(h, ipver, addr), b;
	struct host	*e;

	*created = 0;
	if (i != 0) {
		touch(h, i, ts);
		return i;
	}
	if (h->n < h->cap)
		i = ++h->n;
	else {
		i = h->oldest;
		hash_unlink(h, i);
		order_unlink(h, i);
		h->st.evicted++;
	}
	e = &h->v[i - 1];
	memset(e, 0, sizeof(*e));
	e->ipver = (uint8_t)ipver;
	memcpy(e->addr, addr, ipver == 4 ? 4 : 16);
	e->first = e->last = ts;
	b = host_hash(h, ipver, addr);
	e->hnext = h->bucket[b];
	h->bucket[b] = i;
	order_append(h, i);
	h->st.added++;
	h->st.hosts = h->n;
	*created = 1;
	return i;
}

size_t
hosts_count(const struct hosts *h)
{
	return h != NULL ? h->n : 0;
}

const struct host *
hosts_find(const struct hosts *h, int ipver, const uint8_t *addr)
{
	uint32_t	i = h != NULL ? host_lookup(h, ipver, addr) : 0;

	return i != 0 ? &h->v[i - 1] : NULL;
}

void
hosts_mac_str(const uint8_t mac[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
	    mac[2], mac[3], mac[4], mac[5]);
}

/* protected_segments and known_hosts of the rule set in use. */
static void
assets_sync(struct hosts *h, const struct ruleset *rs)
{
	uint32_t	gen = rules_generation(rs);

	if (h->rs_gen == gen && gen != 0)
		return;
	h->rs_gen = gen;
	h->protected = rules_asset_ipset(rs, "protected_segments");
	h->known = rules_asset_hosts(rs, "known_hosts");
	h->known_ips = rules_asset_ipset(rs, "known_hosts");
}

static int
is_protected(struct hosts *h, const struct ruleset *rs, int ipver,
    const uint8_t *addr)
{
	assets_sync(h, rs);
	return h->protected != NULL && ipset_contains(h->protected, ipver,
	    addr);
}

int
hosts_known(const struct sensor *s, const struct host *e)
{
	struct hosts	*h = s->hosts;

	assets_sync(h, s->rules);
	return h->known_ips != NULL && ipset_contains(h->known_ips, e->ipver,
	    e->addr);
}

/*
 * A rule event about one host (host_new, arp_change), taken under the
 * lock (a copy of the host) and raised once it is released (see mu).
 */
struct host_raise {
	int			 ev;	/* 0: none */
	struct host		 e;
	struct host_event	 he;
};

static void
raise_take(struct host_raise *r, enum rule_event ev, const struct host *e,
    const struct host_event *he)
{
	r->ev = (int)ev;
	r->e = *e;
	r->he = *he;
}

static void
raise_host(struct worker *w, const struct host_raise *r, uint64_t ts,
    const char *iface)
{
	struct match_ctx	c;

	if (r->ev == 0)
		return;
	memset(&c, 0, sizeof(c));
	c.event = (enum rule_event)r->ev;
	c.ts = ts;
	c.ipver = r->e.ipver;
	c.src = c.dst = r->e.addr;
	c.iface = iface;
	c.host = &r->he;
	rules_match_state(w->match_state, &c, w->alerts);
}

/* A protected address seen sending: in the table, host_new (*nr) if new. */
static uint32_t
seen(struct worker *w, int ipver, const uint8_t *addr, uint64_t ts,
    struct host_raise *nr)
{
	struct hosts		*h = w->s->hosts;
	struct host_event	 he;
	uint32_t		 i;
	int			 created;

	nr->ev = 0;
	if (!is_protected(h, w->s->rules, ipver, addr))
		return 0;
	i = host_get(h, ipver, addr, ts, &created);
	if (created) {
		const struct host_entry *k = hostlist_find(h->known, ipver,
		    addr);

		/* known_hosts' MAC is what ARP replies are held to. */
		if (k != NULL && k->has_mac) {
			memcpy(h->v[i - 1].mac, k->mac, 6);
			h->v[i - 1].has_mac = 1;
		}
		memset(&he, 0, sizeof(he));
		raise_take(nr, REV_HOST_NEW, &h->v[i - 1], &he);
	}
	return i;
}

/*
 * Both ends of a flow go into the inventory once it is established (a
 * TCP handshake completed, or a reply): a flood of packets from forged
 * protected addresses, which nobody answers, neither fills the table
 * (evicting real hosts) nor raises host_new for each forged address, as
 * Zeek's known_hosts waits for a handshake. The server also gets the
 * port it answered on.
 */
void
hosts_flow_established(struct worker *w, struct flow *f, uint64_t ts,
    const char *iface)
{
	struct hosts		*h = w->s->hosts;
	struct host		*e;
	struct host_raise	 nc, ns;
	struct match_ctx	 c;
	uint32_t		 i;
	int			 k;

	if (h == NULL)
		return;
	hosts_lock(h);
	if (seen(w, f->ipver, f->caddr, ts, &nc) != 0)
		f->evflags |= FE_INVENTORY;
	if ((i = seen(w, f->ipver, f->saddr, ts, &ns)) == 0)
		goto out;
	f->evflags |= FE_INVENTORY;
	if (f->proto != PROTO_TCP && f->proto != PROTO_UDP)
		goto out;
	e = &h->v[i - 1];
	for (k = 0; k < e->nports; k++)
		if (e->ports[k] == f->sport && e->port_proto[k] == f->proto)
			goto out;
	if (e->nports < HOST_PORTS_MAX) {
		e->ports[e->nports] = f->sport;
		e->port_proto[e->nports++] = f->proto;
	} else
		h->st.ports_dropped++;
	hosts_unlock(h);
	raise_host(w, &nc, ts, iface);
	raise_host(w, &ns, ts, iface);
	memset(&c, 0, sizeof(c));
	c.event = REV_SERVICE_NEW;
	c.flow = f;
	c.ts = ts;
	c.ipver = f->ipver;
	c.src = f->caddr;
	c.dst = f->saddr;
	c.sport = f->cport;
	c.dport = f->sport;
	c.proto = f->proto;
	c.iface = iface;
	rules_match_state(w->match_state, &c, w->alerts);
	return;
out:
	hosts_unlock(h);
	raise_host(w, &nc, ts, iface);
	raise_host(w, &ns, ts, iface);
}

/*
 * Bytes by direction, and last seen, when the flow is over: only for a
 * flow that has an end in the inventory (marked when it started or was
 * established), so other flows cost a flag test.
 */
void
hosts_flow_end(struct worker *w, const struct flow *f)
{
	struct hosts	*h = w->s->hosts;
	uint32_t	 i;

	if (h == NULL || !(f->evflags & FE_INVENTORY))
		return;
	hosts_lock(h);
	if ((i = host_lookup(h, f->ipver, f->caddr)) != 0) {
		h->v[i - 1].bytes_out += f->bytes[0];
		h->v[i - 1].bytes_in += f->bytes[1];
		touch(h, i, f->last);
	}
	if ((i = host_lookup(h, f->ipver, f->saddr)) != 0) {
		h->v[i - 1].bytes_out += f->bytes[1];
		h->v[i - 1].bytes_in += f->bytes[0];
		touch(h, i, f->last);
	}
	hosts_unlock(h);
}

/*
 * addr claimed for mac (an ARP reply, a neighbour advertisement): a
 * protected host claimed by a MAC other than the one it had (or
 * known_hosts gives) is an arp_change, with both MACs.
 */
static void
claim(struct worker *w, const struct packet *pkt, int ipver,
    const uint8_t *addr, const uint8_t *mac)
{
	struct hosts		*h = w->s->hosts;
	const char		*iface = pkt->iface ? pkt->iface->name : NULL;
	struct host		*e;
	struct host_event	 he;
	struct host_raise	 nr, ac;
	uint64_t		 ats = pkt->ts;
	uint32_t		 i;

	ac.ev = 0;
	hosts_lock(h);
	if ((i = seen(w, ipver, addr, pkt->ts, &nr)) == 0) {
		hosts_unlock(h);
		return;
	}
	e = &h->v[i - 1];
	if (!e->has_mac) {
		/* No MAC seen: known_hosts' is the one it is held to, also
		 * when given after the host was taken in (a reload, a host
		 * of the state directory), not just at that moment. */
		const struct host_entry *k = hostlist_find(h->known, ipver,
		    addr);

		if (k != NULL && k->has_mac) {
			memcpy(e->mac, k->mac, 6);
			e->has_mac = 1;
		}
	}
	if (e->has_mac && memcmp(e->mac, mac, 6) != 0) {
		memset(&he, 0, sizeof(he));
		he.has_mac = he.has_old = 1;
		if (pkt->ts < e->mac_ts) {
			/* A claim older than the one that gave the MAC,
			 * handled after it: workers take packets by address
			 * pair, so a neighbour advertisement to all nodes and
			 * a later solicitation from the same address may run
			 * in either order. The later claim is the address's
			 * MAC now, this one the MAC it had: reversed, the
			 * alert named the real host as the spoofer. */
			memcpy(he.mac, e->mac, 6);
			memcpy(he.old_mac, mac, 6);
			ats = e->mac_ts;
		} else {
			memcpy(he.mac, mac, 6);
			memcpy(he.old_mac, e->mac, 6);
			memcpy(e->mac, mac, 6);
			e->mac_ts = pkt->ts;
		}
		h->st.arp_changes++;
		raise_take(&ac, REV_ARP_CHANGE, e, &he);
	} else {
		memcpy(e->mac, mac, 6);
		if (!e->has_mac || pkt->ts > e->mac_ts)
			e->mac_ts = pkt->ts;
		e->has_mac = 1;
	}
	hosts_unlock(h);
	raise_host(w, &nr, pkt->ts, iface);
	raise_host(w, &ac, ats, iface);
}

/*
 * ARP over Ethernet for IPv4: a reply or a request claims the sender
 * address for the sender MAC. A request too: a host takes its sender
 * into its cache (RFC 826; Linux updates an entry it has), so a host
 * behind a known address that only asks, never answers, reroutes its
 * peers' traffic all the same. Hardware type 1 (Ethernet) or 6 (IEEE
 * 802): a host on Ethernet takes either into its cache (Linux,
 * arp_process), so a spoofer's reply of type 6 poisons as well.
 */
void
hosts_arp(struct worker *w, const struct packet *pkt)
{
	const uint8_t	*p = pkt->l3;
	uint16_t	 op;

	if (w->s->hosts == NULL || p == NULL || pkt->l3_len < 28 || p[0] != 0 ||
	    (p[1] != 1 && p[1] != 6) || p[2] != 0x08 || p[3] != 0x00 ||
	    p[4] != 6 || p[5] != 4)
		return;
	op = (uint16_t)(p[6] << 8 | p[7]);
	if (op != 1 && op != 2)
		return;
	if (memcmp(p + 14, "\0\0\0\0", 4) == 0)
		return;		/* an ARP probe claims nothing */
	claim(w, pkt, 4, p + 14, p + 8);
}

/*
 * An IPv6 neighbour advertisement (ICMPv6 136) with a target link-layer
 * address option claims its target address for that MAC, as an ARP
 * reply does; a solicitation (135) with a source link-layer address
 * option claims its source address, as an ARP request does (a host's
 * cache takes it, RFC 4861 7.2.3), unless the source is unspecified
 * (duplicate address detection). The payload is the target address,
 * then options of 8-byte units, each checked against the end before it
 * is read.
 */
void
hosts_ndp(struct worker *w, const struct packet *pkt)
{
	static const uint8_t	 unspec[16];
	const uint8_t		*p = pkt->payload;
	size_t			 i, n = pkt->payload_len;
	int			 ns = pkt->icmp_type == 135;

	if (w->s->hosts == NULL || pkt->ipver != 6 || p == NULL || n < 16)
		return;
	if (ns && memcmp(pkt->src, unspec, 16) == 0)
		return;
	for (i = 16; i + 2 <= n && p[i + 1] != 0; i += 8 * (size_t)p[i + 1]) {
		if (i + 8 * (size_t)p[i + 1] > n)
			return;
		if (p[i] == (ns ? 1 : 2) && p[i + 1] == 1) {
			claim(w, pkt, 6, ns ? pkt->src : p, p + i + 2);
			return;
		}
	}
}

/* A DHCP message (UDP 67/68): the dhcp event record and its rules. */
void
hosts_dhcp(struct worker *w, const struct packet *pkt)
{
	struct hosts		*h = w->s->hosts;
	struct app_result	 rec;

	if (h == NULL || pkt->ipver != 4 || pkt->payload == NULL)
		return;
	/* The record is the worker's own: rules and the event log run
	 * without the lock (see mu). */
	memset(&rec, 0, sizeof(rec));
	if (app_dhcp_parse(pkt->payload, pkt->payload_len, &rec.dhcp) !=
	    APP_DONE)
		return;
	rec.have = APPR_DHCP;
	hosts_lock(h);
	h->st.dhcp++;
	hosts_unlock(h);
	sensor_app_record(pkt, &rec, w);
}

/* One host as JSON: the saved form, and what `canhgacctl hosts` shows. */
static json_t *
host_json(const struct host *e, int known, int utc_offset)
{
	json_t	*o = json_object(), *ports = json_array();
	char	 a[64], mac[18], ts[40];
	int	 k;

	util_addr_str(e->ipver, e->addr, a, sizeof(a));
	json_object_set_new(o, "ip", json_string(a));
	if (e->has_mac) {
		hosts_mac_str(e->mac, mac);
		json_object_set_new(o, "mac", json_string(mac));
	}
	util_format_ts(e->first, ts, sizeof(ts), utc_offset);
	json_object_set_new(o, "first_seen", json_string(ts));
	util_format_ts(e->last, ts, sizeof(ts), utc_offset);
	json_object_set_new(o, "last_seen", json_string(ts));
	json_object_set_new(o, "first", json_integer((json_int_t)e->first));
	json_object_set_new(o, "last", json_integer((json_int_t)e->last));
	json_object_set_new(o, "bytes_in", json_integer((json_int_t)
	    (e->bytes_in & INT64_MAX)));
	json_object_set_new(o, "bytes_out", json_integer((json_int_t)
	    (e->bytes_out & INT64_MAX)));
	for (k = 0; k < e->nports; k++) {
		char p[16];

		snprintf(p, sizeof(p), "%u/%s", e->ports[k],
		    e->port_proto[k] == PROTO_TCP ? "tcp" : "udp");
		json_array_append_new(ports, json_string(p));
	}
	json_object_set_new(o, "ports", ports);
	if (known >= 0)
		json_object_set_new(o, "known", json_boolean(known));
	return o;
}

json_t *
hosts_json(const struct sensor *s, int only_unknown, size_t limit)
{
	const struct hosts	*h = s->hosts;
	json_t			*o = json_object(), *arr = json_array();
	size_t			 unknown = 0, shown = 0, left = 0;
	uint32_t		 x;

	if (h != NULL)
		hosts_lock(h);
	for (x = h != NULL ? h->newest : 0; x != 0; x = h->v[x - 1].older) {
		const struct host *e = &h->v[x - 1];
		int known = hosts_known(s, e);

		if (!known)
			unknown++;
		if (only_unknown && known)
			continue;
		if (shown < limit) {
			json_array_append_new(arr, host_json(e, known,
			    s->conf->utc_offset));
			shown++;
		} else
			left++;
	}
	json_object_set_new(o, "hosts", arr);
	json_object_set_new(o, "truncated", json_boolean(left > 0));
	json_object_set_new(o, "seen", json_integer((json_int_t)
	    hosts_count(h)));
	json_object_set_new(o, "unknown", json_integer((json_int_t)unknown));
	json_object_set_new(o, "max_hosts", json_integer(h != NULL ?
	    h->cap : 0));
	json_object_set_new(o, "evicted", json_integer(h != NULL ?
	    (json_int_t)h->st.evicted : 0));
	json_object_set_new(o, "protected_segments", json_boolean(h != NULL &&
	    h->protected != NULL));
	if (h != NULL)
		hosts_unlock(h);
	return o;
}

/* One saved host, read as hostile input: a bad one is skipped. */
static int
host_from_json(struct hosts *h, json_t *o)
{
	const char	*ip = json_string_value(json_object_get(o, "ip"));
	const char	*mac = json_string_value(json_object_get(o, "mac"));
	json_t		*ports = json_object_get(o, "ports"), *pv;
	uint8_t		 addr[16] = { 0 }, m[6];
	int		 ipver, created;
	uint32_t	 i;
	size_t		 k;
	json_int_t	 first = json_integer_value(json_object_get(o, "first"));
	json_int_t	 last = json_integer_value(json_object_get(o, "last"));
	json_int_t	 bin = json_integer_value(json_object_get(o, "bytes_in"));
	json_int_t	 bout = json_integer_value(json_object_get(o,
			    "bytes_out"));

	if (ip == NULL || strlen(ip) > 45 || first < 0 || last < first ||
	    bin < 0 || bout < 0)
		return -1;
	if (inet_pton(AF_INET, ip, addr) == 1)
		ipver = 4;
	else if (inet_pton(AF_INET6, ip, addr) == 1)
		ipver = 6;
	else
		return -1;
	if (mac != NULL && hostlist_parse_mac(mac, m) != 0)
		return -1;
	i = host_get(h, ipver, addr, (uint64_t)last, &created);
	h->v[i - 1].first = (uint64_t)first;
	h->v[i - 1].bytes_in = (uint64_t)bin;
	h->v[i - 1].bytes_out = (uint64_t)bout;
	if (mac != NULL) {
		memcpy(h->v[i - 1].mac, m, 6);
		h->v[i - 1].has_mac = 1;
	}
	json_array_foreach(ports, k, pv) {
		const char	*p = json_string_value(pv);
		char		*end;
		unsigned long	 port;
		struct host	*e = &h->v[i - 1];

		if (p == NULL || e->nports >= HOST_PORTS_MAX)
			break;
		port = strtoul(p, &end, 10);
		if (port < 1 || port > 65535 || (strcmp(end, "/tcp") != 0 &&
		    strcmp(end, "/udp") != 0))
			continue;
		e->ports[e->nports] = (uint16_t)port;
		e->port_proto[e->nports++] = end[1] == 't' ? PROTO_TCP :
		    PROTO_UDP;
	}
	return 0;
}

static int
by_last(const void *a, const void *b)
{
	json_int_t x = json_integer_value(json_object_get(*(json_t *const *)a,
	    "last"));
	json_int_t y = json_integer_value(json_object_get(*(json_t *const *)b,
	    "last"));

	return x < y ? -1 : x > y;
}

/* Read STATE_DIR/hosts.json: the oldest first, so the order is kept. */
static void
hosts_load(struct hosts *h)
{
	char		 why[512];
	json_error_t	 je;
	json_t		*doc, *arr, **v;
	struct stat	 sb;
	size_t		 max = (size_t)h->cap * HOSTS_ENTRY_MAX + 4096, len;
	size_t		 i, n, bad = 0;
	int		 fd, over;
	char		*text;

	fd = safe_openat(h->dfd, h->dir, HOSTS_FILE, O_RDONLY, 0, 0, why,
	    sizeof(why));
	if (fd < 0) {
		if (errno != ENOENT)
			log_warnx("inventory: %s; starting empty", why);
		return;
	}
	if (fstat(fd, &sb) != 0 || (size_t)sb.st_size > max) {
		log_warnx("inventory: %s/%s: too large or unreadable; starting "
		    "empty", h->dir, HOSTS_FILE);
		close(fd);
		return;
	}
	/* The service user can append after the check: read to the cap. */
	text = safe_read_capped(fd, max, &len, &over);
	close(fd);
	if (text == NULL) {
		log_warnx("inventory: %s/%s: %s; starting empty", h->dir,
		    HOSTS_FILE, over ? "too large (grew while read)" :
		    "unreadable");
		return;
	}
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	free(text);
	if (doc == NULL || strcmp(json_string_value(json_object_get(doc,
	    "format")) ? json_string_value(json_object_get(doc, "format")) :
	    "", HOSTS_FORMAT) != 0 || !json_is_array(arr =
	    json_object_get(doc, "hosts"))) {
		log_warnx("inventory: %s/%s:%d: not an inventory (%s); starting "
		    "empty", h->dir, HOSTS_FILE, doc ? 0 : je.line,
		    doc ? "wrong format" : je.text);
		json_decref(doc);
		return;
	}
	n = json_array_size(arr);
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_array_get(arr, i);
	qsort(v, n, sizeof(*v), by_last);
	for (i = 0; i < n; i++)
		if (!json_is_object(v[i]) || host_from_json(h, v[i]) != 0)
			bad++;
	free(v);
	h->st.added = 0;	/* reloaded, not new */
	if (json_is_integer(json_object_get(doc, "evicted")) &&
	    json_integer_value(json_object_get(doc, "evicted")) >= 0)
		h->st.evicted += (uint64_t)json_integer_value(
		    json_object_get(doc, "evicted"));
	if (bad > 0)
		log_warnx("inventory: %s/%s: %zu malformed hosts skipped",
		    h->dir, HOSTS_FILE, bad);
	log_info("inventory: %u hosts reloaded from %s/%s", h->n, h->dir,
	    HOSTS_FILE);
	json_decref(doc);
}

/*
 * What a save writes, copied on the loop: the hosts oldest first. The
 * copy is a memcpy of the table; the JSON and the fsync, which took the
 * loop (and so capture) hundreds of milliseconds for a full table, are
 * done from it anywhere.
 */
struct hosts_snap {
	const struct hosts	*h;		/* dir and dfd only */
	struct host		*v;
	uint32_t		 n;
	uint64_t		 evicted;
	int			 utc_offset;
};

static struct hosts_snap *
hosts_snapshot(const struct hosts *h, int utc_offset)
{
	struct hosts_snap	*sn = calloc(1, sizeof(*sn));
	uint32_t		 x;

	if (sn == NULL)
		return NULL;
	sn->h = h;
	hosts_lock(h);
	/* Taken every five minutes: without memory this save is skipped. */
	if ((sn->v = reallocarray(NULL, h->n > 0 ? h->n : 1,
	    sizeof(*sn->v))) == NULL) {
		hosts_unlock(h);
		free(sn);
		return NULL;
	}
	for (x = h->oldest; x != 0 && sn->n < h->n; x = h->v[x - 1].newer)
		sn->v[sn->n++] = h->v[x - 1];
	sn->evicted = h->st.evicted;
	hosts_unlock(h);
	sn->utc_offset = utc_offset;
	return sn;
}

/* Write a snapshot to STATE_DIR/hosts.json (a temporary, then renamed)
 * and free it. */
static int
hosts_write(struct hosts_snap *sn)
{
	const struct hosts	*h = sn->h;
	json_t			*doc, *arr;
	char			 why[512], tmp[64];
	uint32_t		 i;
	int			 fd, rc = -1;
	FILE			*fp;

	doc = json_object();
	arr = json_array();
	json_object_set_new(doc, "format", json_string(HOSTS_FORMAT));
	json_object_set_new(doc, "version", json_integer(1));
	json_object_set_new(doc, "evicted", json_integer((json_int_t)
	    sn->evicted));
	for (i = 0; i < sn->n; i++)
		json_array_append_new(arr, host_json(&sn->v[i], -1,
		    sn->utc_offset));
	json_object_set_new(doc, "hosts", arr);
	free(sn->v);
	free(sn);
	snprintf(tmp, sizeof(tmp), "%s.tmp", HOSTS_FILE);
	fd = safe_openat(h->dfd, h->dir, tmp, O_WRONLY | O_CREAT | O_TRUNC,
	    0640, SAFE_GIVE, why, sizeof(why));
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		log_warnx("inventory: %s", fd < 0 ? why : strerror(errno));
		if (fd >= 0)
			close(fd);
		json_decref(doc);
		return -1;
	}
	if (json_dumpf(doc, fp, JSON_COMPACT) == 0 && fflush(fp) == 0 &&
	    fsync(fileno(fp)) == 0)
		rc = 0;
	if (fclose(fp) != 0)
		rc = -1;
	if (rc == 0 && renameat(h->dfd, tmp, h->dfd, HOSTS_FILE) != 0)
		rc = -1;
	if (rc != 0)
		log_warnx("inventory: cannot save %s/%s: %s", h->dir,
		    HOSTS_FILE, strerror(errno));
	json_decref(doc);
	return rc;
}

int
hosts_save(struct sensor *s)
{
	struct hosts		*h = s->hosts;
	struct hosts_snap	*sn;

	if (h == NULL || h->dfd < 0 || h->lockfd < 0)
		return 0;
	util_job_join(&h->save);
	if ((sn = hosts_snapshot(h, s->conf->utc_offset)) == NULL) {
		log_warnx("inventory: no memory to save %s/%s", h->dir,
		    HOSTS_FILE);
		return -1;
	}
	return hosts_write(sn);
}

static void *
hosts_save_thread(void *arg)
{
	struct hosts_snap	*sn = arg;
	struct hosts		*h = (struct hosts *)(uintptr_t)sn->h;

	util_background_thread();
	(void)hosts_write(sn);
	util_job_done(&h->save);
	return NULL;
}

int
hosts_save_background(struct sensor *s)
{
	struct hosts		*h = s->hosts;
	struct hosts_snap	*sn;

	if (h == NULL || h->dfd < 0 || h->lockfd < 0)
		return 0;
	/* The last one still writing (a slow disk): the next tick saves. */
	if (util_job_busy(&h->save)) {
		log_debug("inventory: the last save is still being written");
		return 1;
	}
	if ((sn = hosts_snapshot(h, s->conf->utc_offset)) == NULL) {
		log_warnx("inventory: no memory to copy the table; saved at "
		    "the next save");
		return -1;
	}
	if (util_job_start(&h->save, hosts_save_thread, sn) != 0)
		return hosts_write(sn);	/* no thread: on the loop, as before */
	return 0;
}

/* Every five minutes of wall time, so a crash loses at most that. */
static void
on_save_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)hosts_save_background(arg);
}

/*
 * The table at start; the live sensor's inventory from STATE_DIR (a
 * replay, -r, neither reads nor writes it, as with state.json). One
 * daemon per file: hosts.lock.
 */
int
hosts_init(struct sensor *s, char *err, size_t errlen)
{
	struct hosts	*h;
	struct timeval	 tv = { 300, 0 };
	char		 why[512];

	(void)err;
	(void)errlen;
	s->hosts = h = hosts_new((uint32_t)s->conf->inventory_max_hosts);
	if (s->offline || s->conf->state_dir == NULL ||
	    strcmp(s->conf->state_dir, "none") == 0)
		return 0;
	h->dir = config_path(s->conf, s->conf->state_dir);
	if ((h->dfd = safe_dir(h->dir, 0, why, sizeof(why))) < 0) {
		log_warnx("inventory: %s; not kept across restarts", why);
		return 0;
	}
	h->lockfd = safe_openat(h->dfd, h->dir, "hosts.lock", O_RDWR |
	    O_CREAT, 0640, SAFE_GIVE, why, sizeof(why));
	if (h->lockfd < 0 || flock(h->lockfd, LOCK_EX | LOCK_NB) != 0) {
		log_warnx("inventory: %s; not kept across restarts",
		    h->lockfd < 0 ? why : "hosts.lock is held by another "
		    "daemon");
		if (h->lockfd >= 0)
			close(h->lockfd);
		h->lockfd = -1;
		return 0;
	}
	hosts_load(h);
	if ((h->ev = event_new(s->base, -1, EV_PERSIST, on_save_tick, s)) ==
	    NULL || event_add(h->ev, &tv) != 0)
		log_warnx("inventory: cannot start the timer; saved at stop "
		    "only");
	return 0;
}

void
hosts_shutdown(struct sensor *s)
{
	if (s->hosts == NULL)
		return;
	(void)hosts_save(s);
	if (s->hosts->ev != NULL)
		event_free(s->hosts->ev);
	hosts_free(s->hosts);
	s->hosts = NULL;
}
