/*
 * The host inventory's list files (hostlist.h): known_hosts (`IP` or
 * `IP MAC` a line) and approved_services (`IP PORT/PROTO` a line). Each
 * is read with util_read_list, so a line is capped, a NUL byte or an
 * over-long file refused, and every error names FILE:LINE; an entry is
 * one address (no prefix: a host is one address), a MAC of six hex
 * pairs, a port 1..65535 and tcp or udp. The entries are kept sorted for
 * a binary search: they are looked up when a host or a service is new,
 * never per packet.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostlist.h"
#include "ipset.h"
#include "types.h"
#include "util.h"

#define FIELD_MAX	64	/* bytes of one field: an IPv6 address fits */

/* Split an entry into at most max white-space separated fields. */
static int
split_fields(const char *s, char f[][FIELD_MAX], int max)
{
	int	n = 0;

	while (*s != '\0') {
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		if (n == max || len >= FIELD_MAX)
			return -1;
		memcpy(f[n], s, len);
		f[n++][len] = '\0';
		s += len;
	}
	return n;
}

/* One address without a prefix: 4 or 6, or 0. */
static int
parse_host_addr(const char *s, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, addr) == 1)
		return 6;
	return 0;
}

int
hostlist_parse_mac(const char *s, uint8_t mac[6])
{
	int	i;

	for (i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]))
			return -1;
		mac[i] = (uint8_t)strtoul((char[]){ s[0], s[1], '\0' }, NULL,
		    16);
		s += 2;
		if (i < 5 && *s != ':' && *s != '-')
			return -1;
		if (i < 5)
			s++;
	}
	return *s == '\0' ? 0 : -1;
}

/* "443/tcp": port and protocol, or -1. */
static int
parse_service(const char *s, uint16_t *port, uint8_t *proto)
{
	char		*end;
	unsigned long	 p;

	if (!isdigit((unsigned char)*s))
		return -1;
	p = strtoul(s, &end, 10);
	if (p < 1 || p > 65535 || *end != '/')
		return -1;
	if (strcmp(end + 1, "tcp") == 0)
		*proto = PROTO_TCP;
	else if (strcmp(end + 1, "udp") == 0)
		*proto = PROTO_UDP;
	else
		return -1;
	*port = (uint16_t)p;
	return 0;
}

int
hostlist_entry_kind(const char *entry)
{
	char	f[3][FIELD_MAX];
	uint8_t	a[16], mac[6], proto;
	uint16_t port;

	if (split_fields(entry, f, 3) != 2 || parse_host_addr(f[0], a) == 0)
		return 0;
	if (parse_service(f[1], &port, &proto) == 0)
		return 2;
	return hostlist_parse_mac(f[1], mac) == 0 ? 1 : 0;
}

/*
 * Room for one more; NULL without memory (v and *cap as they were): a
 * list is loaded beside the running set's at a reload, which then
 * fails, not the daemon.
 */
static void *
grow(void *v, size_t *cap, size_t n, size_t size)
{
	void	*nv;

	if (n < *cap)
		return v;
	if ((nv = reallocarray(v, *cap ? *cap * 2 : 64, size)) != NULL)
		*cap = *cap ? *cap * 2 : 64;
	return nv;
}

struct load_arg {
	void		*list;
	struct ipset	*ips;
};

static int
no_memory(char *msg, size_t msglen)
{
	snprintf(msg, msglen, "no memory for the list: %s", strerror(ENOMEM));
	return -1;
}

/* -1 with the reason in msg without memory (a full set, as before,
 * only lacks the address). */
static int
add_ip(struct ipset *ips, int ipver, const uint8_t *addr, char *msg,
    size_t msglen)
{
	if (ips != NULL && ipset_add(ips, ipver, addr, ipver == 4 ? 32 :
	    128) == -2)
		return no_memory(msg, msglen);
	return 0;
}

static int
host_line(const char *s, void *arg, char *msg, size_t msglen)
{
	struct load_arg		*la = arg;
	struct hostlist		*hl = la->list;
	struct host_entry	 e, *v;
	char			 f[2][FIELD_MAX];
	int			 n = split_fields(s, f, 2);

	memset(&e, 0, sizeof(e));
	if (n < 1 || (e.ipver = (uint8_t)parse_host_addr(f[0], e.addr)) == 0) {
		snprintf(msg, msglen, "expected IP or IP MAC (one address, "
		    "no prefix), got \"%.80s\"", s);
		return -1;
	}
	if (n == 2) {
		if (hostlist_parse_mac(f[1], e.mac) != 0) {
			snprintf(msg, msglen, "bad MAC address \"%s\" (expected "
			    "six hex pairs, aa:bb:cc:dd:ee:ff)", f[1]);
			return -1;
		}
		e.has_mac = 1;
	}
	if ((v = grow(hl->v, &hl->cap, hl->n, sizeof(*hl->v))) == NULL)
		return no_memory(msg, msglen);
	hl->v = v;
	hl->v[hl->n++] = e;
	return add_ip(la->ips, e.ipver, e.addr, msg, msglen);
}

static int
svc_line(const char *s, void *arg, char *msg, size_t msglen)
{
	struct load_arg		*la = arg;
	struct svclist		*sl = la->list;
	struct svc_entry	 e, *v;
	char			 f[2][FIELD_MAX];

	memset(&e, 0, sizeof(e));
	if (split_fields(s, f, 2) != 2 ||
	    (e.ipver = (uint8_t)parse_host_addr(f[0], e.addr)) == 0 ||
	    parse_service(f[1], &e.port, &e.proto) != 0) {
		snprintf(msg, msglen, "expected IP PORT/PROTO (such as "
		    "10.20.1.10 443/tcp; PROTO tcp or udp), got \"%.80s\"", s);
		return -1;
	}
	if ((v = grow(sl->v, &sl->cap, sl->n, sizeof(*sl->v))) == NULL)
		return no_memory(msg, msglen);
	sl->v = v;
	sl->v[sl->n++] = e;
	return add_ip(la->ips, e.ipver, e.addr, msg, msglen);
}

static int
host_cmp(const void *a, const void *b)
{
	const struct host_entry *x = a, *y = b;

	if (x->ipver != y->ipver)
		return x->ipver < y->ipver ? -1 : 1;
	return memcmp(x->addr, y->addr, 16);
}

static int
svc_cmp(const void *a, const void *b)
{
	const struct svc_entry *x = a, *y = b;
	int c;

	if (x->ipver != y->ipver)
		return x->ipver < y->ipver ? -1 : 1;
	if ((c = memcmp(x->addr, y->addr, 16)) != 0)
		return c;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->proto < y->proto ? -1 : x->proto > y->proto;
}

/* Entries of a file into a sorted array (v, n: a hostlist or svclist). */
static long
load_sorted(void *list, void **v, size_t *n, size_t size,
    int (*line)(const char *, void *, char *, size_t),
    int (*cmp)(const void *, const void *), struct ipset *ips,
    const char *path, char *err, size_t errlen)
{
	struct load_arg	la = { list, ips };
	size_t		before = *n;

	if (util_read_list(path, NULL, line, &la, err, errlen) != 0)
		return -1;
	if (*n > 1)
		qsort(*v, *n, size, cmp);
	return (long)(*n - before);
}

long
hostlist_load(struct hostlist *hl, struct ipset *ips, const char *path,
    char *err, size_t errlen)
{
	return load_sorted(hl, (void **)&hl->v, &hl->n, sizeof(*hl->v),
	    host_line, host_cmp, ips, path, err, errlen);
}

long
svclist_load(struct svclist *sl, struct ipset *ips, const char *path,
    char *err, size_t errlen)
{
	return load_sorted(sl, (void **)&sl->v, &sl->n, sizeof(*sl->v),
	    svc_line, svc_cmp, ips, path, err, errlen);
}

void
hostlist_clear(struct hostlist *hl)
{
	free(hl->v);
	memset(hl, 0, sizeof(*hl));
}

void
svclist_clear(struct svclist *sl)
{
	free(sl->v);
	memset(sl, 0, sizeof(*sl));
}

const struct host_entry *
hostlist_find(const struct hostlist *hl, int ipver, const uint8_t *addr)
{
	struct host_entry key;

	if (hl == NULL || hl->n == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.ipver = (uint8_t)ipver;
	memcpy(key.addr, addr, ipver == 4 ? 4 : 16);
	return bsearch(&key, hl->v, hl->n, sizeof(*hl->v), host_cmp);
}

int
svclist_has(const struct svclist *sl, int ipver, const uint8_t *addr,
    uint16_t port, uint8_t proto)
{
	struct svc_entry key;

	if (sl == NULL || sl->n == 0)
		return 0;
	memset(&key, 0, sizeof(key));
	key.ipver = (uint8_t)ipver;
	memcpy(key.addr, addr, ipver == 4 ? 4 : 16);
	key.port = port;
	key.proto = proto;
	return bsearch(&key, sl->v, sl->n, sizeof(*sl->v), svc_cmp) != NULL;
}
