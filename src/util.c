/*
 * Small parsers and formatters shared by the configuration and outputs.
 */
#include "config.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "canhgac.h"

/* Parse "512MB", "64k", "1G" or a plain byte count. */
int
util_parse_size(const char *s, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;
	uint64_t		 mul = 1;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	while (*end == ' ')
		end++;
	if (*end != '\0') {
		switch (toupper((unsigned char)*end)) {
		case 'K': mul = 1ULL << 10; break;
		case 'M': mul = 1ULL << 20; break;
		case 'G': mul = 1ULL << 30; break;
		case 'T': mul = 1ULL << 40; break;
		case 'B': mul = 1; break;
		default: return -1;
		}
		end++;
		if (mul != 1 && (*end == 'B' || *end == 'b'))
			end++;
		else if (mul != 1 && (*end == 'i') && (end[1] == 'B' ||
		    end[1] == 'b'))
			end += 2;
		if (*end != '\0')
			return -1;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

/* Parse "90s", "15m", "1h", "2d", "500ms" into microseconds. */
int
util_parse_duration(const char *s, uint64_t *out)
{
	char			*end;
	unsigned long long	 v;
	uint64_t		 mul;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
		mul = 1000000ULL;
	else if (strcmp(end, "ms") == 0)
		mul = 1000ULL;
	else if (strcmp(end, "m") == 0)
		mul = 60ULL * 1000000ULL;
	else if (strcmp(end, "h") == 0)
		mul = 3600ULL * 1000000ULL;
	else if (strcmp(end, "d") == 0)
		mul = 86400ULL * 1000000ULL;
	else
		return -1;
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

/*
 * Format a packet timestamp the way EVE does:
 * 2025-01-01T10:53:20.001000+0700, in the configured zone offset.
 */
void
util_format_ts(uint64_t usec, char *buf, size_t len, int utc_offset)
{
	time_t		t = (time_t)(usec / 1000000) + utc_offset;
	struct tm	tm;
	int		off = utc_offset < 0 ? -utc_offset : utc_offset;
	char		date[32];

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "1970-01-01T00:00:00.000000+0000");
		return;
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06u%c%02d%02d", date,
	    (unsigned)(usec % 1000000), utc_offset < 0 ? '-' : '+',
	    off / 3600, (off % 3600) / 60);
}

/* Print an address of the given IP version. */
int
util_addr_str(int ipver, const uint8_t *a, char *buf, size_t len)
{
	if (inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, a, buf,
	    (socklen_t)len) == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}
