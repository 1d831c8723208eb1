/*
 * Event records (--events): EVE-style JSON lines for flows and for the
 * application metadata, with the same envelope as alerts. Each record
 * is built in place at the end of the lines waiting for the file, and
 * kept only whole; a write error is counted, never fatal.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "capture.h"
#include "community_id.h"
#include "eventlog.h"
#include "flow.h"
#include "jsonw.h"
#include "ring.h"
#include "safefile.h"
#include "types.h"
#include "util.h"

/*
 * The longest record: a DNS response's 8 answers of names 255 quotes
 * long (each written \" ) are 9 KB; at 8 KiB such a response was lost.
 */
#define EVENT_BUF	16384
/* Lines kept for one write: the page cache costs per write as well as
 * per byte (64 KiB writes cost about 40 ns a record more). */
#define EVENT_OUT	(1 << 18)

struct eventlog {
	FILE		*fp;
	int		 is_stdout;
	char		*sensor;
	int		 utc_offset;
	uint64_t	 count;
	uint64_t	 errors;
	uint64_t	 overflows;
	struct jw_memo	 memo;		/* sensor, host, in_iface */
	/* A worker's (eventlog_queue): blocks go to the loop thread. */
	struct ring	*queue;
	int		 queue_block;
	uint64_t	 queue_lost;	/* records: the queue was full */
	uint64_t	 overflows_sent;
	/*
	 * Records go here, not through stdio's buffer: fwrite's copy and
	 * call were a twentieth of a record's cost (callgrind, gateway
	 * capture). A file is unbuffered and gets these in one write when
	 * the room left is short of a record, and on eventlog_flush (the
	 * tick, stop, reload); stdout gets each line as it is made, in
	 * order with the alerts written there.
	 */
	size_t		 out_len;
	uint64_t	 out_recs;	/* lines in out */
	char		 out[EVENT_OUT];
};

struct eventlog *
eventlog_open(const char *path, const char *sensor, int utc_offset,
    char *err, size_t errlen)
{
	struct eventlog	*el = calloc(1, sizeof(*el));
	char		 why[512];
	int		 fd = -1;

	/* Opened at a reload beside the running log: without memory that
	 * reload fails, not the daemon. */
	if (el == NULL || (el->sensor = strdup(sensor)) == NULL) {
		snprintf(err, errlen, "no memory for the event log: %s",
		    strerror(ENOMEM));
		free(el);
		return NULL;
	}
	if (strcmp(path, "-") == 0) {
		el->fp = stdout;
		el->is_stdout = 1;
	} else if ((fd = safe_open(path, O_WRONLY | O_APPEND | O_CREAT, 0640,
	    SAFE_MKDIR | SAFE_GIVE, why, sizeof(why))) < 0 ||
	    (el->fp = fdopen(fd, "a")) == NULL) {
		snprintf(err, errlen, "cannot open event log: %s", fd < 0 ?
		    why : strerror(errno));
		if (fd >= 0)
			close(fd);
		free(el->sensor);
		free(el);
		return NULL;
	}
	/* stdout keeps the buffer it had (the alerts written there share
	 * it); a file has none but out. */
	if (el->is_stdout)
		setvbuf(el->fp, NULL, _IOFBF, 1 << 16);
	else
		setvbuf(el->fp, NULL, _IONBF, 0);
	el->utc_offset = utc_offset;
	return el;
}

void
eventlog_close(struct eventlog *el)
{
	if (el == NULL)
		return;
	eventlog_flush(el);
	if (el->fp != NULL && !el->is_stdout)
		fclose(el->fp);
	free(el->sensor);
	free(el);
}

/* A reload opened `to` in place of `from`: the counts go on. */
void
eventlog_carry(struct eventlog *to, const struct eventlog *from)
{
	if (to == NULL || from == NULL)
		return;
	to->count = from->count;
	to->errors = from->errors;
	to->overflows = from->overflows;
}

/*
 * A worker's block of lines on its queue: how many, and how many records
 * were too long to keep since the last block, then the lines.
 */
struct event_qhdr {
	uint32_t	recs;
	uint32_t	overflows;
};

/*
 * A worker's event records: built there, a block of them at a time
 * onto q for the loop thread's eventlog_take. block: wait for room (a
 * replay) rather than count the records lost.
 */
struct eventlog *
eventlog_queue(struct ring *q, int block, int line_by_line,
    const char *sensor, int utc_offset)
{
	struct eventlog	*el = calloc(1, sizeof(*el));

	if (el == NULL || (el->sensor = strdup(sensor)) == NULL) {
		free(el);
		return NULL;
	}
	el->queue = q;
	el->queue_block = block;
	el->is_stdout = line_by_line;
	el->utc_offset = utc_offset;
	return el;
}

int
eventlog_is_stdout(const struct eventlog *el)
{
	return el != NULL && el->is_stdout;
}

uint64_t
eventlog_lost(const struct eventlog *el)
{
	return el ? el->queue_lost : 0;
}

static void
event_enqueue(struct eventlog *el)
{
	struct event_qhdr	 h;
	char			*p;

	if (el->out_recs == 0 && el->overflows == el->overflows_sent)
		return;
	if ((p = ring_reserve_wait(el->queue, sizeof(h) + el->out_len,
	    el->queue_block)) == NULL) {
		el->queue_lost += el->out_recs;
		return;
	}
	h.recs = (uint32_t)el->out_recs;
	h.overflows = (uint32_t)(el->overflows - el->overflows_sent);
	el->overflows_sent = el->overflows;
	memcpy(p, &h, sizeof(h));
	memcpy(p + sizeof(h), el->out, el->out_len);
	ring_commit(el->queue, RK_EVENTS, sizeof(h) + el->out_len);
}

/* The lines waiting go out; those a failed write loses are errors. */
static void
event_drain(struct eventlog *el)
{
	if (el->queue != NULL)
		event_enqueue(el);
	else if (el->out_len > 0 &&
	    fwrite(el->out, 1, el->out_len, el->fp) != el->out_len)
		el->errors += el->out_recs;
	el->out_len = 0;
	el->out_recs = 0;
}

void
eventlog_flush(struct eventlog *el)
{
	if (el == NULL)
		return;
	event_drain(el);
	if (el->fp != NULL && fflush(el->fp) != 0)
		el->errors++;
}

/* The loop thread: a block of a worker's records (RK_EVENTS). */
void
eventlog_take(struct eventlog *el, const void *rec, size_t len)
{
	struct event_qhdr	h;

	if (el == NULL || len < sizeof(h) || len - sizeof(h) > EVENT_OUT)
		return;
	memcpy(&h, rec, sizeof(h));
	len -= sizeof(h);
	if (sizeof(el->out) - el->out_len < len)
		event_drain(el);
	memcpy(el->out + el->out_len, (const char *)rec + sizeof(h), len);
	el->out_len += len;
	el->out_recs += h.recs;
	el->count += h.recs;
	el->overflows += h.overflows;
	if (el->is_stdout)
		event_drain(el);
}

/* A record's writer, at the end of out with room for the longest. */
static void
event_start(struct eventlog *el, struct jsonw *w)
{
	if (sizeof(el->out) - el->out_len < EVENT_BUF)
		event_drain(el);
	jw_init(w, el->out + el->out_len, EVENT_BUF);
}

uint64_t
eventlog_count(const struct eventlog *el)
{
	return el ? el->count : 0;
}

uint64_t
eventlog_errors(const struct eventlog *el)
{
	return el ? el->errors + el->overflows : 0;
}

/*
 * The envelope common to every record, ts its time as util_format_ts
 * wrote it (a flow record's end is the same text), type its event_type
 * member whole (EVENT_TYPE). fwd says whether the record's source is the
 * flow's client (flow orientation) or its server.
 */
#define EVENT_TYPE(t)	((struct jw_lit)JW_RAW_INIT("\"event_type\":\"" t "\""))
static void
event_envelope(struct eventlog *el, struct jsonw *w, struct jw_lit type,
    const char *ts, size_t tslen, const struct flow *f, int fwd,
    const char *iface)
{
	char		 cid[40], pn[8];
	const char	*vals[2];
	const uint8_t	*src = fwd ? f->caddr : f->saddr;
	const uint8_t	*dst = fwd ? f->saddr : f->caddr;
	uint16_t	 sp = fwd ? f->cport : f->sport;
	uint16_t	 dp = fwd ? f->sport : f->cport;
	int		 ports = f->proto == PROTO_TCP ||
			    f->proto == PROTO_UDP || f->proto == PROTO_SCTP;
	int		 icmp = f->proto == PROTO_ICMP ||
			    f->proto == PROTO_ICMPV6;

	JW_SAFEN(w, "timestamp", ts, tslen);
	JW_UINT(w, "flow_id", f->id);
	/* The same in every record of the interface: written once. */
	vals[0] = el->sensor;
	vals[1] = iface;
	if (!jw_memo_put(w, &el->memo, vals, 2)) {
		size_t	mark = w->len;
		int	comma = w->need_comma;

		JW_STR(w, "sensor", el->sensor);
		JW_STR(w, "host", el->sensor);	/* Suricata's name for it */
		if (iface != NULL)
			JW_STR(w, "in_iface", iface);
		jw_memo_keep(&el->memo, w, mark, comma, vals, 2);
	}
	jw_key_l(w, type);
	if (f->vlan[0] != 0 || f->vlan[1] != 0) {
		JW_ARR_OPEN(w, "vlan");
		jw_uint(w, NULL, f->vlan[0]);
		if (f->vlan[1] != 0)
			jw_uint(w, NULL, f->vlan[1]);
		jw_arr_close(w);
	}
	JW_ADDR(w, "src_ip", f->ipver, src);
	if (ports)
		JW_UINT(w, "src_port", sp);
	JW_ADDR(w, "dest_ip", f->ipver, dst);
	if (ports)
		JW_UINT(w, "dest_port", dp);
	JW_SAFE(w, "proto", util_proto_name(f->proto, pn, sizeof(pn)));
	if (icmp) {
		/* The flow key holds the Community ID port equivalents. */
		JW_UINT(w, "icmp_type", sp);
	}
	if (f->app_proto != APP_UNKNOWN)
		JW_SAFE(w, "app_proto", app_proto_name(
		    (enum app_proto)f->app_proto));
	if (community_id_v1(0, f->ipver, f->caddr, f->saddr, f->proto,
	    f->cport, f->sport, cid, sizeof(cid)) == 0)
		JW_CLEAN(w, "community_id", cid);
}

/* The record kept, or on overflow left to be written over. */
static void
event_write(struct eventlog *el, struct jsonw *w)
{
	ssize_t	n = jw_finish(w);

	if (n < 0) {
		el->overflows++;
		return;
	}
	el->out_len += (size_t)n;
	el->out_recs++;
	el->count++;
	if (el->is_stdout)
		event_drain(el);
}

void
eventlog_flow(struct eventlog *el, const struct flow *f,
    enum flow_end_reason r, const char *iface)
{
	struct jsonw	w;
	char		tsb[40], end[40];
	size_t		n, endlen;

	if (el == NULL)
		return;
	event_start(el, &w);
	endlen = util_format_ts(f->last, end, sizeof(end), el->utc_offset);
	event_envelope(el, &w, EVENT_TYPE("flow"), end, endlen, f, 1, iface);
	JW_OBJ_OPEN(&w, "flow");
	JW_UINT(&w, "pkts_toserver", f->pkts[0]);
	JW_UINT(&w, "pkts_toclient", f->pkts[1]);
	JW_UINT(&w, "bytes_toserver", f->bytes[0]);
	JW_UINT(&w, "bytes_toclient", f->bytes[1]);
	n = util_format_ts(f->first, tsb, sizeof(tsb), el->utc_offset);
	JW_SAFEN(&w, "start", tsb, n);
	JW_SAFEN(&w, "end", end, endlen);
	JW_UINT(&w, "age", (f->last - f->first) / 1000000);
	JW_SAFE(&w, "state", flow_state_name((enum flow_state)f->state));
	JW_SAFE(&w, "reason", flow_end_reason_name(r));
	jw_obj_close(&w);
	if (f->proto == PROTO_TCP) {
		JW_OBJ_OPEN(&w, "tcp");
		JW_BOOL(&w, "syn", f->tcp & FT_SYN);
		JW_BOOL(&w, "syn_ack", f->tcp & FT_SYNACK);
		JW_BOOL(&w, "fin", f->tcp & (FT_FIN_C | FT_FIN_S));
		JW_BOOL(&w, "rst", f->tcp & FT_RST);
		jw_obj_close(&w);
	}
	event_write(el, &w);
}

/* ISO 8601 UTC, as Suricata's notbefore/notafter. */
static void
event_cert_time(struct jsonw *w, struct jw_lit key, int64_t t)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;
	char		 b[32];

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		return;
	jw_str_l(w, key, b);
}

/* The server certificate: Suricata's EVE names where it has them. */
static void
event_tls_cert(struct jsonw *w, const struct app_tls *t)
{
	const struct tls_cert	*c = t->cert;
	const char		*s = c->sans;
	uint16_t		 i;

	if (t->sni[0] != '\0')
		JW_STR(w, "sni", t->sni);
	JW_STR(w, "subject", c->subject);
	JW_STR(w, "issuerdn", c->issuer);
	JW_STR(w, "serial", c->serial);
	JW_STR(w, "fingerprint", c->fingerprint);
	event_cert_time(w, JW_LIT("notbefore"), c->not_before);
	event_cert_time(w, JW_LIT("notafter"), c->not_after);
	if (c->nsans > 0) {
		JW_ARR_OPEN(w, "subjectaltname");
		for (i = 0; i < c->nsans; i++) {
			jw_str(w, NULL, s);
			s += strlen(s) + 1;
		}
		jw_arr_close(w);
	}
	JW_BOOL(w, "self_signed", c->self_signed);
	JW_STR(w, "key_type", c->key_type);
	JW_UINT(w, "key_bits", c->key_bits);
	JW_STR(w, "signature_algorithm", c->sig_alg);
	if (t->sni[0] != '\0')
		JW_BOOL(w, "sni_mismatch", t->sni_mismatch);
}

/* A ClientHello's JA3 (as Suricata: its hash in an object) and JA4. */
static void
event_fingerprints(struct jsonw *w, const struct app_tls *t)
{
	app_tls_fingerprints(t);
	if (t->ja3[0] != '\0') {
		JW_OBJ_OPEN(w, "ja3");
		JW_DIGEST(w, "hash", t->ja3);
		jw_obj_close(w);
	}
	if (t->ja4[0] != '\0')
		JW_DIGEST(w, "ja4", t->ja4);
}

static void
event_tls(struct jsonw *w, const struct app_result *r, const struct flow *f)
{
	const struct app_tls	*t = &r->tls;

	JW_OBJ_OPEN(w, "tls");
	if (r->have == APPR_TLS_CERT) {
		event_tls_cert(w, t);
	} else if (r->have == APPR_TLS_CH) {
		app_tls_fingerprints(t);
		if (t->sni[0] != '\0')
			JW_STR(w, "sni", t->sni);
		JW_STR(w, "version", app_tls_version_name(t->max_version));
		JW_STR(w, "client_hello_version",
		    app_tls_version_name(t->legacy_version));
		if (t->sslv2)
			JW_BOOL(w, "sslv2_hello", 1);
		JW_UINT(w, "ciphers_offered", t->nciphers);
		event_fingerprints(w, t);
	} else {
		if (f->tls_offered != 0)
			JW_STR(w, "version", app_tls_version_name(
			    f->tls_offered));
		JW_STR(w, "negotiated", app_tls_version_name(
		    t->server_version));
		JW_UINT(w, "cipher_suite", t->server_cipher);
	}
	jw_obj_close(w);
}

/*
 * A QUIC Initial's ClientHello as Suricata's EVE quic object: the version
 * in hex ("1", "6b3343cf"), the SNI, JA3/JA4 (JA4 "q…") and the
 * extensions in order, the SNI and the ALPN protocols as their values.
 */
static void
event_quic(struct jsonw *w, const struct app_tls *t)
{
	const char	*a = t->alpn, *name;
	char		 v[12];
	unsigned	 i, k;

	app_tls_fingerprints(t);
	JW_OBJ_OPEN(w, "quic");
	snprintf(v, sizeof(v), "%x", (unsigned)t->quic_version);
	JW_STR(w, "version", v);
	if (t->sni[0] != '\0')
		JW_STR(w, "sni", t->sni);
	event_fingerprints(w, t);
	if (t->nexts > 0)
		JW_ARR_OPEN(w, "extensions");
	for (i = 0; i < t->nexts; i++) {
		jw_obj_open(w, NULL);
		if ((name = app_tls_ext_name(t->exts[i])) != NULL)
			JW_STR(w, "name", name);
		JW_UINT(w, "type", t->exts[i]);
		if (t->exts[i] == 0 && t->sni[0] != '\0') {
			JW_ARR_OPEN(w, "values");
			jw_str(w, NULL, t->sni);
			jw_arr_close(w);
		} else if (t->exts[i] == 16 && t->nalpn > 0) {
			JW_ARR_OPEN(w, "values");
			for (k = 0; k < t->nalpn; k++, a += strlen(a) + 1)
				jw_str(w, NULL, a);
			jw_arr_close(w);
		}
		jw_obj_close(w);
	}
	if (t->nexts > 0)
		jw_arr_close(w);
	jw_obj_close(w);
}

/*
 * DNS as Suricata 8 writes it (EVE DNS version 3), in events and alerts:
 * type request or response, the header flags in hex and the set ones as
 * booleans, the question in `queries` (the parser keeps the first) and
 * the answer records (the first DNS_ANSWERS_MAX). An alert has no
 * answers (its texts need the room) but the question also as `rrname`
 * and `rrtype`: syslog's flattening leaves out arrays of objects.
 */
void
eventlog_dns(struct jsonw *w, const struct app_dns *d, int alert)
{
	struct app_dns_iter	it = { 0, 0 };
	struct app_dns_rr	rr;
	char			fl[8];
	size_t			i;
	unsigned		v;
	int			n = 0;

	/* Known whole but for the type: one copy (JW_RAW) each. */
	if (d->qr)
		JW_RAW(w, "\"dns\":{\"version\":3,\"type\":\"response\"");
	else
		JW_RAW(w, "\"dns\":{\"version\":3,\"type\":\"request\"");
	JW_UINT(w, "id", d->id);
	/* "%x" by hand: snprintf was a tenth of a DNS record. */
	i = sizeof(fl) - 1;
	fl[i] = '\0';
	v = d->flags;
	do {
		fl[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v != 0);
	/* At most four hex digits: nothing to escape or mask. */
	JW_SAFE(w, "flags", fl + i);
	/* The set flags as booleans, each a member known whole: in line,
	 * its length the compiler's (a table's by a loop cost more). */
#define DNS_FLAG(bit, name) \
	do { if (d->flags & (bit)) JW_RAW(w, "\"" name "\":true"); } while (0)
	DNS_FLAG(0x8000, "qr");
	DNS_FLAG(0x0400, "aa");
	DNS_FLAG(0x0200, "tc");
	DNS_FLAG(0x0100, "rd");
	DNS_FLAG(0x0080, "ra");
	DNS_FLAG(0x0040, "z");
#undef DNS_FLAG
	JW_UINT(w, "opcode", d->opcode);
	JW_SAFE(w, "rcode", app_dns_rcode_name(d->rcode));
	/* A message without a question (mDNS announcements) has no
	 * name to report. */
	if (d->qdcount > 0) {
		size_t	q0, q1;

		JW_ARR_OPEN(w, "queries");
		jw_obj_open(w, NULL);
		q0 = w->len;
		JW_STR(w, "rrname", d->qname);
		JW_SAFE(w, "rrtype", app_dns_rrtype_name(d->qtype));
		q1 = w->len;
		jw_obj_close(w);
		jw_arr_close(w);
		/* The same members again, as already escaped and masked: a
		 * copy, not a second pass over the name. */
		if (alert && !w->overflow)
			jw_members(w, w->buf + q0, q1 - q0);
	}
	while (!alert && app_dns_answer(d, &it, &rr) == 1) {
		if (n++ == 0)
			JW_ARR_OPEN(w, "answers");
		jw_obj_open(w, NULL);
		JW_STR(w, "rrname", rr.rrname);
		JW_SAFE(w, "rrtype", app_dns_rrtype_name(rr.type));
		JW_UINT(w, "ttl", rr.ttl);
		if (rr.rdata[0] != '\0')
			JW_STR(w, "rdata", rr.rdata);
		jw_obj_close(w);
	}
	if (n > 0)
		jw_arr_close(w);
	jw_obj_close(w);
}

static void
event_plain(struct jsonw *w, const struct app_plain *pl)
{
	JW_OBJ_OPEN(w, "plaintext");
	JW_STR(w, "protocol", app_proto_name((enum app_proto)pl->proto));
	if (pl->user[0] != '\0')
		JW_STR(w, "user", pl->user);
	if (pl->command[0] != '\0')
		JW_STR(w, "command", pl->command);
	JW_BOOL(w, "user_seen", pl->seen & PLAIN_USER);
	JW_BOOL(w, "password_seen", pl->seen & PLAIN_PASS);
	JW_BOOL(w, "auth_seen", pl->seen & PLAIN_AUTH);
	JW_BOOL(w, "starttls", pl->seen & PLAIN_STARTTLS);
	if (pl->proto == APP_SNMP) {
		JW_STR(w, "snmp_version", pl->snmp_version == 1 ? "1" : "2c");
		JW_BOOL(w, "community_seen", pl->seen & PLAIN_COMMUNITY);
	}
	jw_obj_close(w);
}

/*
 * An HTTP transaction, named as Suricata's EVE http object names them;
 * length is the response body decoded (EVE's), request_body_length the
 * request's. A response with no request seen has no request fields.
 */
static void
event_http(struct jsonw *w, const struct app_http *h)
{
	JW_OBJ_OPEN(w, "http");
	if (h->host[0] != '\0')
		JW_STR(w, "hostname", h->host);
	if (h->method[0] != '\0') {
		JW_STR(w, "url", h->uri);
		JW_STR(w, "http_method", h->method);
	}
	if (h->user_agent[0] != '\0')
		JW_STR(w, "http_user_agent", h->user_agent);
	if (h->version[0] != '\0')
		JW_STR(w, "protocol", h->version);
	if (h->has_response)
		JW_UINT(w, "status", h->status);
	JW_UINT(w, "request_body_length", h->request_body);
	JW_UINT(w, "length", h->response_body);
	jw_obj_close(w);
}

void
eventlog_app(struct eventlog *el, const struct packet *pkt,
    const struct app_result *r)
{
	struct jsonw		 w;
	const struct flow	*f = pkt->flow;
	struct jw_lit		 type;
	char			 tsb[40];
	size_t			 n;
	int			 fwd = 1;

	if (el == NULL || f == NULL)
		return;
	switch (r->have) {
	case APPR_TLS_CH:
	case APPR_TLS_SH:
	case APPR_TLS_CERT:
		type = r->tls.quic_version != 0 ? EVENT_TYPE("quic") :
		    EVENT_TYPE("tls");
		break;
	case APPR_DNS:
		type = EVENT_TYPE("dns");
		fwd = pkt->dir == 0;
		break;
	case APPR_HTTP_TX:
		/* One record per transaction, when its response is done; a
		 * request alone (APPR_HTTP) is for the rules. */
		type = EVENT_TYPE("http");
		break;
	case APPR_SSH:
		type = EVENT_TYPE("ssh");
		break;
	case APPR_PLAIN:
		type = EVENT_TYPE("plaintext");
		break;
	case APPR_DHCP:
		type = EVENT_TYPE("dhcp");
		fwd = pkt->dir == 0;
		break;
	default:
		return;
	}
	event_start(el, &w);
	n = util_format_ts(pkt->ts, tsb, sizeof(tsb), el->utc_offset);
	event_envelope(el, &w, type, tsb, n, f, fwd,
	    pkt->iface ? pkt->iface->name : NULL);
	switch (r->have) {
	case APPR_TLS_CH:
	case APPR_TLS_SH:
	case APPR_TLS_CERT:
		if (r->tls.quic_version != 0)
			event_quic(&w, &r->tls);
		else
			event_tls(&w, r, f);
		break;
	case APPR_DNS:
		eventlog_dns(&w, &r->dns, 0);
		break;
	case APPR_HTTP_TX:
		event_http(&w, &r->http);
		break;
	case APPR_SSH:
		JW_OBJ_OPEN(&w, "ssh");
		if (pkt->dir == 0)
			JW_OBJ_OPEN(&w, "client");
		else
			JW_OBJ_OPEN(&w, "server");
		JW_STR(&w, "proto_version", r->ssh.proto_version);
		JW_STR(&w, "software_version", r->ssh.software);
		jw_obj_close(&w);
		jw_obj_close(&w);
		break;
	case APPR_PLAIN:
		event_plain(&w, &r->plain);
		break;
	case APPR_DHCP:
		app_dhcp_json(&w, &r->dhcp);
		break;
	}
	event_write(el, &w);
}
