/*
 * capture.c: live interfaces and pcap files through libpcap.
 */
#ifndef CANHGAC_CAPTURE_H
#define CANHGAC_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "pcapfile.h"

struct event_base;
struct capture_conf;

struct iface {
	char		 name[64];
	int		 idx;
	int		 dlt;
	int		 offline;
	int		 ifindex;	/* live: the one captured; 0: unknown */
	uint64_t	 pkts;		/* packets handed to decode */
	uint64_t	 ps_recv, ps_drop, ps_ifdrop;
	uint64_t	 let_go_at_start;	/* caught before the split */
};

struct capture;
struct pcap;
typedef void (*capture_pkt_cb)(const struct iface *, uint64_t ts,
	    const uint8_t *, uint32_t caplen, uint32_t wirelen, void *);
typedef void (*capture_done_cb)(void *);
/* full: the batch was as long as allowed, so more are likely waiting. */
typedef void (*capture_batch_cb)(void *, int full);
struct capture *capture_new(struct event_base *, capture_pkt_cb,
	    capture_done_cb, void *);
void	 capture_set_batch_cb(struct capture *, capture_batch_cb);
void	 capture_set_pkt_cb(struct capture *, capture_pkt_cb);
int	 capture_add_live(struct capture *, const struct capture_conf *,
	    char *err, size_t errlen);
int	 capture_add_file(struct capture *, const char *path, char *err,
	    size_t errlen);
int	 capture_add_offline(struct capture *, struct pcap *, const char *path,
	    char *err, size_t errlen);
/* Live capture split among n readers (the loop and n - 1 threads). */
int	 capture_fanout(struct capture *, unsigned n, char *err, size_t errlen);
int	 capture_reader_fd(const struct capture *, unsigned reader, int iface);
int	 capture_pending(const struct capture *, int reader);
int	 capture_reader_read(struct capture *, unsigned reader, int iface,
	    capture_pkt_cb, void *);
/*
 * A replay's frames handed to other threads where they lie: files read
 * in place (pcapfile.c) keep them until hold(arg, chunk) returns
 * (pcapfile_set_hold; NULL: no one else reads them). capture_file_chunk:
 * the buffer of the frame in hand, or -1 when libpcap reads the file
 * (its frame is gone at the next read: copy it).
 */
void	 capture_file_hold(struct capture *, pcapfile_hold_fn, void *arg);
int	 capture_file_chunk(const struct capture *);
int	 capture_start(struct capture *);
void	 capture_stop(struct capture *);
void	 capture_stats_update(struct capture *);
enum { CAPTURE_LINK_UNKNOWN, CAPTURE_LINK_UP, CAPTURE_LINK_NO_CARRIER,
	CAPTURE_LINK_DOWN, CAPTURE_LINK_MISSING, CAPTURE_LINK_OFFLINE };
int	 capture_link_state(const struct iface *);
const char *capture_link_name(int);
void	 capture_check_links(struct capture *);
int	 capture_count(const struct capture *);
int	 capture_streaming(const struct capture *);
const struct iface *capture_iface(const struct capture *, int);
void	 capture_free(struct capture *);

#endif /* CANHGAC_CAPTURE_H */
