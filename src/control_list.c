/*
 * The status socket's list command: list show, and list add/remove,
 * which rewrite a list file atomically and rebuild the ruleset through
 * the reload path, putting the file back if that fails. One change at
 * a time; the others wait in order.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "conf.h"
#include "domset.h"
#include "ipset.h"
#include "log.h"
#include "rules.h"
#include "safefile.h"
#include "sensor.h"
#include "xmalloc.h"
#include "control-internal.h"

/* A list file's entry on a line: the first word, unless a comment. */
static int
list_token(const char *line, size_t len, const char **tok, size_t *tlen)
{
	size_t	i = 0, j;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == len || line[i] == '#' || line[i] == '\r')
		return 0;
	for (j = i; j < len && !strchr(" \t\r#", line[j]); j++)
		;
	*tok = line + i;
	*tlen = j - i;
	return 1;
}

/* Read a whole file (lists stay well below this); NULL with err set. */
static char *
read_file(const char *path, size_t *lenp, struct stat *st, char *err,
    size_t errlen)
{
	FILE	*fp = NULL;
	char	*buf;
	size_t	 n;
	int	 fd;

	/*
	 * As the loader opens it (safe_open_read): not blocking, a regular
	 * file only (a FIFO in the list's place held capture and the socket
	 * until someone wrote to it), and no link another user could have
	 * planted (a root daemon copied a root-only file into the list).
	 */
	if ((fd = safe_open_read(path, err, errlen)) < 0)
		return NULL;
	if (fstat(fd, st) != 0 || (fp = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return NULL;
	}
	if (st->st_size > 512 * 1024 * 1024) {
		snprintf(err, errlen, "%s: too large to edit here", path);
		fclose(fp);
		return NULL;
	}
	/* Up to 512 MiB beside the running set's copy of it: without room
	 * the request fails, not the daemon. */
	if ((buf = malloc((size_t)st->st_size + 2)) == NULL) {
		snprintf(err, errlen, "%s: no memory to read it: %s", path,
		    strerror(ENOMEM));
		fclose(fp);
		return NULL;
	}
	n = fread(buf, 1, (size_t)st->st_size, fp);
	fclose(fp);
	if (n > 0 && buf[n - 1] != '\n')
		buf[n++] = '\n';
	buf[n] = '\0';
	*lenp = n;
	return buf;
}

/* A list entry list show can print: what list add would take. */
static int
list_show_entry(const char *tok, size_t tl)
{
	size_t	i;

	if (tl > CTL_ENTRY_MAX)
		return 0;
	for (i = 0; i < tl; i++)
		if (tok[i] <= ' ' || tok[i] >= 0x7f)
			return 0;
	return 1;
}

/* list show's scan of a list file: the page it keeps, what it counts. */
struct show_scan {
	json_t		*ents;
	size_t		 off, limit, total, skipped;
	unsigned long	 line, first_skipped;
	int		 state;		/* 0 blank so far, 1 entry, 2 rest */
	char		 tok[CTL_ENTRY_MAX + 1];
	size_t		 tl;		/* stops at CTL_ENTRY_MAX + 1 */
};

static void
show_token(struct show_scan *sc)
{
	if (!list_show_entry(sc->tok, sc->tl)) {
		if (sc->skipped++ == 0)
			sc->first_skipped = sc->line;
		return;
	}
	if (sc->total >= sc->off && sc->total - sc->off < sc->limit)
		json_array_append_new(sc->ents, json_stringn(sc->tok, sc->tl));
	sc->total++;
}

/* One block of the file (len 0: the end). */
static void
show_block(struct show_scan *sc, const char *p, size_t len)
{
	const char	*end = p + len, *nl;

	if (len == 0 && sc->state == 1)
		show_token(sc);
	for (; p < end; p++) {
		if (sc->state == 2) {
			/* The rest of a line, however long, at memchr speed. */
			if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
				return;
			p = nl;
		}
		if (sc->state == 1 && strchr(" \t\r#\n", *p) != NULL) {
			show_token(sc);
			sc->state = 2;
		}
		if (*p == '\n') {
			sc->line++;
			sc->state = 0;
		} else if (sc->state == 0 && *p != ' ' && *p != '\t') {
			sc->state = *p == '#' || *p == '\r' || *p == '\0' ?
			    2 : 1;
			sc->tok[0] = *p;
			sc->tl = 1;
		} else if (sc->state == 1 && sc->tl <= CTL_ENTRY_MAX)
			sc->tok[sc->tl++] = *p;
		else if (sc->state == 1) {
			/* Too long to be an entry: skip the line whole. */
			show_token(sc);
			sc->state = 2;
		}
	}
}

/*
 * list show reads the file as it is now (it may have been rewritten by
 * hand since the last reload), a block at a time: only the page asked
 * for is kept, and a line that cannot be an entry (longer than any
 * valid one, or not printable ASCII) is counted, never copied.
 */
static json_t *
list_show(struct control *ctl, const struct rules_list *a, json_t *req)
{
	struct show_scan sc = { .line = 1 };
	char		 buf[65536], err[1024];
	ssize_t		 n;
	int		 fd;
	json_t		*v;

	(void)ctl;
	if ((v = json_object_get(req, "offset")) != NULL &&
	    json_is_integer(v) && json_integer_value(v) > 0)
		sc.off = (size_t)json_integer_value(v);
	sc.limit = req_limit(req, 1000, CTL_SHOW_MAX);
	/* As read_file: a FIFO must not hang us, a planted link not be
	 * shown (a root daemon listed a root-only file's lines). */
	if ((fd = safe_open_read(a->file, err, sizeof(err))) < 0)
		return reply_err("%s", err);
	sc.ents = json_array();
	while ((n = read(fd, buf, sizeof(buf))) > 0 ||
	    (n < 0 && errno == EINTR))
		if (n > 0)
			show_block(&sc, buf, (size_t)n);
	close(fd);
	if (n < 0) {
		json_decref(sc.ents);
		return reply_err("%s: %s", a->file, strerror(errno));
	}
	show_block(&sc, buf, 0);
	return json_pack("{s:b,s:s,s:s,s:s,s:I,s:I,s:b,s:o,s:I,s:o}", "ok", 1,
	    "name", a->name, "file", a->file, "type", a->ips ? "ip" :
	    "domain", "count", (json_int_t)sc.total, "offset",
	    (json_int_t)sc.off, "truncated", sc.off + sc.limit < sc.total,
	    "entries", sc.ents, "skipped", (json_int_t)sc.skipped,
	    "skipped_first_line", sc.first_skipped ?
	    json_integer((json_int_t)sc.first_skipped) : json_null());
}

/* Normalise and check one entry for list a; -1 with err. */
static int
list_entry(const struct rules_list *a, const char *in, char *out,
    size_t outlen, char *err, size_t errlen)
{
	size_t	n = strlen(in), i;
	int	rc;

	if (n == 0 || n >= outlen || n > 253) {
		snprintf(err, errlen, "\"%.64s\": bad length", in);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (isspace((unsigned char)in[i]) || in[i] == '#' ||
		    !isprint((unsigned char)in[i])) {
			snprintf(err, errlen, "\"%.64s\": spaces, # and control "
			    "characters are not allowed", in);
			return -1;
		}
		out[i] = a->ips ? in[i] : (char)tolower((unsigned char)in[i]);
	}
	out[n] = '\0';
	if (a->domains && n > 1 && out[n - 1] == '.')
		out[n - 1] = '\0';
	if (a->ips) {
		struct ipset *t = ipset_new();

		rc = t == NULL ? -2 : ipset_add_str(t, out, err, errlen);
		ipset_free(t);
	} else {
		struct domset *t = domset_new();

		rc = t == NULL ? -2 : domset_add(t, out, err, errlen);
		domset_free(t);
	}
	if (rc == -2)
		snprintf(err, errlen, "no memory to check it: %s",
		    strerror(ENOMEM));
	return rc < 0 ? -1 : 0;
}

/*
 * Would entry e (normalised) make list a match nearly everything: a
 * prefix wider than limits.list_min_prefix_v4/_v6, or a public suffix?
 * 1 with the reason in why.
 */
static int
list_too_broad(const struct control *ctl, const struct rules_list *a,
    const char *e, char *why, size_t whylen)
{
	const struct config	*c = ctl->s->conf;

	if (a->ips)
		return ipset_too_wide(e, c->list_min_prefix4,
		    c->list_min_prefix6, why, whylen);
	return domset_public_suffix(e, why, whylen);
}

/*
 * list add|remove: rewrite the list file atomically, then rebuild the
 * ruleset through the reload path (the same swap as SIGHUP). If the
 * reload fails the previous file is put back.
 */

/* The list changes that waited for the one before, in order. */
static void
list_next(struct control *ctl)
{
	struct ctl_client	*cl;
	json_t			*req, *rep;

	if (ctl->lq_running)
		return;
	ctl->lq_running = 1;
	while (ctl->list_undo == NULL && (cl = ctl->lq_head) != NULL) {
		if ((ctl->lq_head = cl->lq_next) == NULL)
			ctl->lq_tail = NULL;
		cl->lq_next = NULL;
		req = cl->deferred;
		cl->deferred = NULL;
		cl->waiting = 0;
		cl->in_request = 1;
		rep = cmd_list(ctl, cl, req);
		cl->in_request = 0;
		json_decref(req);
		if (!cl->waiting)
			client_answer(cl, rep);
	}
	ctl->lq_running = 0;
}

/* A list change's reload ended: answer, or put the file back. */
static void
list_reloaded(void *arg, int ok, const char *rerr)
{
	struct list_undo	*u = arg;
	struct control		*ctl = u->ctl;
	json_t			*r = u->reply;
	char			 err[PATH_MAX + 128];

	if (ok)
		log_info("control: %s; reloaded", u->what);
	else {
		json_decref(r);
		if (safe_replace(u->file, u->buf, u->len, &u->st, err,
		    sizeof(err)) != 0)
			log_warnx("control: cannot restore %s: %s", u->file,
			    err);
		r = reply_err("reload failed, %s restored: %s", u->file, rerr);
	}
	ctl->list_undo = NULL;
	if (u->cl != NULL)
		client_answer(u->cl, r);
	else
		json_decref(r);
	free(u->buf);
	free(u);
	list_next(ctl);
}

/* a[0..al) against the string b, ASCII case folded, as strncasecmp. */
static int
want_cmp(const char *a, size_t al, const char *b)
{
	size_t	i;

	for (i = 0; i < al && b[i] != '\0'; i++) {
		int ca = tolower((unsigned char)a[i]);
		int cb = tolower((unsigned char)b[i]);

		if (ca != cb)
			return ca - cb;
	}
	if (i < al)
		return 1;
	return b[i] == '\0' ? 0 : -1;
}

/* qsort_r's: indices into the entries (arg). */
static int
want_ord_cmp(const void *x, const void *y, void *arg)
{
	char *const	*want = arg;
	const char	*a = want[*(const size_t *)x];
	const char	*b = want[*(const size_t *)y];
	int		 c = want_cmp(a, strlen(a), b);

	/* Equal entries by their place in the request: a stable order. */
	if (c == 0)
		c = *(const size_t *)x < *(const size_t *)y ? -1 : 1;
	return c;
}

/*
 * Mark seen every requested entry equal to the token (ASCII case
 * folded); whether any was. ord[] holds the entries' indices sorted:
 * a binary search a line of the file, where comparing each line with
 * every entry made a 1,000-entry change of a million-line list three
 * seconds of the loop thread's time.
 */
static int
want_mark(char *const *want, const size_t *ord, size_t n, const char *tok,
    size_t tl, uint8_t *seen)
{
	size_t	lo = 0, hi = n, k;
	int	hit = 0;

	while (lo < hi) {
		size_t	mid = lo + (hi - lo) / 2;

		if (want_cmp(tok, tl, want[ord[mid]]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (k = lo; k < n && want_cmp(tok, tl, want[ord[k]]) == 0; k++) {
		seen[ord[k]] = 1;
		hit = 1;
	}
	return hit;
}

static json_t *
list_change(struct control *ctl, struct ctl_client *cl,
    const struct rules_list *a, int add, json_t *req)
{
	json_t		*ents = json_object_get(req, "entries"), *done, *skip;
	json_t		*forced;
	int		 force = json_is_true(json_object_get(req, "force"));
	char		 err[PATH_MAX + 128], **want, *buf, *p, *nl;
	char		 file[PATH_MAX], name[128];
	uint8_t		*seen;
	size_t		 n, i, len, changed = 0, *ord;
	struct stat	 st;
	struct evbuffer	*nb;
	json_t		*r;
	int		 nomem = 0;

	if (!json_is_array(ents) || json_array_size(ents) == 0 ||
	    json_array_size(ents) > CTL_LIST_ENTRIES_MAX)
		return reply_err("entries: expected a list of 1..%d strings",
		    CTL_LIST_ENTRIES_MAX);
	n = json_array_size(ents);
	forced = json_array();
	want = calloc(n, sizeof(*want));
	seen = calloc(n, 1);
	ord = calloc(n, sizeof(*ord));
	if (want == NULL || seen == NULL || ord == NULL) {
		/* Nothing of the list changed: the request fails alone. */
		r = reply_err("%s: no memory for the request", a->name);
		n = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		char e[256];
		const char *s = json_string_value(json_array_get(ents, i));

		if (s == NULL || list_entry(a, s, e, sizeof(e), err,
		    sizeof(err)) != 0) {
			r = reply_err("%s: %s", a->name, s ? err :
			    "entries must be strings");
			goto out;
		}
		if (add && list_too_broad(ctl, a, e, err, sizeof(err))) {
			if (!force) {
				r = reply_err("%s: %s; refused, as nearly every "
				    "flow would match it (list add --force "
				    "adds it anyway)", a->name, err);
				goto out;
			}
			log_warnx("control: uid %ld (pid %ld): list add %s: "
			    "forced: %s", (long)cl->uid, (long)cl->pid,
			    a->name, err);
			json_array_append_new(forced, json_string(e));
		}
		if ((want[i] = strdup(e)) == NULL) {
			r = reply_err("%s: no memory for the request", a->name);
			goto out;
		}
	}
	for (i = 0; i < n; i++)
		ord[i] = i;
	qsort_r(ord, n, sizeof(*ord), want_ord_cmp, want);
	snprintf(file, sizeof(file), "%s", a->file);
	snprintf(name, sizeof(name), "%s", a->name);
	if ((buf = read_file(file, &len, &st, err, sizeof(err))) == NULL) {
		r = reply_err("%s", err);
		goto out;
	}
	/* Without it the new list is not built, even an empty one. */
	nomem = (nb = evbuffer_new()) == NULL;
	for (p = buf; p < buf + len; p = nl + 1) {
		const char	*tok;
		size_t		 tl;
		int		 hit = 0;

		nl = memchr(p, '\n', (size_t)(buf + len - p));
		if (list_token(p, (size_t)(nl - p), &tok, &tl))
			hit = want_mark(want, ord, n, tok, tl, seen);
		if (!add && hit) {
			changed++;
			continue;
		}
		/* A list cut short by a failed append is never written. */
		nomem |= nb == NULL || evbuffer_add(nb, p, (size_t)(nl - p +
		    1)) != 0;
	}
	done = json_array();
	skip = json_array();
	for (i = 0; i < n; i++) {
		if (add && !seen[i]) {
			size_t k;

			for (k = 0; k < i; k++)
				if (strcmp(want[k], want[i]) == 0)
					break;
			if (k < i)
				continue;
			nomem |= nb == NULL ||
			    evbuffer_add_printf(nb, "%s\n", want[i]) < 0;
			changed++;
		}
		json_array_append_new((add ? !seen[i] : seen[i]) ? done : skip,
		    json_string(want[i]));
	}
	r = json_pack("{s:b,s:s,s:s,s:o,s:o,s:O}", "ok", 1, "name", name,
	    "file", file, add ? "added" : "removed", done,
	    add ? "already_present" : "not_found", skip, "forced", forced);
	if (changed > 0 && (nomem || (evbuffer_get_length(nb) > 0 &&
	    evbuffer_pullup(nb, -1) == NULL))) {
		json_decref(r);
		r = reply_err("%s: no memory for the new list: list "
		    "unchanged", file);
	} else if (changed > 0) {
		size_t		 nlen = evbuffer_get_length(nb);
		const char	*nbuf = (const char *)evbuffer_pullup(nb, -1);

		/* Answered when the reload ends (list_reloaded). */
		struct list_undo *u = calloc(1, sizeof(*u));

		if (u == NULL) {
			json_decref(r);
			r = reply_err("%s: no memory for the request: list "
			    "unchanged", file);
		} else if (safe_replace(file, nbuf ? nbuf : "", nlen, &st, err,
			    sizeof(err)) != 0) {
			free(u);
			json_decref(r);
			r = reply_err("%s: list unchanged", err);
		} else {
			u->ctl = ctl;
			u->cl = cl;
			snprintf(u->file, sizeof(u->file), "%s", file);
			u->buf = buf;
			u->len = len;
			u->st = st;
			u->reply = r;
			snprintf(u->what, sizeof(u->what), "uid %ld (pid %ld): "
			    "list %s %s: %zu entr%s", (long)cl->uid,
			    (long)cl->pid, add ? "add" : "remove", name,
			    changed, changed == 1 ? "y" : "ies");
			buf = NULL;
			r = NULL;
			ctl->list_undo = u;
			cl->waiting = 1;
			ctl->ops.reload(ctl->s, list_reloaded, u);
		}
	}
	if (nb != NULL)
		evbuffer_free(nb);
	free(buf);
out:
	json_decref(forced);
	for (i = 0; i < n; i++)
		free(want[i]);
	free(want);
	free(seen);
	free(ord);
	return r;
}

json_t *
cmd_list(struct control *ctl, struct ctl_client *cl, json_t *req)
{
	const char		*op = req_str(req, "op");
	const char		*name = req_str(req, "name");
	struct rules_list	 l;
	int			 rc;

	if (op == NULL || (strcmp(op, "add") && strcmp(op, "remove") &&
	    strcmp(op, "show")))
		return reply_err("list: op must be add, remove or show");
	if (name == NULL)
		return reply_err("list: name (an asset list) is required");
	if ((rc = rules_list(ctl->s->rules, name, &l)) == -1)
		return reply_err("list: no asset named \"%s\"", name);
	if (rc == -3)
		return reply_err("list: asset \"%s\" is a service list (IP "
		    "PORT/PROTO lines): edit its file and reload", name);
	if (rc != 0)
		return reply_err("list: asset \"%s\" is not a list file "
		    "({file: PATH}); change it in the configuration", name);
	if (!l.ips && !l.domains)
		return reply_err("list: asset \"%s\" is a TLS fingerprint "
		    "list: edit its file and reload", name);
	if (strcmp(op, "show") == 0)
		return list_show(ctl, &l, req);
	if (!cl->admin) {
		ctl->denied++;
		ctl_refusal(ctl, "uid %ld (pid %ld): list %s refused: not root "
		    "or in the admin group", (long)cl->uid, (long)cl->pid, op);
		return ctl->admin_name != NULL ? reply_err("permission "
		    "denied: list %s needs root or group %s "
		    "(outputs.status.admin_group)", op, ctl->admin_name) :
		    reply_err("permission denied: list %s needs root "
		    "(outputs.status.admin_group is not set)", op);
	}
	if (ctl->list_undo != NULL) {
		/* Behind the change being loaded (its file may go back). */
		cl->deferred = json_incref(req);
		cl->waiting = 1;
		if (ctl->lq_tail != NULL)
			ctl->lq_tail->lq_next = cl;
		else
			ctl->lq_head = cl;
		ctl->lq_tail = cl;
		return NULL;
	}
	return list_change(ctl, cl, &l, strcmp(op, "add") == 0, req);
}
