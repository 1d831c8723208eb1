/*
 * jsonflat.c: a JSON object as key=value pairs, nested keys joined by
 * '.', arrays of scalars by ','; strings stored in buf. The number of
 * pairs (at most max), or -1 when the text is not one JSON object.
 */
#ifndef CANHGAC_JSONFLAT_H
#define CANHGAC_JSONFLAT_H

#include <stddef.h>

int	 json_flatten(const char *json, size_t len, const char **keys,
	    const char **vals, size_t max, char *buf, size_t buflen);

#endif /* CANHGAC_JSONFLAT_H */
