/*
 * app_ssh.c — the SSH identification string (RFC 4253 4.2):
 * "SSH-protoversion-softwareversion SP comments CR LF".
 *
 * A server may send other text lines first; up to SSH_PRE_LINES_MAX of
 * them are skipped as long as they are printable text. Lines may end with
 * LF alone (OpenSSH accepts that too). The identification line is at most
 * 255 characters including CR LF.
 */
#include <stdint.h>
#include <string.h>

#include "app.h"
#include "cccd.h"

#define SSH_LINE_MAX		255
#define SSH_PRE_LINES_MAX	32

/* Is s (n bytes) text a server could print before its banner? */
static int
ssh_is_text(const uint8_t *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\r') ||
		    s[i] == 0x7f)
			return (0);
	return (1);
}

/* Split a complete "SSH-..." line (without its line end) into out. */
static int
ssh_split(const uint8_t *s, size_t n, struct app_ssh *out)
{
	size_t	 i, pv, sw;

	if (!ssh_is_text(s, n))
		return (APP_BAD);
	for (i = 4; i < n && s[i] != '-'; i++)
		if ((s[i] < '0' || s[i] > '9') && s[i] != '.')
			return (APP_BAD);
	pv = i;
	if (i == 4 || i == n || i - 4 >= sizeof(out->proto_version))
		return (APP_BAD);
	for (i = pv + 1; i < n && s[i] != ' '; i++)
		;
	sw = i;
	if (sw == pv + 1)
		return (APP_BAD);
	(void)cccd_copy_text(out->proto_version, sizeof(out->proto_version),
	    s + 4, pv - 4, '?');
	(void)cccd_copy_text(out->software, sizeof(out->software), s + pv + 1,
	    sw - pv - 1, '?');
	if (sw < n)
		(void)cccd_copy_text(out->comments, sizeof(out->comments),
		    s + sw + 1, n - sw - 1, '?');
	return (APP_DONE);
}

/* Find the identification line in the first bytes of one direction. */
int
app_ssh_banner(const uint8_t *p, size_t len, struct app_ssh *out)
{
	const uint8_t	*nl;
	size_t		 off = 0, n, k;
	int		 lines = 0;

	memset(out, 0, sizeof(*out));
	for (;;) {
		k = len - off;
		n = k < 4 ? k : 4;
		if (memcmp(p + off, "SSH-", n) == 0) {
			/* The banner itself, or a prefix of it. */
			nl = memchr(p + off, '\n', k);
			if (nl == NULL) {
				if (k >= SSH_LINE_MAX ||
				    !ssh_is_text(p + off, k))
					return (APP_BAD);
				return (APP_MORE);
			}
			n = (size_t)(nl - (p + off));
			if (n + 1 > SSH_LINE_MAX || n < 4)
				return (APP_BAD);
			if (p[off + n - 1] == '\r')
				n--;
			return (ssh_split(p + off, n, out));
		}
		/* Another line before the banner. */
		if (++lines > SSH_PRE_LINES_MAX)
			return (APP_BAD);
		nl = memchr(p + off, '\n', k);
		n = nl == NULL ? k : (size_t)(nl - (p + off));
		if (n >= SSH_LINE_MAX * 4 || !ssh_is_text(p + off, n))
			return (APP_BAD);
		if (nl == NULL)
			return (APP_MORE);
		off += n + 1;
	}
}
