/*
 * hostlist.c: the two list files of the host inventory's assets, read as
 * hostile input (util_read_list: capped lines, FILE:LINE errors):
 * known_hosts, one host a line (`IP` or `IP MAC`), and
 * approved_services, one service a line (`IP PORT/PROTO`).
 */
#ifndef CANHGAC_HOSTLIST_H
#define CANHGAC_HOSTLIST_H

#include <stddef.h>
#include <stdint.h>

struct ipset;

/* A known_hosts line: an address and, if given, its MAC. */
struct host_entry {
	uint8_t		 addr[16];	/* IPv4 in the first 4 */
	uint8_t		 ipver;
	uint8_t		 has_mac;
	uint8_t		 mac[6];
};

/* An approved_services line. */
struct svc_entry {
	uint8_t		 addr[16];
	uint8_t		 ipver;
	uint8_t		 proto;		/* PROTO_TCP or PROTO_UDP */
	uint16_t	 port;
};

/* Sorted arrays, searched by address (and port, protocol). */
struct hostlist {
	struct host_entry	*v;
	size_t			 n, cap;
};

struct svclist {
	struct svc_entry	*v;
	size_t			 n, cap;
};

/* Entries read (addresses also go to ips), or -1 with FILE:LINE in err. */
long	 hostlist_load(struct hostlist *, struct ipset *ips, const char *path,
	    char *err, size_t errlen);
long	 svclist_load(struct svclist *, struct ipset *ips, const char *path,
	    char *err, size_t errlen);
void	 hostlist_clear(struct hostlist *);
void	 svclist_clear(struct svclist *);
/* The known_hosts entry of an address, or NULL. */
const struct host_entry *hostlist_find(const struct hostlist *, int ipver,
	    const uint8_t *addr);
int	 svclist_has(const struct svclist *, int ipver, const uint8_t *addr,
	    uint16_t port, uint8_t proto);
/* "aa:bb:cc:dd:ee:ff" (or '-' between) into mac: 0, or -1. */
int	 hostlist_parse_mac(const char *, uint8_t mac[6]);
/* Which kind a list file's first entry is: 1 host, 2 service, 0 other. */
int	 hostlist_entry_kind(const char *entry);

#endif /* CANHGAC_HOSTLIST_H */
