/*
 * libFuzzer target: canhgacctl update's format converters
 * (update_format.c) on whatever a feed may serve. The first byte picks
 * the format (plain, csv, misp), the second the CSV column (1..4) and
 * header. On success every line out must be one printable word of at
 * most 253 bytes, as many as counted; on failure the message must be
 * printable.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "update.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct upd_buf	 out = { 0 };
	enum update_format f;
	size_t		 count = 0, lines = 0, len;
	char		 err[256];
	const char	*p, *nl;

	if (size < 2)
		return 0;
	f = (enum update_format)(data[0] % 3);
	if (update_convert((const char *)data + 2, size - 2, f,
	    data[1] % 4 + 1, (data[1] >> 4) & 1, NULL, &out, &count, err,
	    sizeof(err)) != 0) {
		for (p = err; *p != '\0'; p++)
			if (*p < ' ' || *p > '~')
				abort();
		upd_buf_free(&out);
		return 0;
	}
	for (p = out.p ? out.p : ""; *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			abort();	/* every entry ends its line */
		len = (size_t)(nl - p);
		if (len == 0 || len > 253)
			abort();
		for (; p < nl; p++)
			if (*p <= ' ' || *p > '~' || *p == '#')
				abort();
		lines++;
	}
	if (lines != count)
		abort();
	upd_buf_free(&out);
	return 0;
}
