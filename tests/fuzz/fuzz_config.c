/*
 * libFuzzer target: the YAML configuration and rule loader (yamldoc.c,
 * config.c, rules_load.c, and the compliance report over what loaded).
 * The first byte picks the mode: even, the rest is a whole configuration
 * (its relative paths find the shipped rule packs, catalogs and lists in
 * the scratch directory); odd, the rest is a rule file loaded under a
 * fixed valid configuration. Everything is freed per input.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compliance.h"
#include "conf.h"
#include "rules.h"
#include "fuzz_common.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_install_tree();
	fuzz_write_config("fixed.yaml", "input.rules", "");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*conf;
	struct ruleset	*rs;
	json_t		*rep;
	FILE		*devnull;
	char		 err[2048], path[512];

	if (size < 1)
		return 0;
	err[0] = '\0';
	if (data[0] & 1) {
		fuzz_write("input.rules", data + 1, size - 1);
		fuzz_path("fixed.yaml", path, sizeof(path));
	} else {
		fuzz_write("input.yaml", data + 1, size - 1);
		fuzz_path("input.yaml", path, sizeof(path));
	}
	if ((conf = config_load(path, err, sizeof(err))) == NULL) {
		/* Every refusal says where. */
		if (strncmp(err, path, strlen(path)) != 0 &&
		    strncmp(err, fuzz_dir(), strlen(fuzz_dir())) != 0) {
			fprintf(stderr, "config error without a place: %s\n",
			    err);
			abort();
		}
		return 0;
	}
	devnull = fopen("/dev/null", "w");
	config_print(conf, devnull);
	if ((rs = rules_load(conf, err, sizeof(err))) != NULL) {
		rules_print_summary(rs, devnull, 1);
		(void)rules_count(rs, 1);
		rep = compliance_report(conf, rs, NULL, 0, err, sizeof(err));
		if (rep != NULL) {
			compliance_render(rep, "text", 0, devnull);
			json_decref(rep);
		}
		rules_free(rs);
	} else if (err[0] == '\0') {
		fprintf(stderr, "rules_load failed without a reason\n");
		abort();
	}
	fclose(devnull);
	config_free(conf);
	return 0;
}
