/*
 * hosts.c: the host inventory. Every host seen in protected_segments
 * (address, MAC, first and last seen, ports it answered on, bytes in
 * and out), in a table of inventory.max_hosts preallocated at start:
 * found by a seeded hash, the least recently seen host evicted when it
 * is full (counted). Updated per flow (start, established, end), per ARP,
 * neighbour advertisement and DHCP packet: nothing is allocated, no list is scanned. Kept in
 * STATE_DIR/hosts.json across restarts of the live sensor. It raises the
 * rule events host_new, service_new and arp_change and the dhcp record.
 */
#ifndef CANHGAC_HOSTS_H
#define CANHGAC_HOSTS_H

#include <stddef.h>
#include <stdint.h>

struct sensor;
struct worker;
struct flow;
struct packet;
struct jsonw;
struct json_t;

#define HOST_PORTS_MAX	16	/* ports a host answered on, kept */

/* What an alert on host_new / arp_change says about the MACs. */
struct host_event {
	uint8_t		 mac[6];
	uint8_t		 old_mac[6];
	uint8_t		 has_mac, has_old;
};

struct host {
	uint8_t		 addr[16];
	uint8_t		 ipver;
	uint8_t		 has_mac;
	uint8_t		 nports;
	uint8_t		 mac[6];
	uint16_t	 ports[HOST_PORTS_MAX];
	uint8_t		 port_proto[HOST_PORTS_MAX];
	uint64_t	 first, last;	/* packet time, microseconds */
	uint64_t	 mac_ts;	/* of the claim that gave mac; 0: none */
	uint64_t	 bytes_in, bytes_out;
	uint32_t	 hnext;		/* hash chain: index + 1, 0 ends */
	uint32_t	 older, newer;	/* by last seen: index + 1 */
};

struct hosts_stats {
	uint64_t	 hosts;		/* in the table now */
	uint64_t	 added, evicted;
	uint64_t	 ports_dropped;	/* a host's port list was full */
	uint64_t	 arp_changes, dhcp;
	uint64_t	 cap;
};

struct hosts;
struct hosts	*hosts_new(uint32_t cap);
void		 hosts_free(struct hosts *);
/* Packet workers (workers.c) share the table: a lock from now on. */
void		 hosts_share(struct hosts *);
const struct hosts_stats *hosts_stats(const struct hosts *);
/* Hosts in the table. */
size_t		 hosts_count(const struct hosts *);
/* The host of an address, or NULL. */
const struct host *hosts_find(const struct hosts *, int ipver,
		    const uint8_t *addr);
/* Whether a host is in known_hosts of the current rule set. */
int		 hosts_known(const struct sensor *, const struct host *);
/* "aa:bb:cc:dd:ee:ff" */
void		 hosts_mac_str(const uint8_t mac[6], char out[18]);

/* The sensor's hooks (sensor.c, lifecycle.c). */
void	 hosts_flow_established(struct worker *, struct flow *,
	    uint64_t ts, const char *iface);
void	 hosts_flow_end(struct worker *, const struct flow *);
void	 hosts_arp(struct worker *, const struct packet *);
void	 hosts_ndp(struct worker *, const struct packet *);
void	 hosts_dhcp(struct worker *, const struct packet *);
int	 hosts_init(struct sensor *, char *err, size_t errlen);
void	 hosts_shutdown(struct sensor *);
/* Save STATE_DIR/hosts.json now (live sensor only); 0 or -1. */
int	 hosts_save(struct sensor *);
/*
 * The same from a copy of the table, formatted and written by a thread
 * (the periodic save: not on the loop); 1 while the last one still
 * writes, -1 when it could not start one and failed on the loop.
 */
int	 hosts_save_background(struct sensor *);
/* The inventory as JSON for `canhgacctl hosts` and the report, the
 * most recently seen first, at most limit hosts: only_unknown leaves out
 * hosts in known_hosts. */
struct json_t *hosts_json(const struct sensor *, int only_unknown,
	    size_t limit);

#endif /* CANHGAC_HOSTS_H */
