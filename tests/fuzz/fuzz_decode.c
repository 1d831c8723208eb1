/*
 * libFuzzer target: one frame through decode, flow and app metadata,
 * and the packets its tunnels carry.
 * The first input byte picks the link type, so one corpus covers all.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pcap/dlt.h>

#include "app.h"
#include "decode.h"
#include "flow.h"
#include "types.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct flow_table	*ft;
static struct app_ctx		*app;
static uint64_t			 clock_us;

static void
on_end(struct flow *f, enum flow_end_reason r, void *arg)
{
	(void)r;
	(void)arg;
	app_flow_release(app, f);
}

/* What the event log decodes later, only on demand: DNS answers. */
static void
on_record(const struct packet *pkt, const struct app_result *r, void *arg)
{
	struct app_dns_iter	it = { 0, 0 };
	struct app_dns_rr	rr;

	(void)pkt;
	(void)arg;
	if (r->have == APPR_DNS)
		while (app_dns_answer(&r->dns, &it, &rr) == 1)
			;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int	 dlts[] = { DLT_EN10MB, DLT_LINUX_SLL,
				    276, DLT_RAW, 228, 229, DLT_NULL, DLT_LOOP };
	struct decode_stats	 st;
	struct packet		 pkt, buf[2];
	uint8_t			 depth = 0;
	int			 rc;

	if (ft == NULL) {
		ft = flow_table_new(4 << 20, NULL, on_end, NULL);
		app = app_init(64, on_record, NULL);
	}
	if (size < 1)
		return 0;
	memset(&st, 0, sizeof(st));
	memset(&pkt, 0, sizeof(pkt));
	pkt.ts = clock_us += 1000;
	pkt.caplen = pkt.wirelen = (uint32_t)(size - 1);
	rc = decode_frame(dlts[data[0] % 8], data + 1, size - 1, &pkt, &st);
	/* Each packet, then the one its tunnel carries, as sensor.c does. */
	for (;;) {
		struct packet *p = depth == 0 ? &pkt : &buf[depth & 1];

		if (rc == 0 && p->ipver != 0 && flow_lookup(ft, p) != NULL)
			app_process(app, p);
		if (!(p->flags & PKT_TUNNEL))
			break;
		depth++;
		rc = decode_inner(p, &buf[depth & 1], depth, &st);
	}
	flow_expire(ft, clock_us);
	return 0;
}
