# Shared set-up of the tests that run one daemon on the loopback of a
# private network namespace (detach.sh, runtime_files.sh), sourced.
# lo_setup NAME: root, iproute2, a private directory $tmp (755), the
# namespace $ns with lo up, and a cleanup at exit that stops $dpid (or
# the pid in $tmp/canhgacd.pid). pass/flunk count into $fail.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}"
PY=/usr/bin/python3
. "$top_srcdir/tests/e2e/skip_lib.sh"
fail=0
pass() { echo "ok   $*"; }
flunk() { echo "FAIL $*"; fail=1; }
dpid=
lo_cleanup() {
	local p=${dpid:-$(cat "$tmp/canhgacd.pid" 2>/dev/null)}
	[ -n "$p" ] && kill "$p" 2>/dev/null
	sleep 0.3
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
lo_setup() {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a network namespace"
	command -v ip >/dev/null || skip "iproute2 missing"
	tmp=$(mktemp -d "/tmp/cg-$1.XXXXXX")
	chmod 755 "$tmp"
	ns=cg$1$$
	trap lo_cleanup EXIT
	ip netns add "$ns" || skip "cannot create a namespace"
	ip -n "$ns" link set lo up
}
