/*
 * community_id.c: Community ID v1 flow hashes.
 */
#ifndef CANHGAC_COMMUNITY_ID_H
#define CANHGAC_COMMUNITY_ID_H

#include <stddef.h>
#include <stdint.h>

int	 community_id_v1(uint16_t seed, int ipver, const uint8_t *saddr,
	    const uint8_t *daddr, uint8_t proto, uint16_t sport,
	    uint16_t dport, char *out, size_t outlen);
/* Map ICMP type/code to the port pair of the Community ID spec. */
int	 community_id_icmp_ports(uint8_t proto, uint8_t type, uint8_t code,
	    uint16_t *sport, uint16_t *dport);

#endif /* CANHGAC_COMMUNITY_ID_H */
