/*
 * libFuzzer target: the offline capture path of `canhgacd -r FILE`. The
 * input is a pcap or pcapng file, written to a memory file and added by
 * its name with capture_add_file, as the daemon adds one: libpcap opens
 * it, and a classic pcap file's records are read in place (pcapfile.c),
 * others by libpcap (first, the in-place reader must give every record,
 * the end and the words of an error exactly as pcap_next_ex gives them on
 * the same bytes: a difference aborts); read by capture.c on an event
 * loop in batches, and each packet goes through
 * the daemon's packet path (sensor.c): decode, defrag, flow, app metadata, the
 * shipped rule packs, the sensor's health events, alert formatting and
 * the event log (to /dev/null), on a sensor started by lifecycle.c as the
 * daemon starts a replay. At the end of each input every flow ends
 * (FLOW_END_CAPTURE), as at the end of a replay; the flow table, rules
 * and outputs live on.
 */
#include "config.h"

#include <sys/mman.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "conf.h"
#include "lifecycle.h"
#include "sensor.h"
#include "fuzz_common.h"
#include "../unit/pcap_referee.h"

static struct sensor	 S;

/*
 * The sensor, started as the daemon starts a replay (lifecycle.c) with
 * alerts and events to /dev/null; each input is a replay of its own.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	err[2048], path[512];

	(void)argc;
	(void)argv;
	fuzz_install_tree();
	fuzz_write_config("canhgac.yaml", "rules/*.yaml",
	    "limits: {flow_memcap: 8MB}\n"
	    "defrag: {enabled: true, memcap: 1MB, timeout: 30s}\n");
	S.base = event_base_new();
	S.offline = 1;
	S.alerts_path = "/dev/null";
	S.events_cli = 1;
	S.events_path = strdup("/dev/null");
	if ((S.conf = config_load(fuzz_path("canhgac.yaml", path,
	    sizeof(path)), err, sizeof(err))) == NULL ||
	    sensor_capture(&S) == NULL ||
	    sensor_start(&S, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_pcap: %s\n", err);
		abort();
	}
	/* No source: the first turn of the loop ends that (empty) replay. */
	sensor_run(&S);
	return 0;
}

/*
 * One replay: a fresh capture of the input on the running sensor; at
 * its end sensor_stop ends every flow (FLOW_END_CAPTURE), flushes and
 * drains, as at the end of `canhgacd -r`. Flow table, rules, outputs
 * live on.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 err[1024], name[64];
	const char	*why;
	int		 fd;

	if (size == 0 || (fd = memfd_create("fuzz.pcap", MFD_CLOEXEC)) < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	/* The in-place reader must read it as libpcap does. */
	if (pcap_referee(name, fd, &why) == REFEREE_DIFFERS) {
		fprintf(stderr, "fuzz_pcap: the %s differs from libpcap's\n",
		    why);
		abort();
	}
	capture_free(S.cap);
	sensor_capture(&S);
	S.shutting_down = 0;
	S.drained = 0;
	if (capture_add_file(S.cap, name, err, sizeof(err)) == 0 &&
	    capture_start(S.cap) == 0)
		sensor_run(&S);
	close(fd);
	return 0;
}
