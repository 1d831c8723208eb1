/*
 * Tests' referee for the in-place reader (pcapfile.c): libpcap itself.
 * Used by tests/unit/pcapfile_test.c and tests/fuzz/fuzz_pcap.c.
 */
#ifndef CANHGAC_PCAP_REFEREE_H
#define CANHGAC_PCAP_REFEREE_H

#include <string.h>

#include <pcap/pcap.h>

#include "pcapfile.h"

#define REFEREE_NOT_TAKEN	(-1)	/* libpcap or pcapfile refused it */
#define REFEREE_DIFFERS		(-2)

/*
 * The file name read by both, fd being the reader's own descriptor on
 * it: every record (stamp, lengths, bytes), the end and an error's words
 * must be what pcap_next_ex gives. The records read, or one of the
 * above (*why: what differed first).
 */
static inline long
pcap_referee(const char *name, int fd, const char **why)
{
	char			 e1[PCAP_ERRBUF_SIZE], e2[PCAP_ERRBUF_SIZE];
	pcap_t			*ref, *p;
	struct pcapfile		*pf = NULL;
	struct pcap_pkthdr	*rh, h;
	const u_char		*rd, *d;
	long			 n = REFEREE_NOT_TAKEN;
	int			 rc, rrc;

	*why = NULL;
	ref = pcap_open_offline_with_tstamp_precision(name,
	    PCAP_TSTAMP_PRECISION_MICRO, e1);
	p = pcap_open_offline_with_tstamp_precision(name,
	    PCAP_TSTAMP_PRECISION_MICRO, e2);
	if (ref == NULL || p == NULL || (pf = pcapfile_open(p, fd)) == NULL)
		goto out;
	for (n = 0;; n++) {
		rrc = pcap_next_ex(ref, &rh, &rd);
		rc = pcapfile_next(pf, &h, &d);
		if (rrc == PCAP_ERROR_BREAK)
			rrc = 0;
		if (rc != rrc)
			*why = "result";
		else if (rc == 1 && (h.ts.tv_sec != rh->ts.tv_sec ||
		    h.ts.tv_usec != rh->ts.tv_usec))
			*why = "stamp";
		else if (rc == 1 && (h.caplen != rh->caplen ||
		    h.len != rh->len))
			*why = "lengths";
		else if (rc == 1 && memcmp(d, rd, h.caplen) != 0)
			*why = "bytes";
		else if (rc < 0 && strcmp(pcapfile_error(pf),
		    pcap_geterr(ref)) != 0)
			*why = "error";
		if (*why != NULL) {
			n = REFEREE_DIFFERS;
			break;
		}
		if (rc != 1)
			break;
	}
out:
	pcapfile_close(pf);
	if (ref != NULL)
		pcap_close(ref);
	if (p != NULL)
		pcap_close(p);
	return n;
}

#endif /* CANHGAC_PCAP_REFEREE_H */
