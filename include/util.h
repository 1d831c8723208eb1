/*
 * util.c: parsing sizes and durations, formatting, list files.
 */
#ifndef CANHGAC_UTIL_H
#define CANHGAC_UTIL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

int	 util_parse_size(const char *, uint64_t *);
int	 util_parse_duration(const char *, uint64_t *);
/* The length written (strlen of buf). */
size_t	 util_format_ts(uint64_t usec, char *buf, size_t len, int utc_offset);
int	 util_addr_str(int ipver, const uint8_t *a, char *buf, size_t len);
/* An IPv6 address cut to its first bits bits, in place (128: as is). */
void	 util_addr_net(uint8_t a[16], unsigned bits);
/* The same into buf of INET6_ADDRSTRLEN (INET_ADDRSTRLEN for IPv4):
 * its length, less the NUL. */
size_t	 util_addr_fmt(int ipver, const uint8_t *a, char *buf);
const char *util_proto_name(uint8_t proto, char *buf, size_t len);
int	 util_days_in_month(int year, int mon);
/*
 * Bytes at p (NUL-terminated) that must not reach a terminal: a C0
 * control (but '\n' when newline is set), DEL, a C1 control as UTF-8 or
 * a bidirectional override or isolate; 0 when p is safe to show.
 */
size_t	 util_term_unsafe(const unsigned char *p, int newline);
/* The value of a hexadecimal digit, either case; -1 if c is none. */
int	 util_hexval(int c);
/* "no memory to read the configuration" into err; -1. */
int	 util_nomem(char *err, size_t errlen);
/* entry_cb: 0 taken, 1 taken with a warning in msg, -1 refused. */
int	 util_read_list(const char *path, int (*size_cb)(uint64_t, void *),
	    int (*entry_cb)(const char *, void *, char *, size_t), void *arg,
	    char *err, size_t errlen);
/* The SHA-256 (hex) and modification time of the bytes the calling
 * thread's last util_read_list read, when it read path whole; -1 if
 * it did not. */
int	 util_list_digest(const char *path, char sha256[65], int64_t *mtime);
/*
 * Lower the calling thread's CPU share (nice +10): the threads that load
 * or free a rule set, or run the self-test, yield to the capture loop
 * on a busy host, so that a reload does not make the kernel drop.
 */
void	 util_background_thread(void);
/* CLOCK_MONOTONIC in microseconds: for intervals, not timestamps. */
uint64_t util_mono_usec(void);
/*
 * One background job at a time (the periodic saves): util_job_start runs
 * fn(arg) in a thread at nice +10 unless the last still runs (1) or no
 * thread can start (-1); fn ends with util_job_done. util_job_join waits
 * for it (before a direct save, or freeing what it reads).
 */
struct util_job {
	pthread_t	 tid;
	int		 started;
	int		 busy;		/* atomic: the thread runs */
};
int	 util_job_busy(struct util_job *);
int	 util_job_start(struct util_job *, void *(*fn)(void *), void *arg);
void	 util_job_done(struct util_job *);
void	 util_job_join(struct util_job *);

#endif /* CANHGAC_UTIL_H */
