/*
 * output.c, output_syslog.c, output_remote.c: alert delivery.
 */
#ifndef CANHGAC_OUTPUT_H
#define CANHGAC_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "spool.h"

struct event_base;
struct config;
struct jsonw;
struct outputs;
struct syslog_out;
struct remote;

#define REMOTE_MAX		8
#define SD_ENTERPRISE_DEFAULT	32473

struct syslog_conf {
	int		 facility;	/* LOG_LOCAL4 ... (already shifted) */
	char		*socket;	/* default /dev/log */
	char		*ident;
};

struct remote_conf {
	char		*host;
	int		 port;
	int		 tls;		/* transport: tls (default) or tcp */
	char		*ca, *cert, *key;
	char		*server_name;	/* checked in the certificate; = host */
	char		*spool;		/* directory */
	uint64_t	 spool_max;	/* bytes */
	enum spool_fsync fsync;
	uint32_t	 enterprise;	/* SD-ID canhgac@N */
	uint64_t	 backoff_max;	/* usec */
	uint64_t	 drain_timeout;	/* usec, at exit */
	uint64_t	 resend_window;	/* usec kept after TCP ack */
};

/* One alert as the outputs see it: the JSON line and what they need. */
struct alert_rec {
	const char	*json;		/* one JSON object, with newline */
	size_t		 len;
	uint32_t	 sid;
	int		 category;	/* CAT_* */
	int		 severity;	/* 1 critical .. 5 info */
	uint64_t	 ts;		/* usec since the epoch */
	const char	*sensor;
	/* Filled by outputs_alert: the JSON flattened to key=value. */
	const char	*const *keys;
	const char	*const *vals;
	size_t		 nkv;
};

struct outputs *outputs_new(struct event_base *, const struct config *,
	    char *err, size_t errlen);
void	 outputs_free(struct outputs *);
void	 outputs_alert(struct outputs *, const struct alert_rec *);
/* Deliver what is pending (up to each drain_timeout), then call cb. */
void	 outputs_drain(struct outputs *, void (*cb)(void *), void *arg);
void	 outputs_tick(struct outputs *);
/* Alerts an output gave up on (syslog queue, spool, unformattable). */
uint64_t outputs_dropped(const struct outputs *);
/* Alerts that could not be flattened (they reached no output). */
uint64_t outputs_unformattable(const struct outputs *);
const struct syslog_out *outputs_syslog(const struct outputs *);
int	 outputs_nremote(const struct outputs *);
const struct remote *outputs_remote(const struct outputs *, int);

struct syslog_stats {
	const char	*socket;
	const char	*state;		/* delivering, retrying, down */
	const char	*last_error;	/* or NULL */
	uint64_t	 sent, queued, retried, waiting, dropped, errors;
};
struct syslog_out *syslog_out_new(struct event_base *,
	    const struct syslog_conf *, char *err, size_t errlen);
void	 syslog_out_free(struct syslog_out *);
/* Never blocks: what the socket refuses waits, retried on a timer. */
void	 syslog_out_send(struct syslog_out *, const struct alert_rec *);
/*
 * The message after the syslog header: "description; key='value', ..."
 * as libevtlog writes it, but with every value escaped the way
 * syslog-ng's kv-parser reads it back. Its length, 0 if len is short.
 */
size_t	 syslog_kv_format(char *buf, size_t len, const char *desc,
	    const char *const *keys, const char *const *vals, size_t n);
/* Deliver what waits while the listener takes it, then call cb. */
void	 syslog_out_drain(struct syslog_out *, void (*cb)(void *), void *arg);
uint64_t syslog_out_dropped(const struct syslog_out *);
void	 syslog_out_stats(const struct syslog_out *, struct syslog_stats *);

/* -T: the files of a tls destination load as its start loads them; -1
 * with err and *which the key at fault ("ca", "cert"). */
int	 remote_check_tls(const struct remote_conf *, const char **which,
	    char *err, size_t errlen);
struct remote *remote_new(struct event_base *, const struct remote_conf *,
	    const char *sensor, char *err, size_t errlen);
void	 remote_free(struct remote *);
void	 remote_send(struct remote *, const struct alert_rec *);
int	 remote_drained(const struct remote *);
void	 remote_drain(struct remote *, void (*cb)(void *), void *arg);
void	 remote_tick(struct remote *);
uint64_t remote_dropped(const struct remote *);
struct remote_stats {
	const char	*destination;	/* host:port */
	const char	*transport;	/* tcp, tls */
	const char	*state;		/* disconnected, connecting, connected */
	const char	*last_error;	/* "" if none */
	uint64_t	 sent, spooled, replayed, resent, dropped;
	uint64_t	 spool_pending, spool_bytes, in_flight;
	uint64_t	 connects, connect_failures, disconnects;
	uint64_t	 spool_errors, spool_corrupt, format_errors;
};
void	 remote_stats(const struct remote *, struct remote_stats *);
/* Format one RFC 5424 message, octet-counted; returns its length. */
size_t	 remote_format(char *buf, size_t len, const struct alert_rec *,
	    const char *hostname, uint32_t enterprise, uint64_t seq);

#endif /* CANHGAC_OUTPUT_H */
