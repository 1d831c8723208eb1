/*
 * libpcap handles on the event loop.
 *
 * Live interfaces are non-blocking handles in immediate mode whose
 * selectable fd is a read event; each wake-up reads at most one batch so
 * that one busy interface cannot starve the others, the signals or the
 * timers. Offline files go through the same callback, one batch per loop
 * iteration, in the order given, so a replay behaves like a live run; a
 * classic pcap file's records are read in place (pcapfile.c), others by
 * libpcap.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/filter.h>
#include <linux/if_packet.h>
#include <linux/sockios.h>
#include <sys/random.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#if defined(__has_include)
#if __has_include(<stdio_ext.h>)
#include <stdio_ext.h>
#define CAPTURE_NOLOCK
#endif
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "cccd.h"
#include "conf.h"
#include "decode.h"
#include "log.h"
#include "pcapfile.h"
#include "types.h"
#include "xmalloc.h"

#define CAPTURE_BATCH	512
#define READERS_MAX	64	/* fanout handles per interface */

struct capture;

#define CAPTURE_FILE_BUF	(256 * 1024)

struct capture_src {
	struct iface	 ifc;
	struct capture	*cap;
	pcap_t		*pcap;
	struct capture_conf cc;		/* live: to open readers alike */
	char		*bpf;		/* cc.bpf, owned */
	uint64_t	 own_pkts;	/* through pcap, the loop's */
	int		 stream;	/* offline, not a regular file */
	/* Worker threads' handles in the same fanout group (capture_fanout),
	 * each read only by its thread; pkts, its count. */
	pcap_t		*reader[READERS_MAX];
	uint64_t	 reader_pkts[READERS_MAX];
	int		 nreaders;
	char		*fbuf;		/* a file's stdio buffer, freed after it */
	struct pcapfile	*pf;		/* a file's records read in place */
	struct event	*ev;
	int		 link;		/* last seen CAPTURE_LINK_* */
	int		 replaced;	/* missing, its name another's: told */
	unsigned	 merge;		/* last seen MERGE_* (merge_check) */
};

struct capture {
	struct event_base	*base;
	struct capture_src	 src[IFACE_MAX];
	int			 n;
	int			 nlive;
	int			 cur;		/* offline file being read */
	unsigned		 merge_ticks;	/* capture_check_links calls */
	struct event		*file_ev;
	capture_pkt_cb		 pkt_cb;
	capture_done_cb		 done_cb;
	capture_batch_cb	 batch_cb;
	void			*arg;
	int			 stopped;
};

struct capture *
capture_new(struct event_base *base, capture_pkt_cb pkt_cb,
    capture_done_cb done_cb, void *arg)
{
	struct capture	*c = xcalloc(1, sizeof(*c));

	c->base = base;
	c->pkt_cb = pkt_cb;
	c->done_cb = done_cb;
	c->arg = arg;
	return c;
}

static void
capture_handler(u_char *arg, const struct pcap_pkthdr *h, const u_char *p)
{
	struct capture_src	*s = (struct capture_src *)(void *)arg;
	uint64_t		 ts;

	ts = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
	s->own_pkts++;
	s->cap->pkt_cb(&s->ifc, ts, p, h->caplen, h->len, s->cap->arg);
}

static int
capture_check_dlt(pcap_t *p, const char *name, char *err, size_t errlen)
{
	int	dlt = pcap_datalink(p);

	if (!decode_datalink_supported(dlt)) {
		const char *dn = pcap_datalink_val_to_name(dlt);

		snprintf(err, errlen, "%s: link type %d (%s) is not "
		    "supported", name, dlt, dn ? dn : "unknown");
		return -1;
	}
	return dlt;
}

int
capture_add_file(struct capture *c, const char *path, char *err,
    size_t errlen)
{
	char			 ebuf[PCAP_ERRBUF_SIZE];
	pcap_t			*p;

	FILE			*fp;
	char			*buf;

	ebuf[0] = '\0';
	if (strcmp(path, "-") == 0) {
		p = pcap_open_offline_with_tstamp_precision(path,
		    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
		if (p == NULL) {
			snprintf(err, errlen, "%s: cannot read capture: %s",
			    path, ebuf);
			return -1;
		}
		return capture_add_offline(c, p, path, err, errlen);
	}
	/*
	 * The file through a 256 KiB stdio buffer, not libpcap's default
	 * (st_blksize, 4 KiB): a read(2) per eight packets was 18 ns of
	 * CPU a packet of the mixed capture (bench/floor: 124 -> 106 ms a
	 * million packets). libpcap opens the file the same way and words
	 * a failure to open it so.
	 */
	if ((fp = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: cannot read capture: %s: %s", path,
		    path, strerror(errno));
		return -1;
	}
	buf = xmalloc(CAPTURE_FILE_BUF);
	if (setvbuf(fp, buf, _IOFBF, CAPTURE_FILE_BUF) != 0) {
		free(buf);
		buf = NULL;
	}
#ifdef CAPTURE_NOLOCK
	/*
	 * Only the loop's thread reads it: libpcap's two freads a packet
	 * need not lock it (bench/floor so: 52.4M -> 48.4M instructions
	 * on 100k mixed packets, about 10 ns a packet of CPU).
	 */
	(void)__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif
	p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (p == NULL) {
		fclose(fp);
		free(buf);
		snprintf(err, errlen, "%s: cannot read capture: %s", path,
		    ebuf);
		return -1;
	}
	if (capture_add_offline(c, p, path, err, errlen) != 0) {
		free(buf);		/* p, and with it fp, closed */
		return -1;
	}
	c->src[c->n - 1].fbuf = buf;
	if (!c->src[c->n - 1].stream)
		c->src[c->n - 1].pf = pcapfile_open(p, fileno(fp));
	return 0;
}

/*
 * Add an opened capture file (pcap_open_offline or pcap_fopen_offline);
 * the handle is the capture's from here, closed on failure too.
 */
int
capture_add_offline(struct capture *c, pcap_t *p, const char *path,
    char *err, size_t errlen)
{
	struct capture_src	*s;
	const char		*base;
	int			 dlt;

	if (c->n >= IFACE_MAX) {
		snprintf(err, errlen, "%s: at most %d capture sources", path,
		    IFACE_MAX);
		pcap_close(p);
		return -1;
	}
	if ((dlt = capture_check_dlt(p, path, err, errlen)) < 0) {
		pcap_close(p);
		return -1;
	}
	s = &c->src[c->n];
	memset(s, 0, sizeof(*s));
	s->cap = c;
	s->pcap = p;
	s->ifc.idx = c->n;
	s->ifc.dlt = dlt;
	s->ifc.offline = 1;
	{
		struct stat	sb;
		FILE		*fp = pcap_file(p);

		/* A pipe or a terminal: a read can wait for the writer. */
		s->stream = fp == NULL || fstat(fileno(fp), &sb) != 0 ||
		    !S_ISREG(sb.st_mode);
	}
	/* Events name the file's base name as their in_iface; cut inside a
	 * run of digits, its kept part may be a citizen-ID number's. */
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(s->ifc.name, sizeof(s->ifc.name), "%s", base);
	if (strlen(base) >= sizeof(s->ifc.name) &&
	    cccd_isdigit(base[sizeof(s->ifc.name) - 1]))
		cccd_mask_cut(s->ifc.name, sizeof(s->ifc.name) - 1, 0, 1);
	c->n++;
	return 0;
}

/* An activated, filtered, non-blocking handle on cc's interface. */
static pcap_t *
live_open(const struct capture_conf *cc, int *dltp, char *err, size_t errlen)
{
	char			 ebuf[PCAP_ERRBUF_SIZE];
	struct bpf_program	 prog;
	pcap_t			*p;
	int			 rc, dlt;

	ebuf[0] = '\0';
	if ((p = pcap_create(cc->iface, ebuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", cc->iface, ebuf);
		return NULL;
	}
	pcap_set_snaplen(p, capture_snaplen(cc));
	pcap_set_promisc(p, cc->promisc);
	pcap_set_immediate_mode(p, 1);
	if (cc->buffer_size > 0)
		pcap_set_buffer_size(p, cc->buffer_size);
	rc = pcap_activate(p);
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot capture: %s", cc->iface,
		    rc == PCAP_ERROR ? pcap_geterr(p) : pcap_statustostr(rc));
		goto fail;
	}
	if (rc > 0)
		log_warnx("%s: %s", cc->iface, pcap_statustostr(rc));
	if ((dlt = capture_check_dlt(p, cc->iface, err, errlen)) < 0)
		goto fail;
	if (cc->bpf != NULL && cc->bpf[0] != '\0') {
		if (pcap_compile(p, &prog, cc->bpf, 1,
		    PCAP_NETMASK_UNKNOWN) != 0) {
			snprintf(err, errlen, "%s: bad BPF filter \"%s\": %s",
			    cc->iface, cc->bpf, pcap_geterr(p));
			goto fail;
		}
		rc = pcap_setfilter(p, &prog);
		pcap_freecode(&prog);
		if (rc != 0) {
			snprintf(err, errlen, "%s: cannot set filter: %s",
			    cc->iface, pcap_geterr(p));
			goto fail;
		}
	}
	if (pcap_setnonblock(p, 1, ebuf) != 0) {
		snprintf(err, errlen, "%s: %s", cc->iface, ebuf);
		goto fail;
	}
	if (pcap_get_selectable_fd(p) < 0) {
		snprintf(err, errlen, "%s: no selectable descriptor",
		    cc->iface);
		goto fail;
	}
	*dltp = dlt;
	return p;
fail:
	pcap_close(p);
	return NULL;
}

/*
 * The interface the packet socket is bound to: a name deleted and made
 * again is another interface, one the socket does not see.
 */
static int
bound_ifindex(pcap_t *p, const char *name)
{
	struct sockaddr_ll	sll;
	socklen_t		sl = sizeof(sll);

	if (getsockname(pcap_get_selectable_fd(p), (struct sockaddr *)&sll,
	    &sl) == 0 && sll.sll_family == AF_PACKET && sll.sll_ifindex > 0)
		return sll.sll_ifindex;
	return (int)if_nametoindex(name);
}

/* A capture of a frame this long keeps a 64 KiB segment whole. */
#define SNAPLEN_WHOLE	65600

/*
 * What makes the snap length cut TCP segments on an interface, as
 * MERGE_* bits: the offloads that merge them (the capturing host's GRO,
 * LRO, TSO or GSO hand capture segments of up to 64 KiB), or a full frame
 * longer than the snap length. Read-only ethtool requests, which need no
 * privilege: the loop asks again while it runs (capture_check_links).
 * Not the loopback, whose traffic never leaves the host.
 */
static const struct {
	uint32_t	 cmd, flag;	/* the request; its bit, or 0: all */
	const char	*name;		/* as ethtool -K names it */
} merge_offloads[] = {			/* bit k: MERGE_* 1 << k */
	{ ETHTOOL_GGRO, 0, "gro" },
	{ ETHTOOL_GFLAGS, ETH_FLAG_LRO, "lro" },
	{ ETHTOOL_GTSO, 0, "tso" },
	{ ETHTOOL_GGSO, 0, "gso" },
};
#define MERGE_OFFLOADS	0x0f	/* 1 << k for each of merge_offloads */
_Static_assert(MERGE_OFFLOADS == (1u << NELEM(merge_offloads)) - 1,
    "a MERGE_* bit for each offload, below MERGE_MTU");
#define MERGE_MTU	0x10
#define MERGE_UNKNOWN	0x80	/* not asked yet, or no answer */
#define MERGE_EVERY	5	/* capture_check_links calls (seconds) */
static unsigned
merge_state(const char *iface, int snap, int *mtu)
{
	struct ifreq		ifr;
	struct ethtool_value	ev;
	size_t			i;
	unsigned		st = 0;
	int			fd;

	if (snap >= SNAPLEN_WHOLE || strlen(iface) >= sizeof(ifr.ifr_name))
		return 0;
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return MERGE_UNKNOWN;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, iface, strlen(iface));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
		close(fd);
		return MERGE_UNKNOWN;
	}
	if (ifr.ifr_flags & IFF_LOOPBACK) {
		close(fd);
		return 0;
	}
	for (i = 0; i < NELEM(merge_offloads); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.cmd = merge_offloads[i].cmd;
		ifr.ifr_data = (void *)&ev;
		if (ioctl(fd, SIOCETHTOOL, &ifr) == 0) {
			if ((merge_offloads[i].flag != 0 ? (ev.data &
			    merge_offloads[i].flag) : ev.data) != 0)
				st |= 1u << i;
		} else if (errno != EOPNOTSUPP && errno != EINVAL) {
			/* A device in reset answers nothing: no news. */
			st = MERGE_UNKNOWN;
			break;
		}
	}
	if (st != MERGE_UNKNOWN && ioctl(fd, SIOCGIFMTU, &ifr) != 0)
		st = MERGE_UNKNOWN;
	else if (st != MERGE_UNKNOWN && ifr.ifr_mtu + 18 > snap) {
		st |= MERGE_MTU;
		*mtu = ifr.ifr_mtu;
	}
	close(fd);
	return st;
}

/*
 * Warn when an interface starts cutting segments: at start, and when an
 * admin or a driver's reset (which restores a NIC's default offloads)
 * turns merging on while the sensor runs. Said once a change.
 */
static void
merge_check(struct capture_src *s)
{
	const struct capture_conf *cc = &s->cc;
	char		on[32] = "";
	unsigned	st, i;
	int		mtu = 0, snap = capture_snaplen(cc);

	st = merge_state(cc->iface, snap, &mtu);
	if (st == s->merge || st == MERGE_UNKNOWN)
		return;
	for (i = 0; i < NELEM(merge_offloads); i++)
		if (st & (1u << i))
			snprintf(on + strlen(on), sizeof(on) - strlen(on),
			    "%s%s", on[0] != '\0' ? ", " : "",
			    merge_offloads[i].name);
	if (on[0] != '\0')
		log_warnx("%s: the kernel merges TCP segments before capture "
		    "(%s on): segments of up to 64 KiB reach the sensor and "
		    "snaplen %d cuts them, their bytes past it not inspected "
		    "(stream.cut_segments, rule 1001122); turn merging off "
		    "(ethtool -K %s gro off lro off tso off gso off) or set "
		    "the capture's snaplen to %d", cc->iface, on, snap,
		    cc->iface, SNAPLEN_WHOLE);
	else if (st & MERGE_MTU)
		log_warnx("%s: MTU %d is longer than snaplen %d: the bytes "
		    "of a full frame past it are not inspected "
		    "(stream.cut_segments, rule 1001122); set the capture's "
		    "snaplen to at least %d", cc->iface, mtu, snap, mtu + 18);
	else if (s->merge != MERGE_UNKNOWN && (s->merge & MERGE_OFFLOADS))
		log_warnx("%s: the kernel no longer merges TCP segments "
		    "before capture, and a full frame fits snaplen %d",
		    cc->iface, snap);
	else if (s->merge != MERGE_UNKNOWN)
		log_warnx("%s: a full frame fits snaplen %d again",
		    cc->iface, snap);
	s->merge = st;
}

int
capture_add_live(struct capture *c, const struct capture_conf *cc,
    char *err, size_t errlen)
{
	struct capture_src	*s;
	pcap_t			*p;
	int			 dlt;

	if (c->n >= IFACE_MAX) {
		snprintf(err, errlen, "%s: at most %d capture sources",
		    cc->iface, IFACE_MAX);
		return -1;
	}
	if ((p = live_open(cc, &dlt, err, errlen)) == NULL)
		return -1;
	s = &c->src[c->n];
	memset(s, 0, sizeof(*s));
	s->cap = c;
	s->pcap = p;
	s->cc = *cc;
	s->bpf = cc->bpf != NULL ? xstrdup(cc->bpf) : NULL;
	s->cc.bpf = s->bpf;
	s->ifc.idx = c->n;
	s->ifc.dlt = dlt;
	snprintf(s->ifc.name, sizeof(s->ifc.name), "%s", cc->iface);
	s->ifc.ifindex = bound_ifindex(p, cc->iface);
	s->merge = MERGE_UNKNOWN;
	merge_check(s);
	c->n++;
	c->nlive++;
	return 0;
}

/*
 * The fanout group's program (classic BPF, run by the kernel on each
 * packet at its IP header): the socket of the packet's address pair,
 * the same both ways and for every fragment, as workers.c's dispatcher
 * for a replay, so that fragments reach the worker of their flow and
 * are reassembled there (the kernel's own flow hash sees a fragment's
 * ports in no packet but the first; its defragmenting option would
 * hide overlaps and evasions from defrag.c and cut datagrams at the
 * snap length). The XOR of the two addresses, mixed with a secret key:
 * forged addresses cannot aim every flow at one worker. Packets with
 * no IPv4 or IPv6 header in reach (ARP, QinQ) go to the loop's.
 */
/* Loads from the IP header, wherever the link header put it. */
#define FAN_LD(k)	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
			    (uint32_t)(SKF_NET_OFF + (k)))
#define FAN_XOR		BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0)
#define FAN_TAX		BPF_STMT(BPF_MISC | BPF_TAX, 0)
static int
fanout_program(pcap_t *p, unsigned n, const uint32_t k[2])
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    (uint32_t)(SKF_AD_OFF + SKF_AD_PROTOCOL)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x0800, 0, 5),
		/* IPv4: source ^ destination */
		FAN_LD(12), FAN_TAX, FAN_LD(16), FAN_XOR,
		BPF_JUMP(BPF_JMP | BPF_JA, 23, 0, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x86dd, 0, 32),
		/* IPv6: the XOR of the eight words of both addresses */
		FAN_LD(8), FAN_TAX, FAN_LD(24), FAN_XOR, FAN_TAX,
		FAN_LD(12), FAN_XOR, FAN_TAX, FAN_LD(28), FAN_XOR, FAN_TAX,
		FAN_LD(16), FAN_XOR, FAN_TAX, FAN_LD(32), FAN_XOR, FAN_TAX,
		FAN_LD(20), FAN_XOR, FAN_TAX, FAN_LD(36), FAN_XOR,
		/* mixed with the key, then a member */
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0), FAN_TAX,
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16), FAN_XOR,
		BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0), FAN_TAX,
		BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 15), FAN_XOR,
		BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, n),
		BPF_STMT(BPF_RET | BPF_A, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog fp;
	size_t		i, m = 0;

	memset(&fp, 0, sizeof(fp));	/* the padding goes to the kernel too */
	fp.len = (unsigned short)NELEM(prog);
	fp.filter = prog;

	for (i = 0; i < NELEM(prog); i++)
		if (prog[i].code == (BPF_ALU | BPF_MUL | BPF_K))
			prog[i].k = k[m++] | 1;
	return setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT_DATA, &fp,
	    sizeof(fp));
}

/* Join a handle to fanout group id, which fanout_program steers. */
static int
fanout_join(pcap_t *p, unsigned id)
{
	int	arg = (int)(id | (unsigned)PACKET_FANOUT_CBPF << 16);

	return setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT, &arg,
	    sizeof(arg));
}

static void
discard_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *p)
{
	(void)h;
	(void)p;
	(*(uint64_t *)(void *)arg)++;
}

/*
 * What a handle holds from before its group was whole: the loop's, all
 * since its interface was opened; a reader's, all until it joined, then
 * a share by fewer members.
 * Read, flows would start on one thread and go on on another. Bounded
 * by *budget, shared by every handle: a flood cannot hold the start.
 */
#define DISCARD_MAX	(1u << 20)	/* packets, all handles together */
static uint64_t
fanout_discard(pcap_t *p, uint64_t *budget)
{
	uint64_t	n = 0, before;

	do {
		before = n;
		if (pcap_dispatch(p, -1, discard_packet, (u_char *)&n) < 0)
			break;
	} while (n > before && n < *budget);
	*budget -= n < *budget ? n : *budget;
	return n;
}

/*
 * Live capture split among n readers by the kernel: every interface's
 * handle joins a PACKET_FANOUT group steered by fanout_program, and
 * n - 1 more handles are opened into it, reader k's for worker thread
 * k (capture_reader_*). The loop keeps its own handle and share.
 */
int
capture_fanout(struct capture *c, unsigned n, char *err, size_t errlen)
{
	unsigned	id, k;
	uint32_t	key[2];
	uint64_t	budget = DISCARD_MAX;
	int		i, dlt, tries;

	if (n < 2 || c->nlive == 0)
		return 0;
	/*
	 * One key for every interface's program: an address pair seen on
	 * two (a tap of each direction, one link and its mirror) reaches the
	 * same worker on both, whose own tables count the pair's thresholds
	 * (rules_split_thresholds).
	 */
	if (getrandom(key, sizeof(key), 0) != sizeof(key)) {
		snprintf(err, errlen, "cannot split the capture among "
		    "workers: no random key: %s", strerror(errno));
		return -1;
	}
	if (n - 1 > READERS_MAX) {
		snprintf(err, errlen, "at most %d capture readers",
		    READERS_MAX + 1);
		return -1;
	}
	for (i = 0; i < c->n; i++) {
		struct capture_src *s = &c->src[i];

		/* A group id no other process uses on this interface. */
		for (tries = 0; tries < 16; tries++) {
			id = ((unsigned)getpid() + (unsigned)i * 7919 +
			    (unsigned)tries * 104729) & 0xffff;
			if (fanout_join(s->pcap, id) == 0)
				break;
		}
		if (tries == 16 || fanout_program(s->pcap, n, key) != 0) {
			snprintf(err, errlen, "%s: cannot split the capture "
			    "among workers (PACKET_FANOUT): %s", s->ifc.name,
			    strerror(errno));
			return -1;
		}
		for (k = 0; k < n - 1; k++) {
			pcap_t *p = live_open(&s->cc, &dlt, err, errlen);

			if (p == NULL)
				return -1;
			s->reader[k] = p;
			s->nreaders = (int)k + 1;
			if (fanout_join(p, id) != 0) {
				snprintf(err, errlen, "%s: cannot join the "
				    "capture's fanout group: %s", s->ifc.name,
				    strerror(errno));
				return -1;
			}
		}
	}
	/* Every group whole: the split starts from here. */
	for (i = 0; i < c->n; i++) {
		struct capture_src *s = &c->src[i];
		uint64_t	dropped = fanout_discard(s->pcap, &budget);

		for (k = 0; k < (unsigned)s->nreaders; k++)
			dropped += fanout_discard(s->reader[k], &budget);
		s->ifc.let_go_at_start = dropped;
		if (dropped > 0)
			log_info("%s: %llu packets captured before the capture "
			    "was split among the workers let go", s->ifc.name,
			    (unsigned long long)dropped);
	}
	return 0;
}

/* Reader k's descriptor on live interface i, or -1. */
int
capture_reader_fd(const struct capture *c, unsigned k, int i)
{
	if (i < 0 || i >= c->n || (int)k >= c->src[i].nreaders)
		return -1;
	return pcap_get_selectable_fd(c->src[i].reader[k]);
}

/*
 * Whether live handles have packets waiting, by a poll that does not
 * wait: the loop's own (reader -1) or worker thread k's (capture_fanout).
 */
int
capture_pending(const struct capture *c, int reader)
{
	struct pollfd	pfd[IFACE_MAX];
	int		i, n = 0;

	for (i = 0; i < c->n; i++) {
		const struct capture_src *s = &c->src[i];
		pcap_t	*p = reader < 0 ? s->pcap :
			    reader < s->nreaders ? s->reader[reader] : NULL;

		if (s->ifc.offline || p == NULL ||
		    (pfd[n].fd = pcap_get_selectable_fd(p)) < 0)
			continue;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	if (n == 0 || poll(pfd, (nfds_t)n, 0) <= 0)
		return 0;
	for (i = 0; i < n; i++)
		if (pfd[i].revents & POLLIN)
			return 1;
	return 0;
}

struct reader_arg {
	struct capture_src	*s;
	unsigned		 k;
	capture_pkt_cb		 cb;
	void			*arg;
};

static void
reader_handler(u_char *arg, const struct pcap_pkthdr *h, const u_char *p)
{
	struct reader_arg	*ra = (struct reader_arg *)(void *)arg;
	uint64_t		 ts;

	ts = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
	/* Only this reader's thread writes it: no locked add a packet. */
	__atomic_store_n(&ra->s->reader_pkts[ra->k], __atomic_load_n(
	    &ra->s->reader_pkts[ra->k], __ATOMIC_RELAXED) + 1,
	    __ATOMIC_RELAXED);
	ra->cb(&ra->s->ifc, ts, p, h->caplen, h->len, ra->arg);
}

/*
 * Worker thread k: read one batch of its handle on interface i into cb.
 * The number read, or -1 on an error (the interface went down).
 */
int
capture_reader_read(struct capture *c, unsigned k, int i, capture_pkt_cb cb,
    void *arg)
{
	struct reader_arg	ra;
	int			n;

	if (i < 0 || i >= c->n || (int)k >= c->src[i].nreaders)
		return -1;
	ra.s = &c->src[i];
	ra.k = k;
	ra.cb = cb;
	ra.arg = arg;
	n = pcap_dispatch(c->src[i].reader[k], CAPTURE_BATCH, reader_handler,
	    (u_char *)&ra);
	return n < 0 ? -1 : n;
}

/* Packets to cb from now on (workers.c takes them over at start). */
void
capture_set_pkt_cb(struct capture *c, capture_pkt_cb cb)
{
	c->pkt_cb = cb;
}

/* Called after each batch, so what a batch produced goes out together. */
void
capture_set_batch_cb(struct capture *c, capture_batch_cb cb)
{
	c->batch_cb = cb;
}

/* Read one batch from a live interface. */
static void
capture_live_cb(evutil_socket_t fd, short what, void *arg)
{
	struct capture_src	*s = arg;
	int			 n;

	(void)fd;
	(void)what;
	n = pcap_dispatch(s->pcap, CAPTURE_BATCH, capture_handler,
	    (u_char *)s);
	if (s->cap->batch_cb != NULL)
		s->cap->batch_cb(s->cap->arg, n == CAPTURE_BATCH);
	if (n == PCAP_ERROR) {
		/* Taken down or gone: capture_check_links resumes it. */
		log_warnx("%s: capture error: %s; capture paused until the "
		    "interface is up", s->ifc.name, pcap_geterr(s->pcap));
		event_del(s->ev);
	}
}

/* The kernel's view of an interface: CAPTURE_LINK_*. */
int
capture_link_state(const struct iface *ifc)
{
	struct ifreq	ifr;
	int		fd, st = CAPTURE_LINK_MISSING;

	if (ifc->offline)
		return CAPTURE_LINK_OFFLINE;
	if (strlen(ifc->name) >= sizeof(ifr.ifr_name) ||
	    (fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return CAPTURE_LINK_UNKNOWN;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifc->name, strlen(ifc->name));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		if (!(ifr.ifr_flags & IFF_UP))
			st = CAPTURE_LINK_DOWN;
		else if (!(ifr.ifr_flags & IFF_RUNNING))
			st = CAPTURE_LINK_NO_CARRIER;
		else
			st = CAPTURE_LINK_UP;
		/* Another interface by that name is not the one captured. */
		if (ifc->ifindex > 0 && (ioctl(fd, SIOCGIFINDEX, &ifr) != 0 ||
		    ifr.ifr_ifindex != ifc->ifindex))
			st = CAPTURE_LINK_MISSING;
	}
	close(fd);
	return st;
}

const char *
capture_link_name(int st)
{
	static const char *const names[] = { "unknown", "up", "no-carrier",
	    "down", "missing", "offline" };

	return st >= 0 && st < (int)(sizeof(names) / sizeof(names[0])) ?
	    names[st] : "unknown";
}

/*
 * Once a second: say when a live interface goes down or comes back.
 * The packet socket stays bound through a down/up (the kernel re-hooks
 * it), so capture resumes by itself; a read event dropped after a
 * capture error is added again here. An interface deleted, or deleted
 * and made again (another index), is missing for good: the socket was
 * bound to the old one, and the daemon no longer holds the privileges
 * to open another.
 */
void
capture_check_links(struct capture *c)
{
	int	i, st, merge_due = ++c->merge_ticks % MERGE_EVERY == 0;

	for (i = 0; !c->stopped && i < c->n; i++) {
		struct capture_src *s = &c->src[i];

		if (s->ifc.offline || s->pcap == NULL)
			continue;
		st = capture_link_state(&s->ifc);
		/* Asked of the interface captured (up: its index is the
		 * one captured), while it is up. */
		if (st == CAPTURE_LINK_UP && !s->replaced &&
		    (merge_due || st != s->link))
			merge_check(s);
		/* Missing, then made again: the same state, news to tell. */
		if (st == CAPTURE_LINK_MISSING && !s->replaced &&
		    if_nametoindex(s->ifc.name) != 0) {
			s->replaced = 1;
			log_warnx("%s: interface replaced (index %u, captured "
			    "%d): capture stopped; restart canhgacd to capture "
			    "on the new one", s->ifc.name,
			    if_nametoindex(s->ifc.name), s->ifc.ifindex);
			s->link = st;
			continue;
		}
		if (st == s->link)
			continue;
		if (st == CAPTURE_LINK_UP && s->link != CAPTURE_LINK_UNKNOWN) {
			log_warnx("%s: interface is up again; capture "
			    "resumed", s->ifc.name);
			if (s->ev != NULL && !event_pending(s->ev, EV_READ,
			    NULL) && event_add(s->ev, NULL) != 0)
				log_warnx("%s: cannot resume capture",
				    s->ifc.name);
		} else if (st == CAPTURE_LINK_MISSING)
			/* Its socket went with it: nothing to resume. */
			log_warnx("%s: interface is missing; capture stopped; "
			    "restart canhgacd once it is back", s->ifc.name);
		else if (st != CAPTURE_LINK_UP)
			log_warnx("%s: interface is %s; capture paused until "
			    "it is up", s->ifc.name, capture_link_name(st));
		s->link = st;
	}
}

/* A batch of a file read in place (pcapfile.c), as pcap_dispatch
 * reads one: how many packets, 0 at the end, or PCAP_ERROR. */
static int
capture_file_batch(struct capture_src *s)
{
	struct pcap_pkthdr	 h;
	const u_char		*p;
	int			 n, rc;

	for (n = 0; n < CAPTURE_BATCH; n++) {
		if ((rc = pcapfile_next(s->pf, &h, &p)) <= 0)
			return rc < 0 ? PCAP_ERROR : n;
		capture_handler((u_char *)s, &h, p);
	}
	return n;
}

/*
 * Read one batch of the current file, then yield to the loop; move on
 * to the next file at the end of one, and report when all are read.
 */
static void
capture_file_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct timeval zero = { 0, 0 };
	struct capture		*c = arg;
	struct capture_src	*s;
	int			 n;

	(void)fd;
	(void)what;
	if (c->stopped)
		return;
	if (c->cur >= c->n) {
		if (c->done_cb)
			c->done_cb(c->arg);
		return;
	}
	s = &c->src[c->cur];
	n = s->pf != NULL ? capture_file_batch(s) : pcap_dispatch(s->pcap,
	    CAPTURE_BATCH, capture_handler, (u_char *)s);
	if (c->batch_cb != NULL)
		c->batch_cb(c->arg, n == CAPTURE_BATCH);
	if (n == PCAP_ERROR)
		log_warnx("%s: read error: %s; rest of file skipped",
		    s->ifc.name, s->pf != NULL ? pcapfile_error(s->pf) :
		    pcap_geterr(s->pcap));
	if (n == 0 || n == PCAP_ERROR || n == PCAP_ERROR_BREAK) {
		pcapfile_close(s->pf);
		s->pf = NULL;
		pcap_close(s->pcap);
		s->pcap = NULL;
		free(s->fbuf);
		s->fbuf = NULL;
		c->cur++;
	}
	/*
	 * Yield through a zero timeout, not event_active: libevent runs an
	 * event activated from its own callback in the same pass over the
	 * active queue, without polling, so a whole replay ran as one
	 * callback and signals (SIGTERM, SIGHUP), the tick and a reload's
	 * "built" pipe waited for its end. A timeout is run after the next
	 * poll (one epoll_wait of no wait a batch).
	 */
	if (event_add(c->file_ev, &zero) != 0)
		event_active(c->file_ev, EV_TIMEOUT, 0);
}

int
capture_start(struct capture *c)
{
	int	i;

	if (c->nlive == 0) {
		c->file_ev = event_new(c->base, -1, 0, capture_file_cb, c);
		if (c->file_ev == NULL)
			return -1;
		event_active(c->file_ev, EV_TIMEOUT, 0);
		return 0;
	}
	for (i = 0; i < c->n; i++) {
		struct capture_src *s = &c->src[i];

		s->ev = event_new(c->base, pcap_get_selectable_fd(s->pcap),
		    EV_READ | EV_PERSIST, capture_live_cb, s);
		if (s->ev == NULL || event_add(s->ev, NULL) != 0)
			return -1;
	}
	return 0;
}

void
capture_stop(struct capture *c)
{
	int	i;

	c->stopped = 1;
	capture_stats_update(c);
	for (i = 0; i < c->n; i++) {
		if (c->src[i].ev != NULL) {
			event_free(c->src[i].ev);
			c->src[i].ev = NULL;
		}
	}
	if (c->file_ev != NULL) {
		event_free(c->file_ev);
		c->file_ev = NULL;
	}
}

/* Refresh the kernel's received/dropped counters of live interfaces. */
void
capture_stats_update(struct capture *c)
{
	struct pcap_stat	ps;
	int			i;

	for (i = 0; i < c->n; i++) {
		struct capture_src *s = &c->src[i];

		int k;

		s->ifc.pkts = s->own_pkts;
		for (k = 0; k < s->nreaders; k++)
			s->ifc.pkts += __atomic_load_n(&s->reader_pkts[k],
			    __ATOMIC_RELAXED);
		if (s->ifc.offline || s->pcap == NULL)
			continue;
		if (pcap_stats(s->pcap, &ps) == 0) {
			s->ifc.ps_recv = ps.ps_recv;
			s->ifc.ps_drop = ps.ps_drop;
			s->ifc.ps_ifdrop = ps.ps_ifdrop;
		}
		/* Each fanout socket counts its own share. */
		for (k = 0; k < s->nreaders; k++)
			if (pcap_stats(s->reader[k], &ps) == 0) {
				s->ifc.ps_recv += ps.ps_recv;
				s->ifc.ps_drop += ps.ps_drop;
				s->ifc.ps_ifdrop += ps.ps_ifdrop;
			}
	}
}

/* Whether an offline source is a pipe (reading it can block). */
int
capture_streaming(const struct capture *c)
{
	int	i;

	for (i = 0; i < c->n; i++)
		if (c->src[i].ifc.offline && c->src[i].stream)
			return 1;
	return 0;
}

int
capture_count(const struct capture *c)
{
	return c->n;
}

void
capture_file_hold(struct capture *c, pcapfile_hold_fn fn, void *arg)
{
	int	i;

	for (i = 0; i < c->n; i++)
		if (c->src[i].pf != NULL)
			pcapfile_set_hold(c->src[i].pf, fn, arg);
}

int
capture_file_chunk(const struct capture *c)
{
	if (c->nlive != 0 || c->cur >= c->n || c->src[c->cur].pf == NULL)
		return -1;
	return (int)pcapfile_chunk(c->src[c->cur].pf);
}

const struct iface *
capture_iface(const struct capture *c, int i)
{
	if (i < 0 || i >= c->n)
		return NULL;
	return &c->src[i].ifc;
}

void
capture_free(struct capture *c)
{
	int	i;

	if (c == NULL)
		return;
	capture_stop(c);
	for (i = 0; i < c->n; i++) {
		int k;

		if (c->src[i].pcap != NULL)
			pcap_close(c->src[i].pcap);
		for (k = 0; k < c->src[i].nreaders; k++)
			pcap_close(c->src[i].reader[k]);
		free(c->src[i].bpf);
		free(c->src[i].fbuf);
		pcapfile_close(c->src[i].pf);
	}
	free(c);
}
