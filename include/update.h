/*
 * Rule and indicator updates (canhgacctl update): the `updates:`
 * section of the configuration (update_conf.c), fetching a source from
 * a file or over HTTPS with its checks (update_fetch.c), converting
 * indicator formats to the list format (update_format.c), and the run
 * itself: stage, check with canhgacd -T, swap, reload, roll back
 * (update.c).
 */
#ifndef CANHGAC_UPDATE_H
#define CANHGAC_UPDATE_H

#include <stddef.h>
#include <stdint.h>

struct yaml_doc;
struct yaml_node_s;

enum update_format {
	UPD_PLAIN,		/* one IP/CIDR or domain a line, # comments */
	UPD_CSV,		/* one column of a CSV file */
	UPD_MISP,		/* MISP's text export: a value a line */
	UPD_RULES		/* a rule pack (YAML), written as it came */
};

#define UPD_MAX_SIZE_DEFAULT	(16ULL * 1024 * 1024)
#define UPD_MAX_SIZE_MAX	(1ULL << 30)
#define UPD_TIMEOUT_DEFAULT	30		/* seconds */
#define UPD_SIG_MAX		(64 * 1024)	/* a signature file */

struct update_source {
	char			*name;
	char			*url;		/* a path or https:// */
	char			*target;	/* asset, or rule pack path */
	char			*path;		/* the file written */
	enum update_format	 format;
	int			 column;	/* csv: 1-based */
	int			 header;	/* csv: skip the first row */
	char			*ca;		/* pinned CA file, or NULL */
	char			*sha256;	/* expected content, hex */
	char			*signature;	/* URL of the signature */
	char			*pubkey;	/* PEM public key file */
	uint64_t		 max_size;	/* bytes */
	int			 timeout;	/* seconds */
};

struct update_conf {
	struct update_source	*src;
	size_t			 nsrc;
	char			*socket;	/* outputs.status.socket */
};

/* An https:// URL as update_fetch takes it. */
struct upd_url {
	char	host[256];
	char	port[8];
	char	path[2048];
	int	ip;		/* the host is an address literal */
};

/* https://HOST[:PORT][/PATH] into out; -1 with err (printable). */
int	 update_url_parse(const char *u, struct upd_url *out, char *err,
	    size_t errlen);

/*
 * Parse and check the `updates:` section of the configuration (yd, its
 * root; dir: the configuration's directory, "" or ending in '/'). The
 * daemon calls it from config_load so that -T refuses a bad section.
 * A configuration without the section gives no sources. -1 with err.
 */
int	 update_conf_load(struct yaml_doc *yd, const char *dir,
	    struct update_conf *uc, char *err, size_t errlen);
void	 update_conf_free(struct update_conf *uc);

/* A growing buffer of bytes (NUL-terminated for convenience). */
struct upd_buf {
	char	*p;
	size_t	 len, cap;
};
void	 upd_buf_add(struct upd_buf *b, const void *p, size_t n);
void	 upd_buf_free(struct upd_buf *b);
/* Bytes of a message outside printable ASCII become '?'. */
void	 upd_printable(char *s);

/*
 * A source's one deadline: its name lookup, connection, handshake,
 * request, answer and signature all fit in its timeout (each had its
 * own, or none: a lookup held the update for the resolver's timeouts).
 */
struct upd_deadline {
	int	timeout;	/* seconds, for messages */
	int64_t	at;		/* CLOCK_MONOTONIC, milliseconds */
};
void	 update_deadline_start(struct upd_deadline *d, int timeout);

/*
 * Fetch url (a path, file://PATH or https://HOST[:PORT]/PATH) into out,
 * at most max bytes, before the deadline; HTTPS is verified against
 * ca alone when given (else the system's trust store) and the host
 * name. Redirects are refused. -1 with err.
 */
int	 update_fetch(const char *url, const char *ca, uint64_t max,
	    const struct upd_deadline *d, struct upd_buf *out, char *err,
	    size_t errlen);
/*
 * The checks a source asks for: sha256, then signature with pubkey
 * (fetched before the same deadline as the content).
 */
int	 update_verify(const struct update_source *s, const struct upd_buf *b,
	    const struct upd_deadline *d, char *err, size_t errlen);

/*
 * Convert in (len bytes, any content) of format f to the list format:
 * one entry a line after a header comment naming the source. Entries
 * are not judged here (the loader does that, as at reload) but a value
 * that is not printable ASCII, or longer than 253 bytes, is refused
 * with its line number. Rule packs are passed through. -1 with err;
 * *count: the entries written.
 */
int	 update_convert(const char *in, size_t len, enum update_format f,
	    int column, int header, const char *comment, struct upd_buf *out,
	    size_t *count, char *err, size_t errlen);
const char *update_format_name(enum update_format f);
int	 update_format_parse(const char *s, enum update_format *f);

/* What update_run needs from its caller: the daemon's reload. */
#define UPD_RELOAD_OK		0
#define UPD_RELOAD_FAILED	-1	/* the daemon refused it (err) */
#define UPD_RELOAD_NODAEMON	-2	/* nobody on the socket */
typedef int (*update_reload_fn)(const char *socket, char *err,
	    size_t errlen);

struct update_opts {
	const char	*config;	/* canhgac.yaml */
	const char	*canhgacd;	/* the daemon, run with -T */
	const char	*socket;	/* overrides outputs.status.socket */
	char *const	*only;		/* source names, NULL-terminated */
	update_reload_fn reload;
};

/*
 * The whole update; prints one line a source on stdout (updated N
 * entries, unchanged, failed: why) and returns the exit status: 0 all
 * went, 1 a source failed or was rolled back, 2 the configuration is
 * unusable.
 */
int	 update_run(const struct update_opts *o);

#endif /* CANHGAC_UPDATE_H */
