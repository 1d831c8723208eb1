/*
 * floor: the cost of reading a capture and nothing else.
 *
 *   floor [--libpcap] FILE
 *
 * Reads FILE and counts packets and captured bytes; prints one JSON
 * line: file, packets, bytes, seconds, packets_per_second. The sensor
 * cannot be faster than this on the same file and machine, so benchmark
 * results are read against it. It reads the file as canhgacd does
 * (capture.c): libpcap opens it through a 256 KiB stdio buffer, read
 * without stdio's lock, and a classic pcap file's records are read in
 * place (pcapfile.c), others with pcap_next_ex; so the floor stays the
 * cheapest read and ratios to it measure the packet path alone.
 *
 * --libpcap reads it as libpcap does by default (pcap_open_offline,
 * pcap_next_ex through its own buffer), as tcpdump does and as this
 * floor did when the benchmark's targets were set: the same read for
 * every version of the sensor, so ratios to it stay comparable over time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if __has_include(<stdio_ext.h>)
#include <stdio_ext.h>
#define FLOOR_NOLOCK
#endif

#include <pcap/pcap.h>

#include "pcapfile.h"

/* The file name as a JSON string (it may hold any byte). */
static void
json_string(FILE *fp, const char *s)
{
	const unsigned char	*p;

	fputc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\u%04x", *p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	static char		 buf[256 * 1024];	/* CAPTURE_FILE_BUF */
	char			 errbuf[PCAP_ERRBUF_SIZE];
	FILE			*fp = NULL;
	pcap_t			*p;
	struct pcapfile		*pf;
	struct pcap_pkthdr	*h, ph;
	const u_char		*data;
	uint64_t		 packets = 0, bytes = 0;
	double			 t0, secs;
	int			 rc, libpcap = 0;

	if (argc == 3 && strcmp(argv[1], "--libpcap") == 0) {
		libpcap = 1;
		argv++;
		argc--;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: floor [--libpcap] FILE\n");
		return 2;
	}
	t0 = now();
	if (libpcap)
		p = pcap_open_offline(argv[1], errbuf);
	else if ((fp = fopen(argv[1], "rb")) == NULL) {
		perror(argv[1]);
		return 1;
	} else {
		(void)setvbuf(fp, buf, _IOFBF, sizeof(buf));
#ifdef FLOOR_NOLOCK
		(void)__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif
		if ((p = pcap_fopen_offline(fp, errbuf)) == NULL)
			fclose(fp);
	}
	if (p == NULL) {
		fprintf(stderr, "floor: %s\n", errbuf);
		return 1;
	}
	pf = libpcap ? NULL : pcapfile_open(p, fileno(fp));
	if (pf != NULL) {
		while ((rc = pcapfile_next(pf, &ph, &data)) == 1) {
			packets++;
			bytes += ph.caplen;
		}
	} else {
		while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
			packets++;
			bytes += h->caplen;
		}
		if (rc == PCAP_ERROR_BREAK)	/* the end of the file */
			rc = 0;
	}
	if (rc < 0) {
		fprintf(stderr, "floor: %s: %s\n", argv[1], pf != NULL ?
		    pcapfile_error(pf) : pcap_geterr(p));
		pcapfile_close(pf);
		pcap_close(p);
		return 1;
	}
	pcapfile_close(pf);
	pcap_close(p);
	secs = now() - t0;
	fputs("{\"file\":", stdout);
	json_string(stdout, argv[1]);
	printf(",\"packets\":%llu,\"bytes\":%llu,\"seconds\":%.6f,"
	    "\"packets_per_second\":%.0f}\n", (unsigned long long)packets,
	    (unsigned long long)bytes, secs,
	    secs > 0 ? (double)packets / secs : 0.0);
	return 0;
}
