/*
 * ipset.c: address sets (IPv4 and IPv6 CIDRs); lookup cost independent
 * of the number of entries.
 */
#ifndef CANHGAC_IPSET_H
#define CANHGAC_IPSET_H

#include <stddef.h>
#include <stdint.h>

struct ipset;
/* NULL without memory: sets are built at reloads, beside the running
 * ones, and a reload without room for them fails, not the daemon. */
struct ipset *ipset_new(void);
void	 ipset_free(struct ipset *);
/* Add "10.0.0.0/8", "10.20.0.53", "fd00::/8"; -1 with a message in err. */
int	 ipset_add_str(struct ipset *, const char *, char *err, size_t errlen);
int	 ipset_add(struct ipset *, int ipver, const uint8_t *addr, int plen);
int	 ipset_contains(const struct ipset *, int ipver, const uint8_t *addr);
size_t	 ipset_count(const struct ipset *);
size_t	 ipset_memory(const struct ipset *);
/* Load a list file (one IP or CIDR a line, # comments); errors name
 * FILE:LINE. Returns entries added or -1. */
long	 ipset_load_file(struct ipset *, const char *path, char *err,
	    size_t errlen);
/* A prefix wider than /min4 (/min6)? 1 with the reason. */
int	 ipset_too_wide(const char *, int min4, int min6, char *why,
	    size_t whylen);
/* ipset_load_file warns (FILE:LINE) of entries wider than these, or with
 * refuse fails on the first. */
void	 ipset_set_widest(struct ipset *, int min4, int min6, int refuse);

#endif /* CANHGAC_IPSET_H */
