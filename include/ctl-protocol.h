/*
 * The status socket protocol, shared by canhgacd (control.c) and
 * canhgacctl.
 *
 * A UNIX stream socket carrying JSON lines: the client sends one object
 * a line, {"cmd": NAME, ...arguments}, and gets one object a line back,
 * {"ok": true, ...} or {"ok": false, "error": TEXT}. `follow` answers
 * {"ok": true, "follow": true} and then streams each alert record as a
 * line of its own until the client goes; a reader too slow to keep up,
 * or one sent nothing for outputs.status.follow_idle, gets
 * {"ok": false, "error": ...} and is disconnected. A connection refused
 * (not in the group, too many for its uid, no free slot) gets the same
 * shape of answer before it is closed.
 *
 * Requests and their arguments:
 *   version
 *   status
 *   stats
 *   alerts      severity (name: this or more severe), category, sid,
 *               since (unix seconds), limit
 *   follow      the same filters as alerts
 *   rules       active (true/false: only those), offset (a position
 *               in the set), limit (default 1000, at most 10000); the
 *               answer has total, generation (moves with each reload)
 *               and next (where the following page starts) if more
 *   exceptions
 *   list        op: add|remove|show, name: asset, entries: [..] (add,
 *               remove), force: true (add a too-wide prefix or a public
 *               suffix anyway), offset and limit (show)
 *   reload
 *   shutdown
 *   compliance  level (1..5; default sensor.security_level): the report
 *               of compliance.c, sensor evidence included
 */
#ifndef CTL_PROTOCOL_H
#define CTL_PROTOCOL_H

#define CTL_PROTOCOL_VERSION	1

/* The longest request line the daemon reads; longer ones are refused. */
#define CTL_LINE_MAX		8192
/* The longest answer it sends; canhgacctl reads no more. */
#define CTL_REPLY_MAX		(32 * 1024 * 1024)
/*
 * The most rules a daemon loads (rules_load.c), and so the most a
 * `rules` listing joined from pages may hold; the joined listing is
 * also at most CTL_RULES_JOINED_MAX bytes read (canhgacctl).
 */
#define CTL_RULES_TOTAL_MAX	100000
#define CTL_RULES_JOINED_MAX	(4ULL * CTL_REPLY_MAX)

/*
 * Connections one uid other than root may hold (outputs.status.
 * clients_per_uid), and how long a follower may receive nothing before
 * it is closed (outputs.status.follow_idle, usec).
 */
#define CTL_CLIENTS_PER_UID_DEFAULT	32
#define CTL_CLIENTS_PER_UID_MAX		256
#define CTL_FOLLOW_IDLE_DEFAULT		(15ULL * 60 * 1000000)

/* The default socket (outputs.status.socket). */
#define CTL_SOCKET_DEFAULT	"/run/canhgac/canhgac.sock"

#define CTL_CMD_VERSION		"version"
#define CTL_CMD_STATUS		"status"
#define CTL_CMD_STATS		"stats"
#define CTL_CMD_ALERTS		"alerts"
#define CTL_CMD_FOLLOW		"follow"
#define CTL_CMD_RULES		"rules"
#define CTL_CMD_BASELINES	"baselines"
#define CTL_CMD_EXCEPTIONS	"exceptions"
#define CTL_CMD_LIST		"list"
#define CTL_CMD_RELOAD		"reload"
#define CTL_CMD_SHUTDOWN	"shutdown"
#define CTL_CMD_COMPLIANCE	"compliance"
#define CTL_CMD_HOSTS		"hosts"
#define CTL_CMD_SELFTEST	"selftest"

#endif /* CTL_PROTOCOL_H */
