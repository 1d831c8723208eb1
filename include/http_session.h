/*
 * app_http_session.c: HTTP/1.x on one TCP flow, both directions, every
 * message however far into the connection (within stream.depth):
 * requests and responses paired into transactions (pipelined too), and
 * each piece of the stream turned into what the payload rules inspect:
 * message headers as they are, bodies decoded (http_body.c).
 *
 * The per-flow state, held while a transaction is in progress, and the
 * buffers for a header that spans segments come from fixed pools made at
 * start. A flow that finds its pool empty,
 * and a direction whose messages can no longer be told apart (a gap, a
 * malformed header or chunk), is inspected as it is on the wire; a
 * direction picks up again where a piece starts with a message.
 */
#ifndef CANHGAC_HTTP_SESSION_H
#define CANHGAC_HTTP_SESSION_H

#include <stddef.h>
#include <stdint.h>

struct packet;
struct flow;
struct app_http;
struct hb_sink;
struct http_bodies;

#define HTTP_TX_MAX	4	/* requests awaiting their responses */

/* A record: APPR_HTTP for each request, APPR_HTTP_TX per transaction. */
typedef void (*http_emit_fn)(const struct packet *, uint32_t what,
	    const struct app_http *, void *arg);

struct http_session_stats {
	uint64_t	requests, responses, transactions;
	uint64_t	unpaired;	/* pipelined past HTTP_TX_MAX */
	uint64_t	desync;		/* directions read as they are */
	uint64_t	exhausted;	/* no state or header buffer free */
};

struct http_sessions;
/* n transactions in progress at once (a session is held only then). */
struct http_sessions *http_sessions_new(size_t n, struct http_bodies *);
/* Bytes of state per session, to size n from a memory budget. */
size_t	 http_session_bytes(void);
void	 http_sessions_free(struct http_sessions *);
/*
 * One in-order piece of an HTTP flow's direction: records to emit, the
 * bytes to inspect to the sink. -1 when the flow has no state (the pool
 * was empty): the caller inspects the piece as it is.
 */
int	 http_session_piece(struct http_sessions *, const struct packet *,
	    const uint8_t *, size_t, struct hb_sink *, http_emit_fn, void *);
/* The flow ends: open transactions are recorded (pkt gives the time). */
void	 http_session_end(struct http_sessions *, struct flow *,
	    const struct packet *, http_emit_fn, void *);
void	 http_session_release(struct http_sessions *, struct flow *);
const struct http_session_stats *http_sessions_stats(
	    const struct http_sessions *);

#endif /* CANHGAC_HTTP_SESSION_H */
