/*
 * pcapfile.c: the records of a classic pcap file read in place, for a
 * replay (`canhgacd -r FILE`). libpcap opens the file (it checks the
 * header and maps the link type); this reads the records after it in
 * large chunks and hands out pointers into the chunk, where libpcap
 * reads each packet with two freads and copies it out of stdio's
 * buffer. Only files whose records libpcap would pass on unchanged are
 * taken: version 2.4, the reader's byte order, micro- or nanosecond
 * stamps; anything else (pcapng, other byte order, old versions, a
 * pipe) stays with libpcap.
 */
#ifndef CANHGAC_PCAPFILE_H
#define CANHGAC_PCAPFILE_H

#include <pcap/pcap.h>

struct pcapfile;

/*
 * The records of fd, the file p was opened on (a regular file, read
 * with pread from just after the 24-byte header), or NULL: not a file
 * this reads; libpcap goes on reading it.
 */
struct pcapfile	*pcapfile_open(pcap_t *p, int fd);
/*
 * The next record, as pcap_next_ex gives it with microsecond stamps:
 * 1 and *h, *data (valid until the next call); 0 at the end of the file;
 * -1 on a damaged file or a read error, worded as libpcap words it
 * (pcapfile_error). A packet over the file's snapshot length is cut to
 * it, as libpcap does.
 */
int		 pcapfile_next(struct pcapfile *, struct pcap_pkthdr *h,
		    const u_char **data);
/*
 * A replay whose frames other threads read where they lie (workers.c):
 * the records go round PCAPFILE_CHUNKS buffers instead of one, and
 * hold(arg, c) is called before buffer c is read into again (or freed),
 * to return once no frame in it is in use. pcapfile_chunk: the buffer of
 * the record pcapfile_next gave last.
 */
/* Two: with four, the kernel's copy into the colder buffers and the
 * workers' reads of them cost more than waiting for a worker's release
 * did (perf, two workers on mixed-1M: the copy's samples 1.5-2.5x;
 * fifteen interleaved rounds, 6 % more packets/s with two). */
#define PCAPFILE_CHUNKS	2
typedef void	(*pcapfile_hold_fn)(void *arg, unsigned chunk);
void		 pcapfile_set_hold(struct pcapfile *, pcapfile_hold_fn,
		    void *arg);
unsigned	 pcapfile_chunk(const struct pcapfile *);
const char	*pcapfile_error(const struct pcapfile *);
void		 pcapfile_close(struct pcapfile *);

#endif /* CANHGAC_PCAPFILE_H */
