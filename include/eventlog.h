/*
 * eventlog.c: EVE-style event records.
 */
#ifndef CANHGAC_EVENTLOG_H
#define CANHGAC_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

struct packet;
struct app_result;
struct app_dns;
struct jsonw;

struct eventlog;
struct eventlog *eventlog_open(const char *path, const char *sensor,
	    int utc_offset, char *err, size_t errlen);
/*
 * A worker's records, a block at a time on q to the loop thread, which
 * writes them with eventlog_take. block: a full queue waits (a replay);
 * else the records are counted in eventlog_lost. line_by_line: each
 * record goes as it is made (the log is stdout). NULL without memory.
 */
struct ring;
struct eventlog *eventlog_queue(struct ring *q, int block, int line_by_line,
	    const char *sensor, int utc_offset);
void	 eventlog_take(struct eventlog *, const void *rec, size_t len);
uint64_t eventlog_lost(const struct eventlog *);
int	 eventlog_is_stdout(const struct eventlog *);
void	 eventlog_flow(struct eventlog *, const struct flow *,
	    enum flow_end_reason, const char *iface);
void	 eventlog_app(struct eventlog *, const struct packet *,
	    const struct app_result *);
void	 eventlog_dns(struct jsonw *, const struct app_dns *, int alert);
void	 eventlog_flush(struct eventlog *);
void	 eventlog_carry(struct eventlog *to, const struct eventlog *from);
void	 eventlog_close(struct eventlog *);
uint64_t eventlog_count(const struct eventlog *);
uint64_t eventlog_errors(const struct eventlog *);

#endif /* CANHGAC_EVENTLOG_H */
