# Shared set-up of compliance_alerts.sh and compliance_html.sh, sourced
# after control_lib.sh (pass/flunk/skip, cleanup of namespaces and pids).
#
# comp_setup NAME LEVEL: two namespaces joined by veth0 (sensor, ${ns}a)
# and veth1 (${ns}b); a copy of the example configuration with the
# shipped packs at LEVEL, capturing veth0, a private status socket,
# state directory and JSON alert log; the daemon started.
comp_setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
	command -v ip >/dev/null || skip "iproute2 missing"
	$PY -c "import yaml" 2>/dev/null || skip "python3-yaml missing"
	tmp=$(mktemp -d "/tmp/cg-$1.XXXXXX")
	chmod 755 "$tmp"
	ns=cg$1$$
	trap ctl_cleanup EXIT
	ip netns add "${ns}a" && ip netns add "${ns}b" ||
	    skip "cannot create namespaces"
	ip link add veth0 netns "${ns}a" type veth peer name veth1 \
	    netns "${ns}b"
	ip -n "${ns}a" link set veth0 up
	ip -n "${ns}b" link set veth1 up
	mkdir "$tmp/etc" "$tmp/etc/state"
	cp -R "$top_srcdir/etc/lists" "$tmp/etc/lists"
	cp -RL "$top_srcdir/rules" "$tmp/etc/rules"
	$PY - "$top_srcdir/etc/canhgac.yaml" "$tmp" "$2" <<'PYEOF'
import sys, yaml
conf = yaml.safe_load(open(sys.argv[1]))
tmp = sys.argv[2]
conf["sensor"]["security_level"] = int(sys.argv[3])
conf["sensor"]["state_dir"] = "state"
conf["capture"] = [{"interface": "veth0", "promiscuous": True}]
conf["outputs"] = {"json": {"path": tmp + "/alerts.json"},
                   "status": {"socket": tmp + "/ctl.sock", "mode": "0660",
                              "group": "root"}}
for k in ("user", "pidfile"):
    conf.pop(k, None)
yaml.safe_dump(conf, open(tmp + "/etc/canhgac.yaml", "w"), allow_unicode=True)
PYEOF
	SOCK=$tmp/ctl.sock
}

# comp_start: the daemon on ${CONF:-$tmp/etc/canhgac.yaml} in ${ns}a.
comp_start() {
	# The run before: ctl_finish only reads the last one's log.
	if grep -qE "Sanitizer|runtime error" "$tmp/daemon.err" 2>/dev/null; then
		flunk "sanitizer report in an earlier run:"
		grep -A20 -E "Sanitizer|runtime error" "$tmp/daemon.err" | head -40
	fi
	: >"$tmp/daemon.err"
	ip netns exec "${ns}a" "$CANHGACD" -v -c "${CONF:-$tmp/etc/canhgac.yaml}" \
	    2>"$tmp/daemon.err" &
	dpid=$!
	pids+=("$dpid")
	for _ in $(seq 100); do
		grep -q "running on" "$tmp/daemon.err" && return 0
		sleep 0.1
	done
	cat "$tmp/daemon.err"; echo "FAIL: daemon did not start"; exit 1
}
