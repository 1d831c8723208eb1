#!/bin/bash
# The compliance report's history across restarts (history.c): two runs
# with a gap between them, alert counts that survive the restart and
# equal the JSON alert log, a reload that changed the rule set in the
# rule-set history, an unclean end (kill -9) reported as such, an
# interface taken down reported as down, --since restricting runs and
# reloads, and a garbage state file giving a warning and a fresh start.
. "$top_srcdir/tests/e2e/control_lib.sh"
. "$top_srcdir/tests/e2e/compliance_lib.sh"
ctl_setup state
CONF=$tmp/canhgac.yaml
# control_lib started the daemon without a state directory: stop it and
# give the configuration one (relative: beside the configuration).
ctl shutdown >/dev/null; wait "$dpid" 2>/dev/null
mkdir "$tmp/state"
sed -i 's/^sensor: {name: ctl-test,/sensor: {name: ctl-test, state_dir: state,/' "$tmp/canhgac.yaml"
rm -f "$tmp/alerts.json"

stop() { ctl shutdown >/dev/null; wait "$dpid"; }
report() { ctl compliance --format json "$@" >"$tmp/r.json" || cat "$tmp/r.json"; }
# q EXPR: evaluate EXPR with r = the last report, a = the alert log.
q() { $PY - "$tmp/r.json" "$tmp/alerts.json" "$1" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
try:
    a = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
except FileNotFoundError:
    a = []
ev = r["evidence"]
ctl = {c["id"]: c for c in r["controls"]}
def log_count(cid):
    return sum(1 for x in a if cid in x["alert"].get("controls", []))
print(eval(sys.argv[3]))
PYEOF
}
chk() { local d=$1 e=$2; if [ "$(q "$e")" = True ]; then pass "$d"; else flunk "$d: $e"; q "$e" >&2; fi; }

# Run 1: alerts, a reload without a change and one with.
comp_start
ctl_traffic 1 3 >/dev/null 2>&1; ctl_settle
ctl reload >/dev/null
echo "# changed" >>"$tmp/rules.yaml"
ctl reload >/dev/null
report
chk "run 1: one run, no gap, history on" 'ev["history"] and len(ev["runs"]) == 1 and ev["gaps"] == []'
chk "run 1: NET.IDS alerts equal the alert log" 'ctl["NET.IDS"]["alerts"] == log_count("NET.IDS") > 0'
n1=$(q 'ctl["NET.IDS"]["alerts"]')
chk "rule-set history: start, reload unchanged, reload changed" '[(h["event"], h["changed"]) for h in ev["ruleset_history"]] == [("start", False), ("reload", False), ("reload", True)] and ev["ruleset_changes"] == 1'
stop
sleep 1.1	# the period must start after run 1's last second
t_between=$(date +%s)
sleep 2

# Run 2 after a clean stop: a gap, counts carried.
comp_start
report
chk "run 2: two runs, one 'stopped' gap of at least 2s" 'len(ev["runs"]) == 2 and len(ev["gaps"]) == 1 and ev["gaps"][0]["reason"] == "stopped" and ev["gaps"][0]["seconds"] >= 2'
chk "run 2: NET.IDS alerts survived the restart ($n1)" "ctl['NET.IDS']['alerts'] == $n1 == log_count('NET.IDS')"
ctl_traffic 1 2 >/dev/null 2>&1; ctl_settle
report
chk "run 2: new alerts add to the old" "ctl['NET.IDS']['alerts'] > $n1 and ctl['NET.IDS']['alerts'] == log_count('NET.IDS')"
chk "the per-day chart data holds them" 'sum(d["total"] for d in ev["alerts_per_day"]) == ev["alerts_total"] >= ctl["NET.IDS"]["alerts"]'
chk "packets counted on veth0" '[i for i in ev["interface_history"] if i["name"] == "veth0"][0]["packets"] > 0 and len(ev["drops_over_time"]) >= 1'

# The interface goes down for 3 s.
ip -n "${ns}a" link set veth0 down; sleep 3; ip -n "${ns}a" link set veth0 up; sleep 1.5
report
chk "veth0 down for about 3s" 'any(d["state"] == "down" and 2 <= d["seconds"] <= 5 for d in [i for i in ev["interface_history"] if i["name"] == "veth0"][0]["down"])'

# --since after run 1: only run 2, no reload of run 1.
report --since "$t_between"
chk "--since: run 1 and its reloads left out" 'len(ev["runs"]) == 1 and all(h["event"] == "start" for h in ev["ruleset_history"]) and r["period"]["since"] is not None'

# An unclean end: kill -9, then run 3.
kill -9 "$dpid"; wait "$dpid" 2>/dev/null
sleep 1
comp_start
report
chk "kill -9: run 3 sees an unclean end and its gap" 'len(ev["runs"]) == 3 and ev["unclean_ends"] == 1 and ev["gaps"][-1]["reason"] == "unclean-end"'
stop

# A garbage file: warning naming it, fresh history, daemon runs.
head -c 3000 /dev/urandom >"$tmp/state/state.json"
comp_start
if grep -q "state $tmp/state/state.json.*starting a new history" "$tmp/daemon.err"; then
	pass "garbage state file: warning naming the file"
else flunk "garbage state file: no warning"; cat "$tmp/daemon.err"; fi
report
chk "garbage state file: a fresh history of one run" 'len(ev["runs"]) == 1 and ev["gaps"] == []'
stop
# Valid JSON of the wrong shape: bad records are dropped, not trusted.
$PY - "$tmp/state/state.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["runs"].insert(0, {"start": "yesterday", "seen": -5, "clean": 3})
d["alerts"].append({"t": 1, "span": 7, "total": "many"})
d["traffic"] = {"not": "a list"}
json.dump(d, open(sys.argv[1], "w"))
PYEOF
comp_start
if grep -q "malformed record" "$tmp/daemon.err"; then pass "malformed records: warned and dropped"
else flunk "malformed records"; cat "$tmp/daemon.err"; fi
report
chk "malformed records: the good runs kept" 'len(ev["runs"]) == 2'
stop
# The state file is the service user's to write, and root reads the text
# report in a terminal: escape sequences, BEL, C1 CSI and a bidirectional
# override in an interface's name and state, a run's digest and a
# reload's error reach it as '?', the Vietnamese text kept.
$PY - "$tmp/state/state.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["runs"][-1]["start"]
d["iface_events"] += [
    {"time": t, "iface": "e\x1b]0;owned\x07\x1b[2Jx", "state": "\x1b[31mdown"},
    {"time": t + 1, "iface": "e\x1b]0;owned\x07\x1b[2Jx", "state": "up"}]
d["traffic"].append({"t": t - t % 3600, "span": 3600, "iface": "f\u009b2J\u202ey",
                     "packets": 1, "received": 1, "drops": 0})
d["runs"][-1]["digest"] = "\u009b2J\x1b[1A"
d["reloads"].append({"time": t + 2, "ok": False, "error": "r\x1bc\x7f\u2066"})
json.dump(d, open(sys.argv[1], "w"))
PYEOF
comp_start
ctl compliance >"$tmp/r.txt"
ctl compliance --lang vi >"$tmp/r.vi.txt"
if LC_ALL=C grep -q -P '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$tmp/r.txt" "$tmp/r.vi.txt"; then
	flunk "the text report passes the state file's control characters to the terminal:"
	LC_ALL=C grep -a -o -P '.{0,20}(\x1b|\x07|\xc2\x9b|\xe2\x80\xae).{0,20}' "$tmp/r.txt" | od -c | head
elif grep -qF 'e?]0;owned??[2Jx' "$tmp/r.txt" && grep -qF 'Cảm biến' "$tmp/r.vi.txt"; then
	pass "text report: the state file's control characters shown as '?', Vietnamese kept"
else
	flunk "text report: the hostile interface name or the Vietnamese text is missing"
fi
ls -la "$tmp/state" | grep -q "state.json.tmp" && flunk "temporary file left behind" || pass "no temporary file left behind"
size=$(stat -c %s "$tmp/state/state.json")
echo "state file: $size bytes"
ctl_finish
