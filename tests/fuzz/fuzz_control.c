/*
 * libFuzzer target: the status-socket request path of control.c
 * (JSON-lines parsing, dispatch and every command) on a sensor started
 * as the daemon starts it (lifecycle.c: every subsystem, the daemon's
 * reload and stop): configuration, rules, asset list files, an alert
 * ring, a capture without sources, no packets. The first byte's low bit makes the client an admin
 * (reload, shutdown, list add/remove); the rest is what it sends. Every
 * answer must be one JSON object a line with a boolean "ok".
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <jansson.h>

#include "conf.h"
#include "control.h"
#include "lifecycle.h"
#include "output.h"
#include "rules.h"
#include "sensor.h"
#include "fuzz_common.h"

static struct sensor	 S;
static int		 show;		/* FUZZ_SHOW=1: print the answers */
static char		*orig[2];
static size_t		 origlen[2];
static const char *const lists[2] = {
	"lists/ioc-ips.txt", "lists/ioc-domains.txt"
};

static char *
slurp(const char *name, size_t *len)
{
	char	 p[512], *buf;
	FILE	*fp;
	long	 n;

	if ((fp = fopen(fuzz_path(name, p, sizeof(p)), "rb")) == NULL ||
	    fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) ==
	    NULL || fread(buf, 1, (size_t)n, fp) != (size_t)n)
		abort();
	fclose(fp);
	*len = (size_t)n;
	return buf;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char		 err[2048], path[512], extra[600], line[256];
	size_t		 i;

	(void)argc;
	(void)argv;
	fuzz_install_tree();
	snprintf(extra, sizeof(extra), "outputs:\n  status: {socket: %s}\n",
	    fuzz_path("ctl.sock", path, sizeof(path)));
	fuzz_write_config("canhgac.yaml", "rules/ioc.yaml", extra);
	for (i = 0; i < 2; i++)
		orig[i] = slurp(lists[i], &origlen[i]);
	show = getenv("FUZZ_SHOW") != NULL;
	S.base = event_base_new();
	if ((S.conf = config_load(fuzz_path("canhgac.yaml", path,
	    sizeof(path)), err, sizeof(err))) == NULL ||
	    sensor_capture(&S) == NULL ||
	    sensor_start(&S, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_control: %s\n", err);
		abort();
	}
	/* Alerts in the ring for alerts/follow to filter. */
	for (i = 0; i < rules_size(S.rules) && i < 64; i++) {
		struct rule_info ri;
		int n;

		rules_info(S.rules, i, &ri);
		n = snprintf(line, sizeof(line), "{\"sid\":%u,\"n\":%zu}\n",
		    ri.sid, i);

		struct alert_rec ar = { .json = line, .len = (size_t)n,
		    .sid = ri.sid,
		    .category = ri.category,
		    .severity = ri.severity,
		    .ts = (uint64_t)(1700000000 + i * 60) * 1000000 };

		control_alert(S.control, &ar);
	}
	return 0;
}

/* Each answer line: a JSON object with a boolean "ok". */
static void
check_answers(struct evbuffer *out)
{
	char		*l;
	size_t		 n;
	json_t		*j;
	json_error_t	 je;

	while ((l = evbuffer_readln(out, &n, EVBUFFER_EOL_LF)) != NULL) {
		if (show)
			fprintf(stderr, "< %.300s\n", l);
		j = json_loadb(l, n, 0, &je);
		if (j == NULL || !json_is_boolean(json_object_get(j, "ok"))) {
			fprintf(stderr, "bad answer line: %.200s\n", l);
			abort();
		}
		json_decref(j);
		free(l);
	}
	if (evbuffer_get_length(out) != 0) {
		fprintf(stderr, "answer without a newline\n");
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer	*out;
	size_t		 i;

	if (size < 1)
		return 0;
	/* The list files as shipped: add/remove must not accumulate. */
	for (i = 0; i < 2; i++)
		fuzz_write(lists[i], orig[i], origlen[i]);
	S.shutting_down = 0;
	out = evbuffer_new();
	control_feed(&S, (const char *)data + 1, size - 1, data[0] & 1, out);
	/* A reload answers once its rule set is built and swapped in. */
	while (sensor_reload_pending(&S))
		event_base_loop(S.base, EVLOOP_ONCE);
	check_answers(out);
	evbuffer_free(out);
	/* libevent finishes freeing a bufferevent in the loop: run it. */
	event_base_loop(S.base, EVLOOP_NONBLOCK);
	return 0;
}
