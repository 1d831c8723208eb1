/*
 * pcapgen: fast, deterministic synthetic captures for tests and benchmarks.
 *
 *   pcapgen KIND -n COUNT -o FILE [--seed N] [--pps N] [--flows N]
 *
 * KIND is one of
 *   flows   COUNT TCP SYNs, each a new flow from a distinct source address
 *           (and random source port) to a few servers: fills a flow table.
 *   mixed   about COUNT packets of interleaved sessions: TCP with handshake,
 *           payload both ways and FIN close; TLS ClientHello/ServerHello;
 *           DNS over UDP; HTTP GET and 200 replies; SSH banners; port scans
 *           answered by RSTs; an SSH brute-force pattern.
 *   gateway the mixed engine with a busy provincial gateway's mix (bench/
 *           README.md "gateway"): mostly DNS, pings, HTTP kept alive over
 *           one to three transactions behind varied Server headers, TLS,
 *           SSH; names under .io and on bench/gateway's indicator lists.
 *   small   COUNT minimum-size frames (60 bytes captured, 64 on the wire
 *           with the FCS) over --flows UDP and TCP flows.
 *
 * The file is classic pcap (Ethernet, microsecond timestamps) written by
 * hand, so the tool needs no libpcap. All randomness comes from one
 * splitmix64 stream seeded by --seed, so a kind, count and seed always give
 * the same bytes. Packet time starts at 2025-01-01T03:00:00Z and advances
 * by a jittered gap of 1/pps, so flow timeouts behave as in real traffic.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EPOCH_START	1735700400ULL	/* 2025-01-01T03:00:00Z */
#define OUTBUF_SIZE	(8U << 20)
#define FRAME_MAX	1514
#define MSS		1460
#define ETH_MIN		60		/* shortest frame, without the FCS */

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10

struct gen {
	FILE		*fp;
	const char	*path;
	uint8_t		*out;
	size_t		 outlen;
	uint64_t	 rng;
	uint64_t	 ts_ns;		/* packet time, ns since EPOCH_START */
	uint64_t	 gap_ns;	/* mean gap between packets */
	uint64_t	 packets, bytes, flows;
	/* gateway: what its event records and rules will see */
	uint64_t	 dns_msgs, http_tx, tls_hellos, ssh_banners;
	uint64_t	 icmp_echo;
	uint16_t	 ipid;
	uint8_t		 frame[FRAME_MAX + 64];
};

struct ep {
	uint32_t	ip;		/* host order */
	uint16_t	port;
};

static void die(const char *, ...)
    __attribute__((__format__(__printf__, 1, 2), __noreturn__));

static void
die(const char *fmt, ...)
{
	va_list	ap;

	fputs("pcapgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* splitmix64: tiny, fast, and good enough for test traffic. */
static uint64_t
rnd(struct gen *g)
{
	uint64_t	z = (g->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) without a division (Lemire's multiply-shift). */
static uint32_t
rnd_below(struct gen *g, uint32_t n)
{
	return (uint32_t)(((rnd(g) >> 32) * (uint64_t)n) >> 32);
}

static uint32_t
rnd_range(struct gen *g, uint32_t lo, uint32_t hi)
{
	return lo + rnd_below(g, hi - lo + 1);
}

static void
rnd_fill(struct gen *g, uint8_t *p, size_t len)
{
	uint64_t	v = 0;
	size_t		i;

	for (i = 0; i < len; i++) {
		if ((i & 7) == 0)
			v = rnd(g);
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Little-endian, for the pcap headers (we write them little-endian). */
static void
putle32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
out_flush(struct gen *g)
{
	if (g->outlen > 0 && fwrite(g->out, 1, g->outlen, g->fp) != g->outlen)
		die("%s: write: %s", g->path, strerror(errno));
	g->outlen = 0;
}

static void
out_open(struct gen *g, const char *path)
{
	uint8_t	hdr[24];

	g->path = path;
	if ((g->fp = fopen(path, "wb")) == NULL)
		die("%s: %s", path, strerror(errno));
	if ((g->out = malloc(OUTBUF_SIZE)) == NULL)
		die("out of memory");
	putle32(hdr, 0xa1b2c3d4);		/* microsecond timestamps */
	hdr[4] = 2; hdr[5] = 0;			/* version 2.4 */
	hdr[6] = 4; hdr[7] = 0;
	putle32(hdr + 8, 0);			/* thiszone */
	putle32(hdr + 12, 0);			/* sigfigs */
	putle32(hdr + 16, 65535);		/* snaplen */
	putle32(hdr + 20, 1);			/* LINKTYPE_ETHERNET */
	memcpy(g->out, hdr, sizeof(hdr));
	g->outlen = sizeof(hdr);
}

static void
out_close(struct gen *g)
{
	out_flush(g);
	if (fclose(g->fp) != 0)
		die("%s: close: %s", g->path, strerror(errno));
	free(g->out);
	g->out = NULL;
}

/* Append one record; packet time moves on by a jittered gap first. */
static void
out_frame(struct gen *g, const uint8_t *f, size_t len)
{
	uint64_t	usec;

	if (len > FRAME_MAX)
		die("internal: frame of %zu bytes", len);
	if (g->outlen + 16 + len > OUTBUF_SIZE)
		out_flush(g);
	g->ts_ns += g->gap_ns > 1 ? rnd_below(g, (uint32_t)(2 * g->gap_ns)) :
	    g->gap_ns;
	usec = g->ts_ns / 1000;
	putle32(g->out + g->outlen,
	    (uint32_t)(EPOCH_START + usec / 1000000));
	putle32(g->out + g->outlen + 4, (uint32_t)(usec % 1000000));
	putle32(g->out + g->outlen + 8, (uint32_t)len);
	putle32(g->out + g->outlen + 12, (uint32_t)len);
	memcpy(g->out + g->outlen + 16, f, len);
	g->outlen += 16 + len;
	g->packets++;
	g->bytes += len;
}

/* Ethernet and IPv4 headers for an L4 payload of l4len bytes at frame+34. */
static size_t
build_ip(struct gen *g, uint8_t proto, uint32_t src, uint32_t dst,
    size_t l4len)
{
	uint8_t	*f = g->frame, *ip = f + 14;
	size_t	 len = 34 + l4len;

	/* Locally administered MACs that carry the IPv4 address. */
	f[0] = 0x02; f[1] = 0x00; put32(f + 2, dst);
	f[6] = 0x02; f[7] = 0x00; put32(f + 8, src);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 4, g->ipid++);
	put16(ip + 6, proto == 6 ? 0x4000 : 0);	/* DF on TCP */
	ip[8] = (src >> 24) == 10 ? 64 : 52;	/* outsiders are hops away */
	ip[9] = proto;
	put16(ip + 10, 0);
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	if (len < ETH_MIN) {
		memset(f + len, 0, ETH_MIN - len);
		len = ETH_MIN;
	}
	return len;
}

static uint32_t
pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, size_t l4len)
{
	uint8_t	ph[12];

	put32(ph, src);
	put32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = proto;
	put16(ph + 10, (uint16_t)l4len);
	return csum_add(0, ph, sizeof(ph));
}

/* One TCP segment; a SYN carries MSS, window scale and SACK-permitted. */
static void
emit_tcp(struct gen *g, const struct ep *src, const struct ep *dst,
    uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *pl,
    size_t plen, int synopts)
{
	static const uint8_t	opts[12] = {
		0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x07,
		0x04, 0x02, 0x01, 0x01
	};
	uint8_t			*t = g->frame + 34;
	size_t			 hl = 20, len;

	if ((flags & TH_SYN) && synopts)
		hl += sizeof(opts);
	if (plen > MSS)
		die("internal: TCP payload of %zu bytes", plen);
	put16(t, src->port);
	put16(t + 2, dst->port);
	put32(t + 4, seq);
	put32(t + 8, (flags & TH_ACK) ? ack : 0);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = flags;
	put16(t + 14, (flags & TH_SYN) ? 64240 : (flags & TH_RST) ? 0 : 501);
	put16(t + 16, 0);
	put16(t + 18, 0);
	if (hl > 20)
		memcpy(t + 20, opts, sizeof(opts));
	if (plen > 0)
		memcpy(t + hl, pl, plen);
	len = build_ip(g, 6, src->ip, dst->ip, hl + plen);
	put16(t + 16, csum_fold(csum_add(pseudo_sum(src->ip, dst->ip, 6,
	    hl + plen), t, hl + plen)));
	out_frame(g, g->frame, len);
}

static void
emit_udp(struct gen *g, const struct ep *src, const struct ep *dst,
    const uint8_t *pl, size_t plen)
{
	uint8_t		*u = g->frame + 34;
	size_t		 len;
	uint16_t	 c;

	if (plen > FRAME_MAX - 42)
		die("internal: UDP payload of %zu bytes", plen);
	put16(u, src->port);
	put16(u + 2, dst->port);
	put16(u + 4, (uint16_t)(8 + plen));
	put16(u + 6, 0);
	if (plen > 0)
		memcpy(u + 8, pl, plen);
	len = build_ip(g, 17, src->ip, dst->ip, 8 + plen);
	c = csum_fold(csum_add(pseudo_sum(src->ip, dst->ip, 17, 8 + plen), u,
	    8 + plen));
	put16(u + 6, c == 0 ? 0xffff : c);	/* 0 means "no checksum" */
	out_frame(g, g->frame, len);
}

/* ICMP echo request (type 8) or reply (type 0) carrying pl. */
static void
emit_icmp_echo(struct gen *g, uint32_t src, uint32_t dst, uint8_t type,
    uint16_t id, uint16_t seq, const uint8_t *pl, size_t plen)
{
	uint8_t		*c = g->frame + 34;
	size_t		 len;

	if (plen > FRAME_MAX - 42)
		die("internal: ICMP payload of %zu bytes", plen);
	c[0] = type;
	c[1] = 0;
	put16(c + 2, 0);
	put16(c + 4, id);
	put16(c + 6, seq);
	if (plen > 0)
		memcpy(c + 8, pl, plen);
	len = build_ip(g, 1, src, dst, 8 + plen);
	put16(c + 2, csum_fold(csum_add(0, c, 8 + plen)));
	out_frame(g, g->frame, len);
}

static uint32_t
ipv4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

/* FNV-1a, to give each name a stable address. */
static uint32_t
name_hash(const char *s)
{
	uint32_t	h = 2166136261U;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619U;
	return h;
}

/* A bijection on 32 bits (each step is invertible), keyed by the seed. */
static uint32_t
perm32(uint32_t x, uint32_t key)
{
	x ^= key;
	x ^= x >> 16;
	x *= 0x7feb352dU;
	x ^= x >> 15;
	x *= 0x846ca68bU;
	x ^= x >> 16;
	return x;
}

/* Unicast and routable-looking: skip 0/8, 10/8, 127/8, 224/3 and friends. */
static int
plausible_source(uint32_t ip)
{
	unsigned	a = ip >> 24;

	return a != 0 && a != 10 && a != 127 && a < 224 &&
	    (ip & 0xff) != 0 && (ip & 0xff) != 255 &&
	    (ip >> 16) != ipv4(192, 168, 0, 0) >> 16 &&
	    (ip >> 20) != ipv4(172, 16, 0, 0) >> 20;
}

/*
 * flows: one SYN per flow. Source addresses are a keyed permutation of a
 * counter, so they are distinct without a set to remember them in.
 */
static void
gen_flows(struct gen *g, uint64_t n)
{
	static const struct ep	servers[] = {
		{ 0xc6336410, 443 },	/* 198.51.100.16 */
		{ 0xc6336411, 80 },
		{ 0xc6336412, 22 },
		{ 0xc6336413, 8443 },
	};
	uint32_t		key = (uint32_t)rnd(g), ctr = 0;
	uint64_t		i;

	if (n > 3000000000ULL)
		die("flows: at most 3000000000 distinct sources");
	for (i = 0; i < n; i++) {
		struct ep	src;

		do
			src.ip = perm32(ctr++, key);
		while (!plausible_source(src.ip));
		src.port = (uint16_t)rnd_range(g, 1024, 65535);
		emit_tcp(g, &src, &servers[i % 4], (uint32_t)rnd(g), 0,
		    TH_SYN, NULL, 0, 1);
		g->flows++;
	}
}

/* small: minimum-size frames, a TCP flow starts with a handshake. */
struct small_flow {
	struct ep	c, s;
	uint32_t	seq[2];
	uint8_t		tcp;
	uint8_t		phase;		/* 0 SYN, 1 SYN/ACK, 2 ACK, 3 data */
};

static void
gen_small(struct gen *g, uint64_t n, uint32_t nflows)
{
	struct small_flow	*fl;
	uint8_t			 pl[18];
	uint64_t		 i;
	uint32_t		 k;

	if (nflows == 0)
		die("small: --flows must be at least 1");
	if ((fl = calloc(nflows, sizeof(*fl))) == NULL)
		die("out of memory");
	for (k = 0; k < nflows; k++) {
		fl[k].c.ip = ipv4(10, 30, 0, 0) | (k & 0xffff);
		fl[k].c.port = (uint16_t)(20000 + (k >> 16));	/* distinct */
		fl[k].s.ip = ipv4(172, 16, 0, 1 + rnd_below(g, 250));
		fl[k].tcp = rnd_below(g, 2);
		fl[k].s.port = 5201;	/* no dissector guesses at it */
		fl[k].seq[0] = (uint32_t)rnd(g);
		fl[k].seq[1] = (uint32_t)rnd(g);
	}
	g->flows = nflows;
	for (i = 0; i < n; i++) {
		struct small_flow	*f = &fl[rnd_below(g, nflows)];
		int			 d = (int)rnd_below(g, 2);
		const struct ep		*src = d ? &f->s : &f->c;
		const struct ep		*dst = d ? &f->c : &f->s;

		rnd_fill(g, pl, sizeof(pl));
		if (!f->tcp) {
			emit_udp(g, src, dst, pl, 18);	/* 42 + 18 = 60 */
			continue;
		}
		switch (f->phase) {
		case 0:
			emit_tcp(g, &f->c, &f->s, f->seq[0]++, 0, TH_SYN,
			    NULL, 0, 0);
			break;
		case 1:
			emit_tcp(g, &f->s, &f->c, f->seq[1]++, f->seq[0],
			    TH_SYN | TH_ACK, NULL, 0, 0);
			break;
		case 2:
			emit_tcp(g, &f->c, &f->s, f->seq[0], f->seq[1],
			    TH_ACK, NULL, 0, 0);
			break;
		default:
			emit_tcp(g, src, dst, f->seq[d], f->seq[!d],
			    TH_ACK | TH_PSH, pl, 6, 0);	/* 54 + 6 = 60 */
			f->seq[d] += 6;
			break;
		}
		if (f->phase < 3)
			f->phase++;
	}
	free(fl);
}

/*
 * mixed: a fixed number of concurrent sessions; each packet comes from a
 * random one of them, and a finished session is replaced by a new one.
 * A session is a script of messages (direction and bytes); a small TCP
 * engine turns it into handshake, MSS-sized segments, ACKs and FIN close.
 */
#define NSESS		48
#define MSG_MAX		32
#define SDATA_MAX	(128U << 10)	/* gateway: four 28 KB TLS replies */
#define SCAN_PORTS_MAX	1024

enum skind { SK_TCP, SK_UDP, SK_SCAN, SK_ICMP };
enum sphase { PH_SYN, PH_SYNACK, PH_ACK, PH_DATA, PH_PUREACK, PH_FIN1,
	PH_FIN2, PH_FIN3, PH_DONE };

struct msg {
	uint8_t		dir;		/* 0: client to server */
	uint32_t	off, len;
};

struct sess {
	enum skind	 kind;
	enum sphase	 phase;
	struct ep	 c, s;
	uint32_t	 seq[2];	/* next sequence number per direction */
	int		 nmsg, cur;
	uint32_t	 moff;		/* bytes of msg[cur] already sent */
	int		 unacked;	/* full segments since the peer's ACK */
	int		 ackdir;	/* who sends the pending pure ACK */
	int		 synopts;
	struct msg	 msg[MSG_MAX];
	uint8_t		*data;
	size_t		 dlen;
	int		 open;		/* scan: open port being answered */
	uint16_t	 ports[SCAN_PORTS_MAX];
	int		 nports;
};

/* Bounded writer for building protocol messages. */
struct wbuf {
	uint8_t		*p;
	size_t		 len, cap;
};

static void
w_bytes(struct wbuf *w, const void *v, size_t n)
{
	if (n > w->cap - w->len)
		die("internal: message buffer full (%zu + %zu)", w->len, n);
	memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void
w_u8(struct wbuf *w, unsigned v)
{
	uint8_t	b = (uint8_t)v;

	w_bytes(w, &b, 1);
}

static void
w_u16(struct wbuf *w, unsigned v)
{
	uint8_t	b[2];

	put16(b, (uint16_t)v);
	w_bytes(w, b, 2);
}

static void
w_u32(struct wbuf *w, uint32_t v)
{
	uint8_t	b[4];

	put32(b, v);
	w_bytes(w, b, 4);
}

static void
w_str(struct wbuf *w, const char *s)
{
	w_bytes(w, s, strlen(s));
}

static void
w_rand(struct wbuf *w, struct gen *g, size_t n)
{
	if (n > w->cap - w->len)
		die("internal: message buffer full (%zu + %zu)", w->len, n);
	rnd_fill(g, w->p + w->len, n);
	w->len += n;
}

/* Reserve a length field of size bytes; patch it with w_patch later. */
static size_t
w_mark(struct wbuf *w, int size)
{
	size_t	at = w->len;

	while (size-- > 0)
		w_u8(w, 0);
	return at;
}

static void
w_patch(struct wbuf *w, size_t at, int size)
{
	size_t	v = w->len - at - (size_t)size;

	if (size == 3) {
		if (v > 0xffffff)
			die("internal: length overflow");
		w->p[at] = (uint8_t)(v >> 16);
		put16(w->p + at + 1, (uint16_t)v);
	} else {
		if (v > 0xffff)
			die("internal: length overflow");
		put16(w->p + at, (uint16_t)v);
	}
}

/* Start a message of the session script; its bytes follow in s->data. */
static struct wbuf
msg_begin(struct sess *s, int dir)
{
	struct wbuf	w;

	if (s->nmsg >= MSG_MAX)
		die("internal: too many messages in a session");
	s->msg[s->nmsg].dir = (uint8_t)dir;
	s->msg[s->nmsg].off = (uint32_t)s->dlen;
	w.p = s->data + s->dlen;
	w.len = 0;
	w.cap = SDATA_MAX - s->dlen;
	return w;
}

static void
msg_end(struct sess *s, const struct wbuf *w)
{
	if (w->len == 0)
		return;
	s->msg[s->nmsg].len = (uint32_t)w->len;
	s->dlen += w->len;
	s->nmsg++;
}

static const char *const names[] = {
	"cong.lgs.gov.vn", "dichvucong.gov.vn", "api.dancu.gov.vn",
	"mail.lgs.gov.vn", "example.com", "www.google.com",
	"update.microsoft.com", "vnexpress.net", "zalo.me", "github.com",
	"ocsp.digicert.com", "cdn.jsdelivr.net", "thuvienphapluat.vn",
	"login.microsoftonline.com",
};
#define NNAMES	(sizeof(names) / sizeof(names[0]))

static const char *const agents[] = {
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
	"Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 "
	    "Firefox/121.0",
	"curl/7.88.1",
	"Microsoft-CryptoAPI/10.0",
	"python-requests/2.31.0",
};
#define NAGENTS	(sizeof(agents) / sizeof(agents[0]))

static const char *const paths[] = {
	"/", "/index.html", "/api/v1/status", "/tra-cuu/ho-so?id=1024",
	"/static/app.js", "/favicon.ico", "/dang-nhap",
};
#define NPATHS	(sizeof(paths) / sizeof(paths[0]))

/*
 * gateway: a provincial gateway's names, repeated to weight them: most
 * are the usual ones, about one in eight is under .io and one in
 * twenty-five is on the indicator list (bench/gateway/ioc-domains.txt,
 * hosted in 198.51.100.0/24, which bench/gateway/ioc-ips.txt lists).
 */
static const char *const gw_names[] = {
	"cong.lgs.gov.vn", "dichvucong.gov.vn", "api.dancu.gov.vn",
	"mail.lgs.gov.vn", "example.com", "www.google.com",
	"update.microsoft.com", "vnexpress.net", "zalo.me", "github.com",
	"ocsp.digicert.com", "cdn.jsdelivr.net", "thuvienphapluat.vn",
	"login.microsoftonline.com", "cong.lgs.gov.vn", "dichvucong.gov.vn",
	"api.dancu.gov.vn", "www.google.com", "zalo.me", "vnexpress.net",
	"cdn.socket.io", "api.segment.io", "status.ably.io",
	"update-check.badcdn.net",
};
#define GW_NNAMES	(sizeof(gw_names) / sizeof(gw_names[0]))
static const char *const gw_ioc_suffix = ".badcdn.net";

static int	gateway;		/* the gateway kind is being generated */

static const char *
pick_name(struct gen *g)
{
	if (gateway)
		return gw_names[rnd_below(g, GW_NNAMES)];
	return names[rnd_below(g, NNAMES)];
}

/* Where a name lives: .gov.vn in the data centre, the rest outside. */
static uint32_t
name_addr(const char *name)
{
	uint32_t	h = name_hash(name);
	size_t		nl = strlen(name), il = strlen(gw_ioc_suffix);

	if (nl > 7 && strcmp(name + nl - 7, ".gov.vn") == 0)
		return ipv4(10, 20, 1, 10 + (h % 40));
	if (nl > il && strcmp(name + nl - il, gw_ioc_suffix) == 0)
		return ipv4(198, 51, 100, 1 + h % 250);
	return ipv4(203, (h >> 16) & 0x3f, (h >> 8) & 0xff, 1 + h % 250);
}

static uint32_t
client_addr(struct gen *g)
{
	return ipv4(10, 20, 16 + rnd_below(g, 16), 1 + rnd_below(g, 254));
}

/*
 * Ephemeral ports count up per client address (from a random start), so
 * a 5-tuple is never reused and every session is exactly one flow, as
 * tshark's conversation table will count it.
 */
static uint16_t	eph_next[65536];	/* by the address's low 16 bits */

static uint16_t
eph_port(struct gen *g, uint32_t ip)
{
	uint16_t	*p = &eph_next[ip & 0xffff];

	if (*p < 32768 || *p > 60999)
		*p = (uint16_t)rnd_range(g, 32768, 60999);
	else
		*p = *p == 60999 ? 32768 : (uint16_t)(*p + 1);
	return *p;
}

/* TLS records of random "encrypted" bytes, each at most 16 KiB. */
static void
tls_appdata(struct wbuf *w, struct gen *g, size_t total)
{
	while (total > 0) {
		size_t	n = total > 16384 ? 16384 : total;

		w_u8(w, 0x17);
		w_u16(w, 0x0303);
		w_u16(w, (unsigned)n + 16);
		w_rand(w, g, n + 16);
		total -= n;
	}
}

/* A ClientHello as a current browser sends it, offering 1.3 and 1.2. */
static void
tls_client_hello(struct wbuf *w, struct gen *g, const char *sni)
{
	static const uint16_t	suites[] = {
		0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
		0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035
	};
	static const uint16_t	sigalgs[] = {
		0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601
	};
	size_t			 rec, hs, l, l2, l3, ext;
	size_t			 i;

	w_u8(w, 0x16);				/* handshake record */
	w_u16(w, 0x0301);
	rec = w_mark(w, 2);
	w_u8(w, 1);				/* client_hello */
	hs = w_mark(w, 3);
	w_u16(w, 0x0303);			/* legacy_version TLS 1.2 */
	w_rand(w, g, 32);
	w_u8(w, 32);
	w_rand(w, g, 32);			/* legacy_session_id */
	w_u16(w, sizeof(suites));
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		w_u16(w, suites[i]);
	w_u8(w, 1);
	w_u8(w, 0);				/* null compression */
	ext = w_mark(w, 2);
	/* server_name */
	w_u16(w, 0);
	l = w_mark(w, 2);
	l2 = w_mark(w, 2);
	w_u8(w, 0);				/* host_name */
	l3 = w_mark(w, 2);
	w_str(w, sni);
	w_patch(w, l3, 2);
	w_patch(w, l2, 2);
	w_patch(w, l, 2);
	/* extended_master_secret, renegotiation_info */
	w_u16(w, 23); w_u16(w, 0);
	w_u16(w, 0xff01); w_u16(w, 1); w_u8(w, 0);
	/* supported_groups: x25519, secp256r1, secp384r1 */
	w_u16(w, 10); w_u16(w, 8); w_u16(w, 6);
	w_u16(w, 0x001d); w_u16(w, 0x0017); w_u16(w, 0x0018);
	/* ec_point_formats: uncompressed */
	w_u16(w, 11); w_u16(w, 2); w_u8(w, 1); w_u8(w, 0);
	/* session_ticket, empty */
	w_u16(w, 35); w_u16(w, 0);
	/* ALPN: h2, http/1.1 */
	w_u16(w, 16);
	l = w_mark(w, 2);
	l2 = w_mark(w, 2);
	w_u8(w, 2); w_str(w, "h2");
	w_u8(w, 8); w_str(w, "http/1.1");
	w_patch(w, l2, 2);
	w_patch(w, l, 2);
	/* signature_algorithms */
	w_u16(w, 13);
	w_u16(w, 2 + sizeof(sigalgs));
	w_u16(w, sizeof(sigalgs));
	for (i = 0; i < sizeof(sigalgs) / sizeof(sigalgs[0]); i++)
		w_u16(w, sigalgs[i]);
	/* key_share: x25519 */
	w_u16(w, 51); w_u16(w, 38); w_u16(w, 36);
	w_u16(w, 0x001d); w_u16(w, 32);
	w_rand(w, g, 32);
	/* psk_key_exchange_modes: psk_dhe_ke */
	w_u16(w, 45); w_u16(w, 2); w_u8(w, 1); w_u8(w, 1);
	/* supported_versions: TLS 1.3, TLS 1.2 */
	w_u16(w, 43); w_u16(w, 5); w_u8(w, 4);
	w_u16(w, 0x0304); w_u16(w, 0x0303);
	w_patch(w, ext, 2);
	w_patch(w, hs, 3);
	w_patch(w, rec, 2);
}

/* ServerHello choosing TLS 1.3, then the change_cipher_spec compat record. */
static void
tls_server_hello(struct wbuf *w, struct gen *g)
{
	size_t	rec, hs, ext;

	w_u8(w, 0x16);
	w_u16(w, 0x0303);
	rec = w_mark(w, 2);
	w_u8(w, 2);				/* server_hello */
	hs = w_mark(w, 3);
	w_u16(w, 0x0303);
	w_rand(w, g, 32);
	w_u8(w, 32);
	w_rand(w, g, 32);
	w_u16(w, 0x1301);			/* TLS_AES_128_GCM_SHA256 */
	w_u8(w, 0);
	ext = w_mark(w, 2);
	w_u16(w, 43); w_u16(w, 2); w_u16(w, 0x0304);
	w_u16(w, 51); w_u16(w, 36); w_u16(w, 0x001d); w_u16(w, 32);
	w_rand(w, g, 32);
	w_patch(w, ext, 2);
	w_patch(w, hs, 3);
	w_patch(w, rec, 2);
	w_u8(w, 0x14); w_u16(w, 0x0303); w_u16(w, 1); w_u8(w, 1);
}

static void
sess_tls(struct gen *g, struct sess *s)
{
	const char	*sni = pick_name(g);
	struct wbuf	 w;
	int		 i, n;

	s->c.ip = client_addr(g);
	s->c.port = eph_port(g, s->c.ip);
	s->s.ip = name_addr(sni);
	s->s.port = 443;
	w = msg_begin(s, 0);
	tls_client_hello(&w, g, sni);
	msg_end(s, &w);
	g->tls_hellos++;
	w = msg_begin(s, 1);
	tls_server_hello(&w, g);
	/* EncryptedExtensions, Certificate, CertificateVerify, Finished. */
	tls_appdata(&w, g, rnd_range(g, 2000, 5000));
	msg_end(s, &w);
	w = msg_begin(s, 0);
	w_u8(&w, 0x14); w_u16(&w, 0x0303); w_u16(&w, 1); w_u8(&w, 1);
	tls_appdata(&w, g, 36);			/* Finished */
	tls_appdata(&w, g, rnd_range(g, 80, 600));
	msg_end(s, &w);
	n = (int)rnd_range(g, 1, 4);
	for (i = 0; i < n; i++) {
		if (i > 0) {
			w = msg_begin(s, 0);
			tls_appdata(&w, g, rnd_range(g, 80, 600));
			msg_end(s, &w);
		}
		w = msg_begin(s, 1);
		/* gateway: the portal's pages and downloads are larger */
		tls_appdata(&w, g, gateway ? rnd_range(g, 2000, 28000) :
		    rnd_range(g, 200, 12000));
		msg_end(s, &w);
	}
}

/* gateway: a few probes among the paths, and old servers among new. */
static const char *const gw_paths[] = {
	"/", "/index.html", "/api/v1/status", "/tra-cuu/ho-so?id=1024",
	"/static/app.js", "/favicon.ico", "/dang-nhap", "/api/v1/ho-so",
	"/tin-tuc/thong-bao", "/static/style.css",
	"/cgi-bin/../../etc/passwd", "/tra-cuu?id=1%27%20OR%20%271%27=%271",
};
#define GW_NPATHS	(sizeof(gw_paths) / sizeof(gw_paths[0]))

static const char *const gw_servers[] = {
	"nginx", "nginx/1.24.0", "Apache/2.4.57 (Debian)", "cloudflare",
	"Microsoft-IIS/10.0", "Apache/2.2.15 (CentOS)", "Microsoft-IIS/7.5",
	"nginx", "nginx/1.22.1", "Apache/2.4.62 (Ubuntu)",
};
#define GW_NSERVERS	(sizeof(gw_servers) / sizeof(gw_servers[0]))

/* HTTP: one GET and reply (mixed), or one to three kept alive (gateway). */
static void
sess_http(struct gen *g, struct sess *s)
{
	const char	*host = pick_name(g);
	struct wbuf	 w;
	char		 hdr[512];
	uint32_t	 body = rnd_range(g, 100, 20000), i;
	int		 n, t, ntx = 1;

	s->c.ip = client_addr(g);
	s->c.port = eph_port(g, s->c.ip);
	s->s.ip = name_addr(host);
	s->s.port = 80;
	if (gateway)
		ntx = (int)rnd_range(g, 1, 3);
	for (t = 0; t < ntx; t++) {
		const char	*conn = t + 1 < ntx ? "keep-alive" : "close";

		if (gateway)	/* a portal's pages: fewer tiny or huge */
			body = rnd_range(g, 800, 10000);
		w = msg_begin(s, 0);
		n = snprintf(hdr, sizeof(hdr), "GET %s HTTP/1.1\r\nHost: %s"
		    "\r\nUser-Agent: %s\r\nAccept: */*\r\nConnection: %s"
		    "\r\n\r\n", gateway ? gw_paths[rnd_below(g, GW_NPATHS)] :
		    paths[rnd_below(g, NPATHS)], host,
		    agents[rnd_below(g, NAGENTS)], conn);
		if (n < 0 || (size_t)n >= sizeof(hdr))
			die("internal: HTTP request too long");
		w_str(&w, hdr);
		msg_end(s, &w);
		w = msg_begin(s, 1);
		n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nServer: %s"
		    "\r\nContent-Type: text/html; charset=utf-8\r\n"
		    "Content-Length: %" PRIu32 "\r\nConnection: %s\r\n\r\n",
		    gateway ? gw_servers[rnd_below(g, GW_NSERVERS)] : "nginx",
		    body, conn);
		if (n < 0 || (size_t)n >= sizeof(hdr))
			die("internal: HTTP reply too long");
		w_str(&w, hdr);
		for (i = 0; i < body; i++)
			w_u8(&w, "<p>Cong thong tin dien tu.</p>\n"[i % 31]);
		msg_end(s, &w);
		g->http_tx++;
	}
}

/* An SSH binary packet of random content, as after key exchange. */
static void
ssh_packet(struct wbuf *w, struct gen *g, size_t len)
{
	w_u32(w, (uint32_t)len);
	w_rand(w, g, len + 16);			/* payload, padding and MAC */
}

/* Unencrypted binary packet: reserve the header, then pad and patch. */
static size_t
ssh_begin(struct wbuf *w)
{
	return w_mark(w, 5);			/* length, padding length */
}

static void
ssh_end(struct wbuf *w, struct gen *g, size_t at)
{
	size_t	plen = w->len - at - 5, pad;

	/* Pad to a multiple of 8, with at least 4 bytes of padding. */
	pad = 8 - (5 + plen) % 8;
	if (pad < 4)
		pad += 8;
	w_rand(w, g, pad);
	put32(w->p + at, (uint32_t)(1 + plen + pad));
	w->p[at + 4] = (uint8_t)pad;
}

static void
ssh_string(struct wbuf *w, struct gen *g, const char *s, size_t randlen)
{
	if (s != NULL) {
		w_u32(w, (uint32_t)strlen(s));
		w_str(w, s);
	} else {
		w_u32(w, (uint32_t)randlen);
		w_rand(w, g, randlen);
	}
}

static void
ssh_namelist(struct wbuf *w, const char *list)
{
	w_u32(w, (uint32_t)strlen(list));
	w_str(w, list);
}

/* SSH_MSG_KEXINIT in an unencrypted binary packet (RFC 4253 7.1). */
static void
ssh_kexinit(struct wbuf *w, struct gen *g)
{
	static const char *const	lists[10] = {
		("curve25519-sha256,curve25519-sha256@libssh.org,"
		    "ecdh-sha2-nistp256,diffie-hellman-group14-sha256"),
		"ssh-ed25519,ecdsa-sha2-nistp256,rsa-sha2-512",
		"chacha20-poly1305@openssh.com,aes128-ctr",
		"chacha20-poly1305@openssh.com,aes128-ctr",
		"hmac-sha2-256-etm@openssh.com,hmac-sha2-256",
		"hmac-sha2-256-etm@openssh.com,hmac-sha2-256",
		"none,zlib@openssh.com", "none,zlib@openssh.com", "", ""
	};
	size_t				at;
	int				i;

	at = ssh_begin(w);
	w_u8(w, 20);				/* SSH_MSG_KEXINIT */
	w_rand(w, g, 16);			/* cookie */
	for (i = 0; i < 10; i++)
		ssh_namelist(w, lists[i]);
	w_u8(w, 0);				/* first_kex_packet_follows */
	w_u32(w, 0);
	ssh_end(w, g, at);
}

/* SSH: banners, key exchange, then a few or many encrypted exchanges. */
static void
sess_ssh_common(struct gen *g, struct sess *s, const char *cbanner,
    int rounds)
{
	struct wbuf	w;
	size_t		at;
	int		i;

	w = msg_begin(s, 1);
	w_str(&w, "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
	msg_end(s, &w);
	g->ssh_banners += 2;
	w = msg_begin(s, 0);
	w_str(&w, cbanner);
	w_str(&w, "\r\n");
	msg_end(s, &w);
	w = msg_begin(s, 0);
	ssh_kexinit(&w, g);
	msg_end(s, &w);
	w = msg_begin(s, 1);
	ssh_kexinit(&w, g);
	msg_end(s, &w);
	w = msg_begin(s, 0);
	at = ssh_begin(&w);
	w_u8(&w, 30);				/* SSH_MSG_KEX_ECDH_INIT */
	ssh_string(&w, g, NULL, 32);
	ssh_end(&w, g, at);
	msg_end(s, &w);
	w = msg_begin(s, 1);
	at = ssh_begin(&w);
	w_u8(&w, 31);				/* SSH_MSG_KEX_ECDH_REPLY */
	w_u32(&w, 51);				/* host key blob */
	ssh_string(&w, g, "ssh-ed25519", 0);
	ssh_string(&w, g, NULL, 32);
	ssh_string(&w, g, NULL, 32);		/* Q_S */
	w_u32(&w, 83);				/* signature blob */
	ssh_string(&w, g, "ssh-ed25519", 0);
	ssh_string(&w, g, NULL, 64);
	ssh_end(&w, g, at);
	at = ssh_begin(&w);
	w_u8(&w, 21);				/* SSH_MSG_NEWKEYS */
	ssh_end(&w, g, at);
	msg_end(s, &w);
	w = msg_begin(s, 0);
	at = ssh_begin(&w);
	w_u8(&w, 21);
	ssh_end(&w, g, at);
	ssh_packet(&w, g, 28);			/* SERVICE_REQUEST, encrypted */
	msg_end(s, &w);
	for (i = 0; i < rounds && s->nmsg + 2 <= MSG_MAX; i++) {
		w = msg_begin(s, 0);
		ssh_packet(&w, g, rnd_range(g, 20, 120));
		msg_end(s, &w);
		w = msg_begin(s, 1);
		ssh_packet(&w, g, rnd_range(g, 20, 600));
		msg_end(s, &w);
	}
}

static void
sess_ssh(struct gen *g, struct sess *s)
{
	s->c.ip = ipv4(10, 20, 3, 1 + rnd_below(g, 14));	/* admins */
	s->c.port = eph_port(g, s->c.ip);
	s->s.ip = ipv4(10, 20, 1, 10 + rnd_below(g, 20));
	s->s.port = 22;
	sess_ssh_common(g, s, "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6",
	    (int)rnd_range(g, 5, 12));
}

/* Brute force: one outsider, many short logins, source ports in order. */
static struct {
	struct ep	src;
	uint32_t	target;
	int		left;
} brute;

static void
sess_brute(struct gen *g, struct sess *s)
{
	if (brute.left <= 0) {
		brute.src.ip = ipv4(45 + rnd_below(g, 150), rnd_below(g, 256),
		    rnd_below(g, 256), 1 + rnd_below(g, 254));
		brute.src.port = (uint16_t)rnd_range(g, 33000, 50000);
		brute.target = ipv4(10, 20, 1, 10 + rnd_below(g, 4));
		brute.left = (int)rnd_range(g, 100, 400);
	}
	brute.left--;
	s->c = brute.src;
	brute.src.port = brute.src.port >= 60999 ? 33000 :
	    (uint16_t)(brute.src.port + 1 + rnd_below(g, 3));
	s->s.ip = brute.target;
	s->s.port = 22;
	sess_ssh_common(g, s, "SSH-2.0-libssh2_1.10.0", 2);
}

/* DNS name in wire format, labels of at most 63 bytes. */
static void
dns_name(struct wbuf *w, const char *name)
{
	const char	*p = name, *dot;

	while (*p) {
		size_t	n;

		dot = strchr(p, '.');
		n = dot ? (size_t)(dot - p) : strlen(p);
		if (n == 0 || n > 63)
			die("internal: bad DNS label in %s", name);
		w_u8(w, (unsigned)n);
		w_bytes(w, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	w_u8(w, 0);
}

static void
sess_dns(struct gen *g, struct sess *s)
{
	const char	*name = pick_name(g);
	uint16_t	 id = (uint16_t)rnd(g);
	int		 aaaa = rnd_below(g, 4) == 0;
	uint32_t	 addr = name_addr(name);
	struct wbuf	 w;
	size_t		 q;

	s->kind = SK_UDP;
	s->c.ip = client_addr(g);
	s->c.port = eph_port(g, s->c.ip);
	s->s.ip = rnd_below(g, 8) ? ipv4(10, 20, 0, 53) : ipv4(8, 8, 8, 8);
	s->s.port = 53;
	w = msg_begin(s, 0);
	w_u16(&w, id); w_u16(&w, 0x0100);	/* standard query, RD */
	w_u16(&w, 1); w_u16(&w, 0); w_u16(&w, 0); w_u16(&w, 0);
	q = w.len;
	dns_name(&w, name);
	w_u16(&w, aaaa ? 28 : 1);
	w_u16(&w, 1);
	msg_end(s, &w);
	w = msg_begin(s, 1);
	w_u16(&w, id); w_u16(&w, 0x8180);	/* response, RD, RA */
	w_u16(&w, 1); w_u16(&w, 1); w_u16(&w, 0); w_u16(&w, 0);
	w_bytes(&w, s->data + s->msg[0].off + q, s->msg[0].len - q);
	w_u16(&w, 0xc00c);			/* pointer to the question */
	w_u16(&w, aaaa ? 28 : 1);
	w_u16(&w, 1);
	w_u32(&w, rnd_range(g, 60, 3600));
	if (aaaa) {
		w_u16(&w, 16);
		w_u32(&w, 0x20010db8);
		w_u32(&w, 0);
		w_u32(&w, 0);
		w_u32(&w, addr);
	} else {
		w_u16(&w, 4);
		w_u32(&w, addr);
	}
	msg_end(s, &w);
	g->dns_msgs += 2;
}

/*
 * gateway: pings, one to four echo requests each answered; half from
 * outside to the data centre, half from clients to the world.
 */
static void
sess_icmp(struct gen *g, struct sess *s)
{
	struct wbuf	w;
	int		i, n = (int)rnd_range(g, 1, 4);
	size_t		at;

	s->kind = SK_ICMP;
	if (rnd_below(g, 2)) {
		s->c.ip = ipv4(45 + rnd_below(g, 150), rnd_below(g, 256),
		    rnd_below(g, 256), 1 + rnd_below(g, 254));
		s->s.ip = ipv4(10, 20, 1, 10 + rnd_below(g, 40));
	} else {
		s->c.ip = client_addr(g);
		s->s.ip = name_addr(pick_name(g));
	}
	s->c.port = (uint16_t)rnd(g);		/* the echo identifier */
	for (i = 0; i < n; i++) {
		w = msg_begin(s, 0);
		at = w.len;
		w_rand(&w, g, 56);		/* as ping(8) sends */
		msg_end(s, &w);
		w = msg_begin(s, 1);
		w_bytes(&w, s->data + s->msg[s->nmsg - 1].off + at, 56);
		msg_end(s, &w);
		g->icmp_echo++;
	}
}

static void
sess_scan(struct gen *g, struct sess *s)
{
	int	i;

	s->kind = SK_SCAN;
	s->c.ip = ipv4(45 + rnd_below(g, 150), rnd_below(g, 256),
	    rnd_below(g, 256), 1 + rnd_below(g, 254));
	s->c.port = (uint16_t)rnd_range(g, 40000, 65000);	/* like nmap */
	s->s.ip = ipv4(10, 20, 1, 10 + rnd_below(g, 40));
	s->nports = (int)rnd_range(g, 50, 500);
	for (i = 0; i < s->nports; i++)
		s->ports[i] = (uint16_t)(1 + i);
	for (i = s->nports - 1; i > 0; i--) {
		int		j = (int)rnd_below(g, (uint32_t)i + 1);
		uint16_t	t = s->ports[i];

		s->ports[i] = s->ports[j];
		s->ports[j] = t;
	}
	s->cur = 0;
	s->seq[0] = (uint32_t)rnd(g);
}

/*
 * gateway's mix, in ten-thousandths of the sessions started: DNS most,
 * then pings, HTTP and TLS; SSH by admins and brute force; a rare scan.
 */
static void
sess_new_gateway(struct gen *g, struct sess *s)
{
	uint32_t	r = rnd_below(g, 10000);

	if (r < 7200)
		sess_dns(g, s);
	else if (r < 7380)
		sess_icmp(g, s);
	else if (r < 9070)
		sess_http(g, s);
	else if (r < 9900)
		sess_tls(g, s);
	else if (r < 9930)
		sess_ssh(g, s);
	else if (r < 9994)
		sess_brute(g, s);
	else
		sess_scan(g, s);
}

/* Replace a finished session with a new one of a weighted random kind. */
static void
sess_new(struct gen *g, struct sess *s)
{
	uint32_t	r = rnd_below(g, 1000);
	uint8_t		*data = s->data;

	memset(s, 0, sizeof(*s));
	s->data = data;
	s->kind = SK_TCP;
	s->synopts = 1;
	if (gateway) {
		sess_new_gateway(g, s);
		goto started;
	}
	if (r < 350)
		sess_dns(g, s);
	else if (r < 650)
		sess_tls(g, s);
	else if (r < 800)
		sess_http(g, s);
	else if (r < 830)
		sess_ssh(g, s);
	else if (r < 998)
		sess_brute(g, s);
	else
		sess_scan(g, s);
started:
	s->phase = s->kind == SK_TCP ? PH_SYN : PH_DATA;
	s->seq[0] = (uint32_t)rnd(g);
	s->seq[1] = (uint32_t)rnd(g);
	g->flows += s->kind == SK_SCAN ? (uint64_t)s->nports : 1;
}

static void
step_scan(struct gen *g, struct sess *s)
{
	uint16_t	port = s->ports[s->cur];
	struct ep	dst = s->s, src = s->c;

	dst.port = port;
	if (s->open == 0) {
		emit_tcp(g, &src, &dst, s->seq[0], 0, TH_SYN, NULL, 0, 0);
		s->open = 1;
	} else if (s->open == 1) {
		if (port == 22 || port == 80 || port == 443) {
			emit_tcp(g, &dst, &src, s->seq[1], s->seq[0] + 1,
			    TH_SYN | TH_ACK, NULL, 0, 1);
			s->open = 2;
			return;
		}
		emit_tcp(g, &dst, &src, 0, s->seq[0] + 1, TH_RST | TH_ACK,
		    NULL, 0, 0);
		s->open = 3;
	} else if (s->open == 2) {
		emit_tcp(g, &src, &dst, s->seq[0] + 1, 0, TH_RST, NULL, 0, 0);
		s->open = 3;
	}
	if (s->open == 3) {
		s->open = 0;
		if (++s->cur >= s->nports)
			s->phase = PH_DONE;
	}
}

/* Emit the next packet of a TCP or UDP session script. */
static void
step(struct gen *g, struct sess *s)
{
	const struct ep	*ep[2] = { &s->c, &s->s };
	struct msg	*m;
	uint32_t	 n;
	int		 d, last;

	switch (s->phase) {
	case PH_SYN:
		emit_tcp(g, &s->c, &s->s, s->seq[0]++, 0, TH_SYN, NULL, 0,
		    s->synopts);
		s->phase = PH_SYNACK;
		return;
	case PH_SYNACK:
		emit_tcp(g, &s->s, &s->c, s->seq[1]++, s->seq[0],
		    TH_SYN | TH_ACK, NULL, 0, s->synopts);
		s->phase = PH_ACK;
		return;
	case PH_ACK:
		emit_tcp(g, &s->c, &s->s, s->seq[0], s->seq[1], TH_ACK, NULL,
		    0, 0);
		s->phase = PH_DATA;
		return;
	case PH_PUREACK:
		d = s->ackdir;
		emit_tcp(g, ep[d], ep[!d], s->seq[d], s->seq[!d], TH_ACK,
		    NULL, 0, 0);
		s->unacked = 0;
		s->phase = PH_DATA;
		return;
	case PH_DATA:
		break;
	case PH_FIN1:
		emit_tcp(g, &s->c, &s->s, s->seq[0]++, s->seq[1],
		    TH_FIN | TH_ACK, NULL, 0, 0);
		s->phase = PH_FIN2;
		return;
	case PH_FIN2:
		emit_tcp(g, &s->s, &s->c, s->seq[1]++, s->seq[0],
		    TH_FIN | TH_ACK, NULL, 0, 0);
		s->phase = PH_FIN3;
		return;
	case PH_FIN3:
		emit_tcp(g, &s->c, &s->s, s->seq[0], s->seq[1], TH_ACK, NULL,
		    0, 0);
		s->phase = PH_DONE;
		return;
	case PH_DONE:
		return;
	}
	if (s->cur >= s->nmsg) {
		s->phase = s->kind == SK_TCP ? PH_FIN1 : PH_DONE;
		if (s->kind == SK_TCP)
			step(g, s);
		return;
	}
	m = &s->msg[s->cur];
	d = m->dir;
	if (s->kind == SK_ICMP) {
		emit_icmp_echo(g, ep[d]->ip, ep[!d]->ip, d ? 0 : 8, s->c.port,
		    (uint16_t)(s->cur / 2 + 1), s->data + m->off, m->len);
		if (++s->cur >= s->nmsg)
			s->phase = PH_DONE;
		return;
	}
	if (s->kind == SK_UDP) {
		emit_udp(g, ep[d], ep[!d], s->data + m->off, m->len);
		if (++s->cur >= s->nmsg)
			s->phase = PH_DONE;
		return;
	}
	n = m->len - s->moff > MSS ? MSS : m->len - s->moff;
	last = s->moff + n == m->len;
	emit_tcp(g, ep[d], ep[!d], s->seq[d], s->seq[!d],
	    TH_ACK | (last ? TH_PSH : 0), s->data + m->off + s->moff, n, 0);
	s->seq[d] += n;
	s->moff += n;
	s->unacked++;
	if (last) {
		s->cur++;
		s->moff = 0;
	}
	/*
	 * The receiver ACKs every second segment, and at the end of a
	 * message unless its own reply is next and carries the ACK.
	 */
	if (s->unacked >= 2 || (last && (s->cur >= s->nmsg ||
	    s->msg[s->cur].dir == d))) {
		s->ackdir = !d;
		s->phase = PH_PUREACK;
	} else if (last)
		s->unacked = 0;
}

static void
gen_mixed(struct gen *g, uint64_t n)
{
	struct sess	*ss;
	int		 i, active = NSESS;

	if ((ss = calloc(NSESS, sizeof(*ss))) == NULL)
		die("out of memory");
	for (i = 0; i < NSESS; i++) {
		if ((ss[i].data = malloc(SDATA_MAX)) == NULL)
			die("out of memory");
		sess_new(g, &ss[i]);
	}
	/* Past n packets no session starts; running ones finish cleanly. */
	while (active > 0) {
		struct sess	*s = &ss[rnd_below(g, NSESS)];

		if (s->phase == PH_DONE)
			continue;
		if (s->kind == SK_SCAN)
			step_scan(g, s);
		else
			step(g, s);
		if (s->phase == PH_DONE) {
			if (g->packets < n)
				sess_new(g, s);
			else
				active--;
		}
	}
	for (i = 0; i < NSESS; i++)
		free(ss[i].data);
	free(ss);
}

/* A count, with an optional k/M/G suffix (powers of ten). */
static uint64_t
parse_count(const char *s, const char *what)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *s == '-')
		die("bad %s: %s", what, s);
	switch (*end) {
	case 'k': case 'K': v *= 1000ULL; end++; break;
	case 'm': case 'M': v *= 1000000ULL; end++; break;
	case 'g': case 'G': v *= 1000000000ULL; end++; break;
	default: break;
	}
	if (*end != '\0' || v > (1ULL << 40))
		die("bad %s: %s", what, s);
	return v;
}

static void
usage(void)
{
	fprintf(stderr,
"usage: pcapgen flows|mixed|gateway|small -n COUNT -o FILE [--seed N]\n"
"               [--pps N]\n"
"               [--flows N]\n"
"  flows   COUNT TCP SYNs, each a new flow from a distinct source\n"
"  mixed   about COUNT packets of TCP/TLS/DNS/HTTP/SSH sessions, scans\n"
"          and SSH brute force\n"
"  gateway mixed's engine with a provincial gateway's mix: more DNS,\n"
"          pings, kept-alive HTTP, .io and indicator names (bench/gateway/)\n"
"  small   COUNT 60-byte frames over --flows flows (default 10000)\n"
"  --seed  PRNG seed (default 1); --pps  packet-time rate (default\n"
"          1000000 for flows and small, 50000 for mixed and gateway)\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct option	longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "pps", required_argument, NULL, 'p' },
		{ "flows", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct gen			 g;
	const char			*kind, *out = NULL;
	uint64_t			 n = 0, seed = 1, pps = 0;
	uint64_t			 nflows = 10000;
	int				 ch, have_n = 0;
	struct timespec			 t0, t1;
	double				 secs;

	memset(&g, 0, sizeof(g));
	while ((ch = getopt_long(argc, argv, "n:o:s:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'n':
			n = parse_count(optarg, "count");
			have_n = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			seed = parse_count(optarg, "seed");
			break;
		case 'p':
			pps = parse_count(optarg, "rate");
			break;
		case 'f':
			nflows = parse_count(optarg, "flow count");
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || out == NULL || !have_n)
		usage();
	kind = argv[optind];
	if (strcmp(kind, "gateway") == 0) {
		gateway = 1;
		kind = "mixed";		/* the same engine, the gateway's mix */
	}
	if (strcmp(kind, "mixed") == 0 && pps == 0)
		pps = 50000;
	else if (pps == 0)
		pps = 1000000;
	if (pps > 1000000000ULL)
		die("--pps at most 1000000000");
	if (nflows == 0 || nflows > 16000000)
		die("--flows must be between 1 and 16000000");
	g.gap_ns = 1000000000ULL / pps;
	g.rng = seed;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (strcmp(kind, "flows") == 0) {
		out_open(&g, out);
		gen_flows(&g, n);
	} else if (strcmp(kind, "mixed") == 0) {
		out_open(&g, out);
		gen_mixed(&g, n);
	} else if (strcmp(kind, "small") == 0) {
		out_open(&g, out);
		gen_small(&g, n, (uint32_t)nflows);
	} else
		usage();
	out_close(&g);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "pcapgen: %s seed %" PRIu64 ": %" PRIu64 " packets, %"
	    PRIu64 " bytes, %" PRIu64 " flows, %.3f s of packet time, "
	    "written in %.2f s\n", gateway ? "gateway" : kind, seed, g.packets,
	    g.bytes, g.flows, (double)g.ts_ns / 1e9, secs);
	if (gateway)
		fprintf(stderr, "pcapgen: gateway: %" PRIu64 " DNS messages, %"
		    PRIu64 " HTTP transactions, %" PRIu64 " TLS ClientHellos, %"
		    PRIu64 " SSH banners, %" PRIu64 " ICMP echo requests\n",
		    g.dns_msgs, g.http_tx, g.tls_hellos, g.ssh_banners,
		    g.icmp_echo);
	return 0;
}
