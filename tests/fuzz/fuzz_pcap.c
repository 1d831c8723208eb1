/*
 * libFuzzer target: the offline capture path of `canhgacd -r FILE`. The
 * input is a pcap or pcapng file, opened from memory (fmemopen +
 * pcap_fopen_offline) and added with capture_add_offline, read by
 * capture.c on an event loop in batches, and each packet goes through
 * the daemon's packet path (sensor.c): decode, defrag, flow, app metadata, the
 * shipped rule packs, the sensor's health events, alert formatting and
 * the event log (to /dev/null). At the end of each input every flow ends
 * (FLOW_END_CAPTURE), as at the end of a replay; the flow table, rules
 * and outputs live on.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <pcap/pcap.h>

#include "alert.h"
#include "app.h"
#include "capture.h"
#include "conf.h"
#include "defrag.h"
#include "eventlog.h"
#include "flow.h"
#include "rules.h"
#include "sensor.h"
#include "fuzz_common.h"

static struct sensor	 S;

static void
on_done(void *arg)
{
	event_base_loopexit(((struct sensor *)arg)->base, NULL);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[2048], path[512];

	(void)argc;
	(void)argv;
	fuzz_install_tree();
	fuzz_write_config("canhgac.yaml", "rules/*.yaml", "");
	if ((S.conf = config_load(fuzz_path("canhgac.yaml", path,
	    sizeof(path)), err, sizeof(err))) == NULL ||
	    (S.rules = rules_load(S.conf, err, sizeof(err))) == NULL ||
	    (S.alerts = alert_out_new(S.conf, "/dev/null", err,
	    sizeof(err))) == NULL ||
	    (S.events = eventlog_open("/dev/null", "fuzz", 0, err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_pcap: %s\n", err);
		abort();
	}
	S.flows = flow_table_new(8 << 20, NULL, sensor_flow_end, &S);
	S.app = app_init(256, sensor_app_record, &S);
	S.defrag = defrag_new(1 << 20, 30000000);	/* fragments reassembled */
	sensor_stream_init(&S);				/* TCP reassembled */
	S.offline = 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	 ebuf[PCAP_ERRBUF_SIZE], err[1024];
	FILE	*fp;
	pcap_t	*p;

	if (size == 0 || (fp = fmemopen((void *)(uintptr_t)data, size,
	    "rb")) == NULL)
		return 0;
	ebuf[0] = '\0';
	if ((p = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_MICRO, ebuf)) == NULL) {
		fclose(fp);
		return 0;
	}
	S.base = event_base_new();
	S.cap = capture_new(S.base, sensor_packet, on_done, &S);
	if (capture_add_offline(S.cap, p, "fuzz.pcap", err, sizeof(err)) ==
	    0 && capture_start(S.cap) == 0)
		event_base_dispatch(S.base);
	flow_expire_all(S.flows, FLOW_END_CAPTURE);
	alert_out_flush(S.alerts);
	eventlog_flush(S.events);
	capture_free(S.cap);
	S.cap = NULL;
	event_base_free(S.base);
	S.base = NULL;
	return 0;
}
