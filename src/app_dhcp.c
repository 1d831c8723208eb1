/*
 * app_dhcp.c — a DHCP (BOOTP) message, IPv4 (RFC 2131, 2132): the fixed
 * header and the options a rogue-server check and the `dhcp` event
 * record need. Bounded: the fixed header and the magic cookie must be
 * there; each option's length is checked against the end before it is
 * read, and the walk stops at END or after the message, so a hostile
 * message can neither read past it nor loop.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "cccd.h"
#include "jsonw.h"
#include "util.h"

#define BOOTP_FIXED	236	/* op .. file */
#define DHCP_COOKIE	0x63825363
#define DHCP_SNAME	44	/* server host name, 64 bytes */
#define DHCP_SNAME_LEN	64
#define DHCP_FILE	108	/* boot file name, 128 bytes */
#define DHCP_FILE_LEN	128

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

const char *
app_dhcp_type_name(uint8_t t)
{
	static const char *const names[] = { "unknown", "discover", "offer",
	    "request", "decline", "ack", "nak", "release", "inform" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "unknown";
}

/*
 * The options of [i, len): -1 when one runs past len. Option 52's value
 * goes to *overload (NULL: not looked for, as in the fields it names).
 */
static int
dhcp_options(const uint8_t *p, size_t i, size_t len, struct app_dhcp *d,
    uint8_t *overload)
{
	while (i < len) {
		uint8_t	code = p[i], olen;

		if (code == 255)
			break;
		if (code == 0) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + (size_t)(olen = p[i + 1]) > len)
			return -1;		/* an option past the end */
		switch (code) {
		case 53:
			if (olen == 1)
				d->msg_type = p[i + 2];
			break;
		case 54:
			if (olen == 4) {
				memcpy(d->server, p + i + 2, 4);
				d->has_server = 1;
			}
			break;
		case 51:
			if (olen == 4) {
				d->lease_time = rd32(p + i + 2);
				d->has_lease = 1;
			}
			break;
		case 52:
			if (olen == 1 && overload != NULL)
				*overload = p[i + 2];
			break;
		case 12:
			(void)cccd_copy_text(d->hostname, sizeof(d->hostname),
			    p + i + 2, olen, '.');
			break;
		}
		i += 2 + (size_t)olen;
	}
	return 0;
}

int
app_dhcp_parse(const uint8_t *p, size_t len, struct app_dhcp *d)
{
	uint8_t	overload = 0;

	memset(d, 0, sizeof(*d));
	if (len < BOOTP_FIXED + 4 || (p[0] != 1 && p[0] != 2) ||
	    rd32(p + BOOTP_FIXED) != DHCP_COOKIE)
		return APP_BAD;
	d->op = p[0];
	d->xid = rd32(p + 4);
	memcpy(d->ciaddr, p + 12, 4);
	memcpy(d->yiaddr, p + 16, 4);
	memcpy(d->giaddr, p + 24, 4);
	if (p[1] == 1 && p[2] == 6) {	/* Ethernet */
		memcpy(d->chaddr, p + 28, 6);
		d->has_mac = 1;
	}
	/*
	 * An option running past the end: the options before it stand, as
	 * busybox's udhcpc takes them (it finds each option it looks for up
	 * to the bad one): a rogue server's offer with its type and
	 * identifier first and a bad option after went unread before.
	 * Without a type, it is no DHCP message to go by.
	 */
	if (dhcp_options(p, BOOTP_FIXED + 4, len, d, &overload) != 0 &&
	    d->msg_type == 0)
		return APP_BAD;
	/*
	 * Option overload (RFC 2131 4.1, 2132 9.3): the file and sname
	 * fields hold more options, read after the main ones (file first)
	 * as clients (dhclient, systemd-networkd, udhcpc) read them; else a
	 * rogue server's offer with its type there was "unknown" and no
	 * rule on dhcp.type saw it. Each field is read up to a malformed
	 * option, the message kept.
	 */
	if (overload & 1)
		(void)dhcp_options(p + DHCP_FILE, 0, DHCP_FILE_LEN, d, NULL);
	if (overload & 2)
		(void)dhcp_options(p + DHCP_SNAME, 0, DHCP_SNAME_LEN, d, NULL);
	return APP_DONE;
}

/* The `dhcp` object of an event record or an alert (Suricata's names,
 * and server_id, the server identifier option, which it does not log). */
void
app_dhcp_json(struct jsonw *w, const struct app_dhcp *d)
{
	char	a[64];

	JW_OBJ_OPEN(w, "dhcp");
	JW_STR(w, "type", d->op == 2 ? "reply" : "request");
	JW_UINT(w, "id", d->xid);
	if (d->has_mac) {
		snprintf(a, sizeof(a), "%02x:%02x:%02x:%02x:%02x:%02x",
		    d->chaddr[0], d->chaddr[1], d->chaddr[2], d->chaddr[3],
		    d->chaddr[4], d->chaddr[5]);
		JW_STR(w, "client_mac", a);
	}
	util_addr_str(4, d->ciaddr, a, sizeof(a));
	JW_STR(w, "client_ip", a);
	util_addr_str(4, d->yiaddr, a, sizeof(a));
	JW_STR(w, "assigned_ip", a);
	util_addr_str(4, d->giaddr, a, sizeof(a));
	JW_STR(w, "relay_ip", a);
	JW_STR(w, "dhcp_type", app_dhcp_type_name(d->msg_type));
	if (d->has_server) {
		util_addr_str(4, d->server, a, sizeof(a));
		JW_STR(w, "server_id", a);
	}
	if (d->has_lease)
		JW_UINT(w, "lease_time", d->lease_time);
	if (d->hostname[0] != '\0')
		JW_STR(w, "hostname", d->hostname);
	jw_obj_close(w);
}
