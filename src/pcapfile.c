/*
 * The records of a classic pcap file, read in place (pcapfile.h).
 *
 * Why not libpcap's own read: it costs 130 ns of CPU a packet on bench's
 * mixed capture (two freads through stdio, a copy out of its buffer),
 * this 78 ns (a pread of 1 MiB at a time, a pointer a packet), and a
 * replay's loop thread, which reads for every worker, is what they wait
 * for (bench/README.md, workers.sh).
 *
 * Every record header is hostile: a captured length over libpcap's
 * maximum (256 KiB) is an error, one over the file's snapshot length is
 * cut to it with the rest skipped, and a file that ends inside a record
 * is an error naming what was missing, as libpcap does (sf-pcap.c). A
 * record is never read past the bytes in hand.
 */
#include "config.h"

#include <errno.h>
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcapfile.h"
#include "xmalloc.h"

#define PF_MAGIC_USEC	0xa1b2c3d4U
#define PF_MAGIC_NSEC	0xa1b23c4dU
#define PF_FILE_HDR	24		/* sizeof(struct pf_file_hdr) */
#define PF_REC_HDR	16		/* sizeof(struct pf_rec_hdr) */
#define PF_MAX_CAPLEN	262144U		/* libpcap's MAXIMUM_SNAPLEN */
#define PF_CHUNK	(1U << 20)	/* a pread */
/* A chunk, and room for a record begun at its end. */
#define PF_BUF		(PF_CHUNK + PF_REC_HDR + PF_MAX_CAPLEN)

struct pcapfile {
	int		 fd;
	int		 nsec;		/* stamps in nanoseconds */
	uint32_t	 snapshot;
	off_t		 off;		/* of the file, next to read */
	uint8_t		*buf;		/* PF_BUF, at the first record */
	size_t		 pos, have;	/* the record in hand; bytes read */
	/* pcapfile_set_hold: buf is chunk[cur], the next read goes to the
	 * next chunk once hold says no frame in it is in use. */
	uint8_t		*chunk[PCAPFILE_CHUNKS];
	unsigned	 cur;
	pcapfile_hold_fn hold;
	void		*hold_arg;
	int		 eof;
	char		 err[PCAP_ERRBUF_SIZE];
};

/* The file's header and a record's, in the reader's byte order. */
struct pf_file_hdr {
	uint32_t	magic;
	uint16_t	major, minor;
	uint32_t	zone, sigfigs, snaplen, linktype;
};

struct pf_rec_hdr {
	uint32_t	sec, frac, caplen, len;
};

static_assert(sizeof(struct pf_file_hdr) == PF_FILE_HDR, "file header");
static_assert(sizeof(struct pf_rec_hdr) == PF_REC_HDR, "record header");

struct pcapfile *
pcapfile_open(pcap_t *p, int fd)
{
	struct pcapfile		*pf;
	struct pf_file_hdr	 h;
	int			 dlt = pcap_datalink(p);

	if (fd < 0 || pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return NULL;
	/* In the reader's byte order, 2.4: records as libpcap hands them
	 * on (older versions may have the lengths swapped). */
	if ((h.magic != PF_MAGIC_USEC && h.magic != PF_MAGIC_NSEC) ||
	    h.major != 2 || h.minor < 4 || pcap_snapshot(p) <= 0)
		return NULL;
	/* Link types whose packets libpcap allows beyond 256 KiB. */
	if (dlt == DLT_DBUS || dlt == DLT_USBPCAP
#ifdef DLT_EBHSCR
	    || dlt == DLT_EBHSCR
#endif
	    )
		return NULL;
	pf = xcalloc(1, sizeof(*pf));
	pf->fd = fd;
	pf->nsec = h.magic == PF_MAGIC_NSEC;
	pf->snapshot = (uint32_t)pcap_snapshot(p);
	pf->off = PF_FILE_HDR;
	return pf;
}

/* The bytes in hand moved to the buffer's start, and more read after
 * them: 0, or -1 on a read error. */
static int
pf_fill(struct pcapfile *pf)
{
	ssize_t	n;

	if (pf->buf == NULL)
		pf->buf = pf->chunk[pf->cur] = xmalloc(PF_BUF);
	if (pf->pos > 0) {
		uint8_t *to = pf->buf;

		/* Held frames: the rest goes to the next chunk once free. */
		if (pf->hold != NULL) {
			pf->cur = (pf->cur + 1) % PCAPFILE_CHUNKS;
			if (pf->chunk[pf->cur] == NULL)
				pf->chunk[pf->cur] = xmalloc(PF_BUF);
			pf->hold(pf->hold_arg, pf->cur);
			to = pf->chunk[pf->cur];
		}
		memmove(to, pf->buf + pf->pos, pf->have - pf->pos);
		pf->buf = to;
		pf->have -= pf->pos;
		pf->pos = 0;
	}
	do
		n = pread(pf->fd, pf->buf + pf->have, PF_BUF - pf->have,
		    pf->off);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(pf->err, sizeof(pf->err), "error reading dump file: "
		    "%s", strerror(errno));
		return -1;
	}
	if (n == 0)
		pf->eof = 1;
	pf->have += (size_t)n;
	pf->off += n;
	return 0;
}

/* The file ended inside the record in hand: libpcap's words for it. */
static int
pf_truncated(struct pcapfile *pf)
{
	size_t			 got = pf->have - pf->pos;
	struct pf_rec_hdr	 rh;

	if (got < PF_REC_HDR) {
		snprintf(pf->err, sizeof(pf->err), "truncated dump file; "
		    "tried to read %d header bytes, only got %zu", PF_REC_HDR,
		    got);
		return -1;
	}
	memcpy(&rh, pf->buf + pf->pos, sizeof(rh));
	got -= PF_REC_HDR;
	if (rh.caplen > pf->snapshot && got < pf->snapshot)
		snprintf(pf->err, sizeof(pf->err), "truncated dump file; "
		    "tried to read %u captured bytes, only got %zu",
		    pf->snapshot, got);
	else
		snprintf(pf->err, sizeof(pf->err), "truncated dump file; "
		    "tried to read %u captured bytes, only got %zu",
		    rh.caplen, got);
	return -1;
}

int
pcapfile_next(struct pcapfile *pf, struct pcap_pkthdr *h,
    const u_char **data)
{
	for (;;) {
		size_t		 got = pf->have - pf->pos;

		if (got >= PF_REC_HDR) {
			const uint8_t		*r = pf->buf + pf->pos;
			struct pf_rec_hdr	 rh;

			memcpy(&rh, r, sizeof(rh));
			if (rh.caplen > PF_MAX_CAPLEN) {
				if (rh.caplen > pf->snapshot)
					snprintf(pf->err, sizeof(pf->err),
					    "invalid packet capture length %u, "
					    "bigger than snaplen of %u",
					    rh.caplen, pf->snapshot);
				else
					snprintf(pf->err, sizeof(pf->err),
					    "invalid packet capture length %u, "
					    "bigger than maximum of %u",
					    rh.caplen, PF_MAX_CAPLEN);
				return -1;
			}
			if (got >= PF_REC_HDR + (size_t)rh.caplen) {
				/* libpcap's stamps are signed 32-bit. */
				h->ts.tv_sec = (int32_t)rh.sec;
				h->ts.tv_usec = (int32_t)rh.frac;
				if (pf->nsec)
					h->ts.tv_usec /= 1000;
				h->caplen = rh.caplen < pf->snapshot ?
				    rh.caplen : pf->snapshot;
				h->len = rh.len;
				*data = r + PF_REC_HDR;
				pf->pos += PF_REC_HDR + (size_t)rh.caplen;
				return 1;
			}
		}
		if (pf->eof)
			return got == 0 ? 0 : pf_truncated(pf);
		if (pf_fill(pf) != 0)
			return -1;
	}
}

void
pcapfile_set_hold(struct pcapfile *pf, pcapfile_hold_fn fn, void *arg)
{
	pf->hold = fn;
	pf->hold_arg = arg;
}

unsigned
pcapfile_chunk(const struct pcapfile *pf)
{
	return pf->cur;
}

const char *
pcapfile_error(const struct pcapfile *pf)
{
	return pf->err;
}

void
pcapfile_close(struct pcapfile *pf)
{
	unsigned	c;

	if (pf == NULL)
		return;
	for (c = 0; c < PCAPFILE_CHUNKS; c++) {
		/* Frames of the file may still be in use elsewhere. */
		if (pf->hold != NULL && pf->chunk[c] != NULL)
			pf->hold(pf->hold_arg, c);
		free(pf->chunk[c]);
	}
	free(pf);
}
