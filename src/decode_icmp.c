/*
 * ICMP and ICMPv6: type and code. The flow layer treats type/code as
 * ports, the way Community ID does.
 */
#include "config.h"

#include <stdint.h>

#include "decode.h"
#include "types.h"

static int
decode_icmp_common(const uint8_t *p, size_t len, struct packet *pkt,
    enum decode_err short_err)
{
	if (len < 4) {
		pkt->err = short_err;
		return -1;
	}
	pkt->icmp_type = p[0];
	pkt->icmp_code = p[1];
	pkt->sport = p[0];
	pkt->dport = p[1];
	pkt->flags |= PKT_L4;
	if (len >= 8) {
		pkt->payload = p + 8;
		pkt->payload_len = (uint32_t)(len - 8);
	}
	return 0;
}

int
decode_icmp(const uint8_t *p, size_t len, struct packet *pkt)
{
	return decode_icmp_common(p, len, pkt, DE_ICMP_SHORT);
}

int
decode_icmpv6(const uint8_t *p, size_t len, struct packet *pkt)
{
	return decode_icmp_common(p, len, pkt, DE_ICMPV6_SHORT);
}
