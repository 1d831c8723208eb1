/*
 * Helpers shared by the libFuzzer targets: a private scratch directory
 * (removed at exit) and writing an input there, for loaders that read
 * files by name as the daemon does.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	 LLVMFuzzerInitialize(int *, char ***);

/* The scratch directory, created on first use. */
const char *fuzz_dir(void);
/* fuzz_dir()/name, formatted into buf. */
const char *fuzz_path(const char *name, char *buf, size_t len);
/* Replace fuzz_dir()/name with data; aborts on failure. */
void	 fuzz_write(const char *name, const void *data, size_t len);
/* Copy a source-tree file (FUZZ_SRCDIR-relative) into the scratch dir. */
void	 fuzz_copy(const char *srcrel, const char *name);

/* Copy the shipped rule packs, catalogs and lists into the scratch dir. */
void	 fuzz_install_tree(void);
/*
 * The shipped example's asset groups, as a config's `assets:` block, with
 * its list files under lists (a string literal: "lists" for the copies
 * fuzz_install_tree makes); more groups may follow it.
 */
#define FUZZ_ASSETS(lists)						\
	"assets:\n"							\
	"  population_db_gateway: [10.20.1.10/32, \"fd00:20:1::10/128\"]\n" \
	"  gateway_ports: [443, 8443]\n"				\
	"  data_servers: [10.20.1.0/24, \"fd00:20:1::/64\"]\n"		\
	"  approved_peers: [10.20.2.0/24]\n"				\
	"  admin_workstations: [10.20.3.0/28]\n"			\
	"  dns_resolvers: [10.20.0.53]\n"				\
	"  ntp_servers: [10.20.0.123]\n"				\
	"  internal: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, "	\
	"\"fd00::/8\"]\n"						\
	"  scanner_allowlist: [10.20.0.7]\n"				\
	"  ioc_ips: {file: " lists "/ioc-ips.txt}\n"			\
	"  ioc_domains: {file: " lists "/ioc-domains.txt}\n"		\
	"  protected_segments: [10.20.1.0/24, \"fd00:20:1::/64\"]\n"	\
	"  known_hosts: {file: " lists "/known-hosts.txt, type: host}\n"	\
	"  approved_services: {file: " lists "/approved-services.txt, "	\
	"type: service}\n"						\
	"  dhcp_servers: [10.20.0.67]\n"				\
	"  approved_destinations: [192.0.2.10]\n"

/*
 * Write a valid configuration as fuzz_dir()/name: the shipped example's
 * assets and catalog, the rule file(s) given, and extra (YAML lines).
 */
void	 fuzz_write_config(const char *name, const char *rules,
	    const char *extra);

#endif
