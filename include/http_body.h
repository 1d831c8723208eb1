/*
 * http_body.c: an HTTP/1.x message body, decoded for inspection.
 *
 * Framing (Content-Length, chunked transfer coding, or to the end of the
 * connection) is taken off, and gzip or deflate content codings (up to
 * HB_CODINGS_MAX stacked, "gzip, gzip") are inflated in turn, so the
 * payload rules see the body as the application does:
 * a number cut by a chunk boundary is whole again. Inflating is bounded
 * per body (decompress_limit bytes, and at most decompress_ratio times
 * the compressed bytes, against decompression bombs; each stacked
 * coding's output too); zlib's state comes
 * from a pool of fixed arenas made at start (decompress_bodies of them),
 * so nothing is allocated per packet. A body that finds the pool empty is
 * inspected as it is on the wire (refused, counted).
 */
#ifndef CANHGAC_HTTP_BODY_H
#define CANHGAC_HTTP_BODY_H

#include <stddef.h>
#include <stdint.h>

/* Counters, in the order --stats reports them; the last two are gauges. */
#define HTTP_BODY_COUNTERS(X)						\
	X(BODIES, "bodies")		/* bodies with bytes */		\
	X(CHUNKED, "chunked")		/* ... in chunked coding */	\
	X(DECOMPRESSED, "decompressed")	/* ... inflated (gzip, deflate) */ \
	X(ERRORS, "decode_errors")	/* bad chunk framing or zlib data */ \
	X(LIMIT, "limit_reached")	/* decompress_limit cut a body */ \
	X(RATIO, "ratio_reached")	/* decompress_ratio cut a body */ \
	X(REFUSED, "decompress_refused") /* no zlib state free: raw */	\
	X(ZLIB_USED, "zlib_in_use")	/* zlib states held now */	\
	X(ZLIB_MAX, "zlib_max")		/* states in the pool */

enum http_body_counter {
#define X(id, name) HBC_##id,
	HTTP_BODY_COUNTERS(X)
#undef X
	HBC_NCOUNTERS
};

enum hb_framing {
	HB_NONE = 0,	/* no body */
	HB_LENGTH,	/* Content-Length bytes */
	HB_CHUNKED,	/* Transfer-Encoding: chunked */
	HB_CLOSE	/* a response to the end of the connection */
};

enum hb_coding {
	HB_IDENTITY = 0,
	HB_GZIP,
	HB_DEFLATE	/* zlib-wrapped, or raw deflate as some servers send */
};

/*
 * A body's content codings, as a list: HB_CODING_BITS each, the one to
 * undo first (the last applied) in the low bits; a single coding is its
 * enum hb_coding. Each takes a zlib state of its own.
 */
#define HB_CODING_BITS	2
#define HB_CODINGS_MAX	3

/*
 * Where decoded bytes go: a buffer handed on (flush) whenever it fills.
 * Bytes that go on as they are (headers, plain bodies) are not copied:
 * while nothing else is pending, ref/reflen point into the piece, and
 * flush hands on whichever of ref or buf holds bytes (never both).
 */
struct hb_sink {
	uint8_t		*buf;
	size_t		 len, cap;
	const uint8_t	*ref;
	size_t		 reflen;
	int		 gap;		/* bytes were lost before the next */
	void		(*flush)(struct hb_sink *);
	void		*arg;
};

struct hb_zslot;

/* One body being read; kept in the per-flow HTTP state. */
struct http_body {
	uint8_t		 framing;	/* enum hb_framing */
	uint8_t		 coding;	/* hb_coding list (HB_CODING_BITS) */
	uint8_t		 cstate;	/* chunked: where in the framing */
	uint8_t		 flags;		/* HBF_* */
	uint16_t	 linelen;	/* chunk-size line or trailer line */
	uint64_t	 remain;	/* length left, or of this chunk */
	uint64_t	 wire;		/* body bytes after de-chunking */
	uint64_t	 decoded;	/* bytes inspected as the body */
	struct hb_zslot	*z;		/* only while inflating */
};

#define HBF_DONE	0x01	/* the body ended */
#define HBF_RAW		0x02	/* coding not undone: bytes as they are */
#define HBF_CUT		0x04	/* a limit was reached: rest not inspected */
#define HBF_BROKEN	0x08	/* framing lost: the caller cannot go on */
#define HBF_STARTED	0x10	/* first byte seen */

struct http_bodies;
struct http_bodies *http_bodies_new(uint64_t limit, uint32_t ratio,
	    size_t nzlib);
void	 http_bodies_free(struct http_bodies *);
void	 http_body_start(struct http_bodies *, struct http_body *,
	    enum hb_framing, uint64_t length, unsigned codings);
/*
 * Take up to n wire bytes of the body at p; the decoded bytes go to the
 * sink. Returns the bytes taken: fewer than n only when the body ended
 * (HBF_DONE; the rest is the next message) or its framing was lost
 * (HBF_BROKEN, the rest cannot be read as HTTP).
 */
size_t	 http_body_feed(struct http_bodies *, struct http_body *,
	    const uint8_t *p, size_t n, struct hb_sink *);
/* Append bytes as they are (a message header) to the sink. */
void	 http_sink_put(struct hb_sink *, const uint8_t *, size_t);
/* The body ends (connection closed, or data lost): zlib state returned. */
void	 http_body_end(struct http_bodies *, struct http_body *);
const uint64_t *http_bodies_stats(const struct http_bodies *);
const char *http_body_counter_name(enum http_body_counter);

#endif /* CANHGAC_HTTP_BODY_H */
