# Shared set-up of the status-socket tests (control_*.sh), sourced.
#
# ctl_setup NAME: two network namespaces joined by a veth pair (the
# sensor captures on veth0 in ${ns}a, 10.97.N.1; the test host is ${ns}b,
# 10.97.N.2), a configuration with a private status socket, rules (42:
# UDP to port 9999, 43: a destination on the ioc_ips list file, 44:
# inactive at this level), an expired exception, and the daemon started.
# ctl_traffic SECONDS RATE: UDP to 10.97.N.1:9999 from the test host.
# CTL_ALERTS: another path for the JSON alert log; CTL_RULES_EXTRA: more
# rule files (comma-separated YAML flow list items); CTL_CONF_EXTRA: more
# top-level configuration (YAML lines); CTL_STATUS_EXTRA: more keys of
# outputs.status (flow mapping items); CTL_ASSETS_EXTRA: more assets
# (YAML lines; ioc-domains.txt is there to use; ctl_rules writes one);
# CTL_SENSOR_RULES=1: the shipped
# sensor-health rules (rules/sensor.yaml) too; CTL_WRAP: a command to run
# the daemon under (valgrind); CTL_SENSOR_EXTRA: more keys of sensor:
# (flow mapping items, such as state_dir); CTL_SECOND_LINK=1: a second
# veth pair, veth2 in ${ns}a (captured too) and veth3 in ${ns}b.
# Needs root; skips (exit 77) without it unless CI=true, where it fails.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
CANHGACD=${CANHGACD:-$top_builddir/canhgacd}
CANHGACCTL=${CANHGACCTL:-$top_builddir/canhgacctl}
PY=/usr/bin/python3

. "$top_srcdir/tests/e2e/skip_lib.sh"

ok=0
fail=0
pass() { echo "ok   $*"; ok=$((ok + 1)); }
flunk() { echo "FAIL $*"; fail=$((fail + 1)); }
# check DESCRIPTION COMMAND...: pass if the command succeeds.
check() { local d=$1; shift; if "$@"; then pass "$d"; else flunk "$d"; fi; }

pids=()
cleanup_hooks=()
ctl_cleanup() {
	local p h
	for h in "${cleanup_hooks[@]}"; do eval "$h"; done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.2
	ip netns del "${ns}a" 2>/dev/null
	ip netns del "${ns}b" 2>/dev/null
	[ -n "${CG_KEEP:-}" ] || rm -rf "$tmp"
}

# ctl_rules NAME: one more rule file for ctl_setup (CTL_RULES_EXTRA),
# the rules document on stdin; call it before ctl_setup.
ctl_rules() {
	local d

	d=$(mktemp -d "/tmp/cg-rules-$1.XXXXXX") || exit 1
	chmod 755 "$d"
	cat >"$d/$1.yaml"
	cleanup_hooks+=("rm -rf '$d'")
	CTL_RULES_EXTRA=$d/$1.yaml${CTL_RULES_EXTRA:+, $CTL_RULES_EXTRA}
}

ctl_setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
	command -v ip >/dev/null || skip "iproute2 missing"
	[ -x "$CANHGACCTL" ] || { echo "FAIL: $CANHGACCTL not built"; exit 1; }
	net=$(( ($$ % 200) + 20 ))
	SRV=10.97.$net.1
	CLI=10.97.$net.2
	tmp=$(mktemp -d "/tmp/cg-$1.XXXXXX")
	chmod 755 "$tmp"
	ns=cg$1$$
	trap ctl_cleanup EXIT
	ip netns add "${ns}a" && ip netns add "${ns}b" ||
	    skip "cannot create namespaces"
	ip link add veth0 netns "${ns}a" type veth peer name veth1 \
	    netns "${ns}b"
	ip -n "${ns}a" addr add "$SRV/24" dev veth0
	ip -n "${ns}b" addr add "$CLI/24" dev veth1
	ip -n "${ns}a" link set veth0 up
	ip -n "${ns}b" link set veth1 up
	ip -n "${ns}a" link set lo up
	# The host that rule 43 will see once it is on the indicator list.
	ip -n "${ns}a" addr add "10.97.$net.66/24" dev veth0
	if [ -n "${CTL_SECOND_LINK:-}" ]; then
		ip link add veth2 netns "${ns}a" type veth peer name veth3 \
		    netns "${ns}b"
		ip -n "${ns}a" link set veth2 up
		ip -n "${ns}b" link set veth3 up
	fi

	cat >"$tmp/catalog.yaml" <<'EOF'
catalog: {id: t, standard: Test}
controls:
  - {id: NET.IDS, level: 1}
EOF
	cat >"$tmp/good.rules" <<'EOF'
rules:
  - sid: 42
    name: UDP to the test port
    category: anomaly
    severity: low
    level: 1
    controls: [NET.IDS]
    match: {proto: udp, dst_port: 9999}
    message: "{src_ip} sent to {dest_ip}:{dest_port}"
    advice: "Nothing to do: this is a test."
  - sid: 43
    name: Traffic to an indicator address
    category: ioc
    severity: high
    level: 1
    controls: [NET.IDS]
    match: {proto: udp, dst: $ioc_ips}
    message: "{src_ip} reached indicator {dest_ip}"
    advice: "Investigate {src_ip}."
  - sid: 44
    name: Only at level five
    category: scan
    severity: info
    level: 5
    controls: [NET.IDS]
    match: {proto: tcp, dst_port: 1}
    message: "never"
    advice: "never"
exceptions:
  - sids: [42]
    src: 192.0.2.99
    owner: "Nguyen Van A (SOC)"
    reason: "Test exception, ticket 2024-118"
    expires: 2024-03-31
EOF
	cp "$tmp/good.rules" "$tmp/rules.yaml"
	# The shipped sensor-health rules, under the test catalog's control.
	if [ -n "${CTL_SENSOR_RULES:-}" ]; then
		sed 's/controls: \[NET.LOG, NET.MON\]/controls: [NET.IDS]/' \
		    "$top_srcdir/rules/sensor.yaml" >"$tmp/sensor-rules.yaml"
		CTL_RULES_EXTRA=sensor-rules.yaml${CTL_RULES_EXTRA:+, $CTL_RULES_EXTRA}
	fi
	printf '# indicator addresses\n192.0.2.1\n' >"$tmp/ioc-ips.txt"
	printf '# indicator domains\nexample.net\n' >"$tmp/ioc-domains.txt"
	cat >"$tmp/canhgac.yaml" <<EOF
sensor: {name: ctl-test, catalog: catalog.yaml, security_level: 2${CTL_SENSOR_EXTRA:+, $CTL_SENSOR_EXTRA}}
capture:
  - {interface: veth0}
${CTL_SECOND_LINK:+  - {interface: veth2\}}
assets:
  ioc_ips: {file: ioc-ips.txt}
${CTL_ASSETS_EXTRA:-}
rules: [rules.yaml${CTL_RULES_EXTRA:+, $CTL_RULES_EXTRA}]
outputs:
  json: {path: ${CTL_ALERTS:-$tmp/alerts.json}}
  status: {socket: $tmp/ctl.sock, mode: "${CTL_MODE:-0660}",
           group: ${CTL_GROUP:-root}${CTL_ADMIN:+, admin_group: $CTL_ADMIN}${CTL_STATUS_EXTRA:+, $CTL_STATUS_EXTRA}}
EOF
	[ -z "${CTL_CONF_EXTRA:-}" ] || echo "$CTL_CONF_EXTRA" >>"$tmp/canhgac.yaml"
	SOCK=$tmp/ctl.sock
	# CTL_BEFORE_START: a command run just before the daemon starts.
	[ -z "${CTL_BEFORE_START:-}" ] || eval "$CTL_BEFORE_START"
	# CTL_WRAP: a command the daemon runs under (valgrind ...).
	ip netns exec "${ns}a" ${CTL_WRAP:-} "$CANHGACD" -v \
	    -c "$tmp/canhgac.yaml" 2>"$tmp/daemon.err" &
	dpid=$!
	pids+=("$dpid")
	# 30 s: 12,000 rules under ASan took over 5 s to load on a busy
	# machine (control_rules_pages.sh): a slow start, not a failed one.
	local waits=300
	[ -z "${CTL_WRAP:-}" ] || waits=600	# valgrind starts slowly
	for _ in $(seq $waits); do
		grep -q "running on" "$tmp/daemon.err" 2>/dev/null && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "running on" "$tmp/daemon.err" ||
	    { cat "$tmp/daemon.err"; echo "FAIL: daemon did not start"; exit 1; }
}

ctl() { "$CANHGACCTL" -s "$SOCK" "$@"; }

# ctl_traffic SECONDS PER_TENTH [DEST]: UDP datagrams to DEST:9999.
ctl_traffic() {
	ip netns exec "${ns}b" $PY -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end = time.time() + float(sys.argv[1])
while time.time() < end:
    for _ in range(int(sys.argv[2])):
        s.sendto(b"x" * 32, (sys.argv[3], 9999))
    time.sleep(0.1)
' "$1" "$2" "${3:-$SRV}" &
	pids+=($!)
}

# ctl_settle: the last ctl_traffic has ended and the alert log is not
# empty and has stopped growing (a fixed sleep was short under ASan on a
# loaded machine). Gives up after 20 s; the caller's checks then fail.
ctl_settle() {
	local n=-1 m _
	wait "${pids[-1]}" 2>/dev/null
	for _ in $(seq 40); do
		sleep 0.5
		m=$(cat "${CTL_ALERTS:-$tmp/alerts.json}" 2>/dev/null | wc -l)
		[ "$m" -gt 0 ] && [ "$m" = "$n" ] && return 0
		n=$m
	done
}

# Stop the daemon through the socket; it must exit 0 without reports.
ctl_finish() {
	local rc
	if ctl shutdown >/dev/null; then pass "shutdown answered"; else flunk "shutdown"; fi
	for _ in $(seq 50); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.1; done
	wait "$dpid"
	rc=$?
	[ "$rc" -eq 0 ] && pass "daemon exited 0" || flunk "daemon exit status $rc"
	[ ! -e "$SOCK" ] && pass "socket removed" || flunk "socket left behind"
	# CTL_AFTER_EXIT: more checks of what the daemon left at exit.
	[ -z "${CTL_AFTER_EXIT:-}" ] || eval "$CTL_AFTER_EXIT"
	if grep -qE "LeakSanitizer|AddressSanitizer|runtime error|definitely lost: [1-9]|ERROR SUMMARY: [1-9]" "$tmp/daemon.err"; then
		flunk "sanitizer report:"
		grep -A20 -E "Sanitizer|runtime error|definitely lost|ERROR SUMMARY" "$tmp/daemon.err" | head -40
	fi
	echo "$ok passed, $fail failed"
	[ "$fail" -eq 0 ] || { echo "----- daemon.err -----"; tail -30 "$tmp/daemon.err"; }
	exit $((fail > 0))
}
