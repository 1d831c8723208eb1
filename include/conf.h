/*
 * config.c: the configuration file (not autoconf's config.h).
 */
#ifndef CANHGAC_CONF_H
#define CANHGAC_CONF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "types.h"
#include "flow.h"

struct yaml_doc;
struct syslog_conf;
struct remote_conf;

/* A frame of an Ethernet MTU with room for tags: what a merged segment
 * is cut to (capture.c warns when an interface merges). */
#define CAPTURE_SNAPLEN_DEFAULT	1600

struct capture_conf {
	char		 iface[64];
	char		*bpf;
	int		 snaplen;	/* 0: CAPTURE_SNAPLEN_DEFAULT */
	int		 promisc;
	int		 buffer_size;	/* bytes, 0 = libpcap default */
};

static inline int
capture_snaplen(const struct capture_conf *cc)
{
	return cc->snaplen > 0 ? cc->snaplen : CAPTURE_SNAPLEN_DEFAULT;
}

struct config {
	char		*path;
	char		 sha256[65];	/* of the bytes parsed (yamldoc) */
	char		*sensor_name;
	int		 security_level;
	int		 workers;	/* sensor.workers; 0: per CPU */
	char		*timezone;
	int		 utc_offset;	/* seconds east, for timestamps */
	struct capture_conf capture[IFACE_MAX];
	int		 ncapture;
	uint64_t	 flow_memcap;
	struct flow_timeouts timeouts;
	char		*events_path;
	char		*dir;		/* of the config file: relative paths */
	char		*catalog;
	char		*selftest_cases;	/* sensor.selftest_cases */
	int		 language_vi;	/* sensor.language: vi */
	uint64_t	 threshold_memcap;
	uint64_t	 behaviour_memcap;	/* baseline, beacon, dns_tunnel */
	int		 regex_match_limit;	/* PCRE2 steps per start */
	int		 regex_depth_limit;	/* PCRE2 backtracking depth */
	char		*alerts_path;	/* outputs.json.path */
	struct syslog_conf *syslog;	/* outputs.syslog, or NULL */
	struct remote_conf *remote;	/* outputs.remote[] */
	int		 nremote;
	char		*user;		/* drop root to this user */
	char		*pidfile;
	char		*status_socket;	/* outputs.status.socket */
	int		 status_mode;	/* outputs.status.mode, 0: 0660 */
	char		*status_group;	/* outputs.status.group */
	char		*status_admin_group;	/* may reload, shut down */
	int		 status_clients_per_uid; /* connections a non-root uid */
	uint64_t	 status_follow_idle;	/* usec a follower may get nothing */
	int		 list_min_prefix4;	/* widest list file prefix */
	/* canhgacd --strict-list: this file's too wide entries refused
	 * (an update's check), not only warned of. */
	const char	*strict_list;
	int		 list_min_prefix6;
	char		*state_dir;	/* sensor.state_dir, or "none" */
	struct yaml_doc	*doc;		/* kept for later subsystems */
	int		 defrag_enabled;	/* defrag.* (defrag.c) */
	uint64_t	 defrag_memcap;
	uint64_t	 defrag_timeout;
	uint64_t	 stream_memcap;		/* stream.* (stream.c) */
	uint64_t	 stream_match_memcap;	/* pmatch.c */
	uint64_t	 stream_depth;
	uint64_t	 stream_gateway_depth;
	int		 stream_checksum_validation;	/* enum checksum_mode */
	uint64_t	 compliance_max_list_age;	/* usec */
	double		 compliance_max_drop_rate;	/* percent */
	uint64_t	 http_decompress_limit;	/* http.* (http_body.c) */
	int		 http_decompress_ratio;
	int		 http_decompress_bodies;
	int		 inventory_max_hosts;	/* inventory.* (hosts.c) */
};

struct config *config_load(const char *path, char *err, size_t errlen);
void	 config_free(struct config *);
void	 config_defaults(struct config *);
void	 config_print(const struct config *, FILE *);
/* 0 if user: and the status groups exist; -1 and a warning in err
 * (FILE:LINE:COL: warning: ...). */
int	 config_check_accounts(const struct config *, char *, size_t);
/* 0 if each tls destination's ca, cert and key load; -1 and err
 * (FILE:LINE:COL). */
int	 config_check_outputs(const struct config *, char *, size_t);
/* 0 if a reload from old to new applies every change; -1 and err
 * ("FILE:LINE:COL: KEY changes only at restart") if one needs a restart.
 * live: capture comes from the configuration's interfaces (not -r). */
int	 config_reload_check(const struct config *old,
	    const struct config *new, int live, char *err, size_t errlen);
/* path made absolute against the config file's directory (malloc'd);
 * config_path_try: NULL without memory. */
char	*config_path(const struct config *, const char *path);
char	*config_path_try(const struct config *, const char *path);

#endif /* CANHGAC_CONF_H */
