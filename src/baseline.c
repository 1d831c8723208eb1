/*
 * Learned baselines (rules.md "baseline"): per rule and key, the bytes,
 * connections or application requests of each hour of the week, learned
 * from packet time (a replay learns what live traffic would) over the
 * rule's learning period, starting when the key is first seen. The
 * normal of an hour of the week is the largest hour seen there while
 * learning. After it, an hour whose total passes the rule's floor and
 * either exceeds factor x normal or falls where the key was never active
 * alerts once for that hour.
 *
 * Kept in STATE_DIR/baselines across restarts (bl_save, bl_load: one
 * text line a key, written to a temporary file and renamed).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "behaviour.h"
#include "safefile.h"

struct bl_ent {
	uint64_t	 first;		/* packet time first seen */
	uint64_t	 hour;		/* local hours since the epoch */
	uint64_t	 cur;		/* this hour so far */
	uint64_t	 fired;		/* this hour has alerted */
	uint64_t	 learned[BL_HOURS];
};

#define HOUR_USEC	3600000000ULL

size_t
bl_payload(void)
{
	return sizeof(struct bl_ent);
}

static uint64_t
local_hour(uint64_t ts, int utc_offset)
{
	int64_t	s = (int64_t)(ts / 1000000) + utc_offset;

	return s > 0 ? (uint64_t)s / 3600 : 0;
}

/* The epoch began on a Thursday: hour 0 of the week is Monday 00:00. */
static unsigned
week_hour(uint64_t lh)
{
	return (unsigned)(((lh / 24 + 3) % 7) * 24 + lh % 24);
}

unsigned
bl_hour_of_week(uint64_t ts, int utc_offset)
{
	return week_hour(local_hour(ts, utc_offset));
}

/* Whether the hour starting at local hour lh lies in the learning period. */
static int
learning_hour(const struct bl_ent *e, const struct bh_spec *s, uint64_t lh,
    int utc_offset)
{
	int64_t	start = ((int64_t)lh * 3600 - utc_offset) * 1000000;

	return start < 0 || (uint64_t)start < e->first + s->learn;
}

int
bl_event(struct slottab *t, uint32_t rule, const struct bh_spec *s,
    const struct thr_key *key, uint64_t value, uint64_t ts, int utc_offset,
    struct bh_result *out)
{
	struct bl_ent	*e;
	uint64_t	 lh = local_hour(ts, utc_offset), normal;
	unsigned	 how;
	int		 created;

	if (t == NULL)
		return 0;
	e = slot_get(t, rule, key, &created);
	if (created) {
		e->first = ts;
		e->hour = lh;
	}
	/* A later hour closes the last one; a little backwards stays in it. */
	if (lh > e->hour) {
		if (learning_hour(e, s, e->hour, utc_offset) &&
		    e->cur > e->learned[week_hour(e->hour)])
			e->learned[week_hour(e->hour)] = e->cur;
		e->hour = lh;
		e->cur = 0;
		e->fired = 0;
	}
	e->cur = e->cur > UINT64_MAX - value ? UINT64_MAX : e->cur + value;
	if (e->fired || learning_hour(e, s, e->hour, utc_offset) ||
	    e->cur <= s->floor)
		return 0;
	how = week_hour(e->hour);
	normal = e->learned[how];
	/* cur > normal x factor, without overflow. */
	if (normal != 0 && (unsigned __int128)e->cur * 100 <=
	    (unsigned __int128)normal * s->factor_pct)
		return 0;
	e->fired = 1;
	memset(out, 0, sizeof(*out));
	out->kind = BH_BASELINE;
	out->never = normal == 0;
	out->how = (uint16_t)how;
	out->normal = normal;
	out->seen = e->cur;
	return 1;
}

int
bl_view(const struct slottab *t, uint32_t i, const struct bh_spec *s,
    uint32_t *rule, struct thr_key *key, struct bl_view *v)
{
	const struct bl_ent	*e = slot_at(t, i, rule, key);

	if (e == NULL)
		return -1;
	v->first = e->first;
	v->learned_until = e->first + (s != NULL ? s->learn : 0);
	memcpy(v->hour, e->learned, sizeof(v->hour));
	v->learning = 0;
	return 0;
}

static void
hex_key(const struct thr_key *k, char *out)
{
	const uint8_t	*p = (const uint8_t *)k;
	size_t		 i;

	for (i = 0; i < sizeof(*k); i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static int
unhex_key(const char *s, struct thr_key *k)
{
	uint8_t		*p = (uint8_t *)k;
	unsigned	 b;
	size_t		 i;

	if (strlen(s) != 2 * sizeof(*k))
		return -1;
	for (i = 0; i < sizeof(*k); i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -1;
		p[i] = (uint8_t)b;
	}
	k->pad = 0;
	return 0;
}

/*
 * What a save writes, copied from the table: the keys in use. The copy
 * is taken on the loop and written anywhere, so formatting ~170 numbers
 * a key and the fsync keep off the packet thread.
 */
struct bl_snap {
	size_t		 n;
	uint32_t	*sid;
	struct thr_key	*key;
	struct bl_ent	*e;
};

struct bl_snap *
bl_snapshot(const struct slottab *t, const uint32_t *sids)
{
	struct bl_snap		*sn = calloc(1, sizeof(*sn));
	const struct bl_ent	*e;
	uint64_t		 used = slot_used(t);
	uint32_t		 i, r;

	if (used == 0)
		used = 1;
	/* Taken every minute: without memory this save is skipped. */
	if (sn == NULL || (sn->sid = reallocarray(NULL, used,
	    sizeof(*sn->sid))) == NULL || (sn->key = reallocarray(NULL, used,
	    sizeof(*sn->key))) == NULL || (sn->e = reallocarray(NULL, used,
	    sizeof(*sn->e))) == NULL) {
		bl_snap_free(sn);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < slot_capacity(t) && sn->n < used; i++) {
		if ((e = slot_at(t, i, &r, &sn->key[sn->n])) == NULL)
			continue;
		sn->sid[sn->n] = sids[r];
		sn->e[sn->n++] = *e;
	}
	return sn;
}

void
bl_snap_free(struct bl_snap *sn)
{
	if (sn == NULL)
		return;
	free(sn->sid);
	free(sn->key);
	free(sn->e);
	free(sn);
}

int
bl_snap_write(const struct bl_snap *sn, int dfd, const char *dir,
    const char *name, char *err, size_t errlen)
{
	const struct bl_ent	*e;
	char			 tmp[256], hex[2 * sizeof(struct thr_key) + 1];
	size_t			 i;
	FILE			*fp;
	int			 fd, h, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", name);
	(void)unlinkat(dfd, tmp, 0);
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0640);
	if (fd < 0 || (fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "baselines %s/%s: %s", dir, tmp,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(fp, "# canhgac baselines 1: sid key first hour current "
	    "fired, then the learned value of each hour of the week\n");
	for (i = 0; i < sn->n; i++) {
		e = &sn->e[i];
		hex_key(&sn->key[i], hex);
		fprintf(fp, "%" PRIu32 " %s %" PRIu64 " %" PRIu64 " %" PRIu64
		    " %" PRIu64, sn->sid[i], hex, e->first, e->hour, e->cur,
		    e->fired);
		for (h = 0; h < BL_HOURS; h++)
			fprintf(fp, " %" PRIu64, e->learned[h]);
		fputc('\n', fp);
	}
	ok = fflush(fp) == 0 && !ferror(fp) && fsync(fileno(fp)) == 0;
	if (fclose(fp) != 0)
		ok = 0;
	if (!ok || renameat(dfd, tmp, dfd, name) != 0) {
		snprintf(err, errlen, "baselines %s/%s: %s", dir, name,
		    strerror(errno));
		(void)unlinkat(dfd, tmp, 0);
		return -1;
	}
	return 0;
}

int
bl_save(const struct slottab *t, const uint32_t *sids, int dfd,
    const char *dir, const char *name, char *err, size_t errlen)
{
	struct bl_snap	*sn = bl_snapshot(t, sids);
	int		 rc;

	if (sn == NULL) {
		snprintf(err, errlen, "baselines %s/%s: no memory to save: %s",
		    dir, name, strerror(ENOMEM));
		return -1;
	}
	rc = bl_snap_write(sn, dfd, dir, name, err, errlen);
	bl_snap_free(sn);
	return rc;
}

/* One saved line into its slot; -1 when it is not one. */
static int
bl_parse_line(struct slottab *t, char *line,
    uint32_t (*sid_rule)(void *, uint32_t), void *arg, int *taken)
{
	struct bl_ent	 e, *d;
	struct thr_key	 k;
	char		*tok, *save = NULL, *end;
	unsigned long long v[6 + BL_HOURS];
	uint32_t	 r;
	int		 n = 0, created;

	*taken = 0;
	memset(&k, 0, sizeof(k));
	for (tok = strtok_r(line, " \n", &save); tok != NULL;
	    tok = strtok_r(NULL, " \n", &save), n++) {
		if (n >= 6 + BL_HOURS)
			return -1;
		if (n == 1) {
			if (unhex_key(tok, &k) != 0)
				return -1;
			continue;
		}
		errno = 0;
		v[n] = strtoull(tok, &end, 10);
		if (errno != 0 || *end != '\0' || tok[0] == '-')
			return -1;
	}
	if (n != 6 + BL_HOURS || v[0] > UINT32_MAX)
		return -1;
	if ((r = sid_rule(arg, (uint32_t)v[0])) == UINT32_MAX)
		return 0;
	e.first = v[2];
	e.hour = v[3];
	e.cur = v[4];
	e.fired = v[5] != 0;
	for (n = 0; n < BL_HOURS; n++)
		e.learned[n] = v[6 + n];
	d = slot_get(t, r, &k, &created);
	*d = e;
	*taken = 1;
	return 0;
}

long
bl_load(struct slottab *t, uint32_t (*sid_rule)(void *, uint32_t),
    void *arg, int dfd, const char *dir, const char *name, char *err,
    size_t errlen)
{
	char	 line[8192], why[512];
	FILE	*fp;
	long	 n = 0, lineno = 0;
	int	 fd, taken;

	/* No link, FIFO or hard link the service user planted there. */
	fd = safe_openat(dfd, dir, name, O_RDONLY, 0, 0, why, sizeof(why));
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "baselines %s", why);
		return -1;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		close(fd);
		snprintf(err, errlen, "baselines %s/%s: %s", dir, name,
		    strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (line[0] == '#')
			continue;
		if (strchr(line, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "baselines %s/%s:%ld: line too "
			    "long", dir, name, lineno);
			fclose(fp);
			return -1;
		}
		if (bl_parse_line(t, line, sid_rule, arg, &taken) != 0) {
			snprintf(err, errlen, "baselines %s/%s:%ld: not a "
			    "baseline line", dir, name, lineno);
			fclose(fp);
			return -1;
		}
		n += taken;
	}
	fclose(fp);
	return n;
}
