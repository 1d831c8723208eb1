#!/bin/bash
# canhgacctl top in a plain terminal (tmux, 100x30), against a daemon live
# on a veth pair receiving 100 UDP datagrams a second that rule 42
# (category anomaly) alerts on: each screen replaces the one before
# (one header on the pane, no escape codes left in it), veth0's
# packets/s near the rate sent (50..200), alerts/s by category with
# anomaly above 0, flows, the outputs' state (json written); -n COUNT
# ends with exit 0. Into a pipe: plain screens one after the other.
. "${top_srcdir:?}/tests/e2e/control_lib.sh"

command -v tmux >/dev/null || skip "tmux missing (apt-get install tmux)"
ctl_setup top
ctl_traffic 30 10
sleep 1.5

sess=cgtop$$
cleanup_hooks+=("tmux -L $sess kill-server 2>/dev/null")
tmux -L "$sess" new-session -d -s "$sess" -x 100 -y 30 \
    "TERM=xterm $CANHGACCTL -s $SOCK top -n 4; echo TOP_EXIT=\$?; sleep 60" ||
    skip "tmux cannot start a session"
pane=""
for _ in $(seq 100); do
	pane=$(tmux -L "$sess" capture-pane -p -t "$sess")
	grep -q TOP_EXIT= <<<"$pane" && break
	sleep 0.1
done
echo "$pane" | sed 's/^/     |/'
check "top -n 4 ends, exit 0" grep -q "TOP_EXIT=0" <<<"$pane"
check "one screen on the pane (each replaces the one before)" \
    test "$(grep -c 'canhgacctl top' <<<"$pane")" -eq 1
check "no escape codes left on the pane" \
    test "$(grep -c $'\033\|\[2J' <<<"$pane")" -eq 0
pps=$(awk '$1 == "veth0" && $2 == "up" {print $3}' <<<"$pane")
check "veth0 up, ${pps:-no} packets/s (100 datagrams/s sent)" \
    test "${pps:-0}" -ge 50 -a "${pps:-0}" -le 200
an=$(sed -n 's/^alerts\/s .*anomaly \([0-9.]*\).*/\1/p' <<<"$pane")
check "alerts/s by category: anomaly ${an:-absent}" \
    awk -v a="${an:-0}" 'BEGIN { exit !(a > 0) }'
check "flows line" grep -qE '^flows +[0-9]+ active' <<<"$pane"
check "outputs: json written" grep -qE '^  json +[1-9][0-9]* written' <<<"$pane"

out=$(ctl top -n 2)
check "into a pipe: two plain screens" \
    test "$(grep -c 'canhgacctl top' <<<"$out")" -eq 2 -a \
    "$(grep -c $'\033' <<<"$out")" -eq 0
out=$(ctl top -n 2>&1); rc=$?
check "top -n without COUNT: usage error (exit 2)" test "$rc" -eq 2
[ "$fail" -eq 0 ] && exit 0 || exit 1
