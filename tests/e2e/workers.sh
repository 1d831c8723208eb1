#!/bin/bash
# workers.sh — the promise of `--workers N`: the alert and event logs of a
# replay are the same set (order aside) with 1 and N packet workers.
#
#  1. Captures: tests/corpus (real/ and community-id/), the capture cases
#     of tests/pcap, those of defrag.py, stream.py and http_body.py (IP
#     fragments v4/v6, TCP reassembly, HTTP bodies), and bench/pcapgen's
#     mixed capture (50,000 packets, seed 1), workers_caps.py's (flows
#     idle past their timeouts; interleaved fragments; suppressions while
#     one worker is two hours of packet time ahead); each replayed at security
#     level 5 (tests/rules/canhgac-test.yaml) with --workers 1, 2 and 3.
#  2. workers_compare.py: event records the same multiset without
#     flow_id (strided per worker); alerts the same count per signature
#     and the same records without flow_id, except the rules whose key
#     spans address pairs or that match host-inventory events, compared
#     on their key (its docstring says why); the totals of decode.*,
#     app.*, flow.created, http.requests/responses equal.
#  3. `--events -` with --workers 2: the same multiset as the file.
#  4. Hostile: workers_caps.py's frags.pcap, IP fragments of ten
#     connections dealt out interleaved (one IP ID for all), with 2 and 3
#     workers that really share the connections: ten reassembled
#     datagrams, ten data-leak alerts, the same records as with one.
# The dispatch key is random per run, so each run splits the flows
# differently; a failure prints the difference and the seedless replay
# to repeat. The floods of defrag.py and stream.py are left out: they
# fill memcaps, which the workers split (docs), on purpose.
#
# Then one replay of three captures in a row (-r A -r B -r C): flows
# idle past their timeouts between files and at the end.
#
# Environment: top_srcdir, top_builddir, CANHGACD as in Makefile.am;
# CANHGAC_CORPUS a larger corpus of the same layout (real/) compared as
# well, as in corpus.sh (default $top_srcdir/../shared/corpus when
# present; empty for none); WORKERS_ONLY optional glob: only captures
# whose name matches.
# Exit: 0 pass, 1 fail, 77 skip (inputs missing; a failure under CI=true).

if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
CANHGACD=${CANHGACD:-$top_builddir/canhgacd}
PY=/usr/bin/python3
GEN=$top_builddir/bench/pcapgen
me=workers.sh
. "$here/skip_lib.sh"
corpus=$top_srcdir/tests/corpus
[ -d "$corpus/real" ] || skip "$corpus/real not found"
extra=${CANHGAC_CORPUS-$top_srcdir/../shared/corpus}
if [ -n "${CANHGAC_CORPUS:-}" ] && [ ! -d "$extra/real" ]; then
	echo "FAIL: CANHGAC_CORPUS=$extra has no real/ folder"
	exit 1
fi
[ -d "$extra/real" ] || extra=""
[ -x "$GEN" ] || skip "$GEN not built (make bench/pcapgen)"
$PY -c 'import scapy' 2>/dev/null ||
	skip "python3-scapy is not installed (scripts/setup.sh installs it)"
[ -x "$CANHGACD" ] || { echo "FAIL: no daemon at $CANHGACD"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-workers.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
fails=0 n=0

# Level 5, the shipped rules, the rule tests' assets: paths made absolute.
conf=$tmp/l5.yaml
sed -e "s|\.\./\.\./|$top_srcdir/|g" "$top_srcdir/tests/rules/canhgac-test.yaml" \
	>"$conf"

# The captures, generated ones each in a folder of their own.
mkdir -p "$tmp/cap" "$tmp/out" || exit 1
gen() {	# what, command...
	local what=$1; shift
	"$@" >"$tmp/gen.log" 2>&1 ||
		{ echo "FAIL: $what"; cat "$tmp/gen.log"; exit 1; }
}
for g in defrag stream http_body; do
	mkdir "$tmp/cap/$g"
	gen "$g.py" $PY "$here/$g.py" "$tmp/cap/$g"
	rm -f "$tmp/cap/$g"/flood*.pcap
done
mkdir "$tmp/cap/case"
for d in "$top_srcdir"/tests/pcap/*/; do
	[ -f "$d/make.py" ] || continue
	gen "tests/pcap/$(basename "$d")" $PY "$d/make.py" "$tmp/cap/case/$(basename "$d").pcap"
done
mkdir "$tmp/cap/gen"
gen pcapgen "$GEN" mixed -n 50000 -o "$tmp/cap/gen/mixed-50k.pcap" --seed 1
gen workers_caps.py $PY "$here/workers_caps.py" "$tmp/cap/gen"

# replay OUT WORKERS [ARGS...]: the captures of $rargs (-r FILE...);
# OUT.alerts/.stats/.err; returns the exit status (a crash, a timeout or
# a sanitizer report is a failure).
replay() {
	local out=$1 w=$2 rc
	shift 2
	rm -f "$out".*
	timeout -k 5 120 "$CANHGACD" -c "$conf" "${rargs[@]}" --workers "$w" \
	    --alerts "$out.alerts" --stats "$out.stats" "$@" \
	    </dev/null 2>"$out.err"
	rc=$?
	if [ "$rc" -ge 124 ] || grep -qE 'runtime error|Sanitizer' "$out.err"; then
		echo "FAIL ${out##*/}: exit status $rc with --workers $w" >&2
		sed -n '1,20s/^/    stderr: /p' "$out.err" >&2
		fails=1
	fi
	return "$rc"
}

# same NAME CAPTURE...: one replay of the captures with --workers 1, 2
# and 3, compared.
same() {
	local name=$1 o=$tmp/out/$1 rc1 rc w msg
	shift
	rargs=()
	for c in "$@"; do rargs+=(-r "$c"); done
	n=$((n + 1))
	mkdir -p "${o%/*}"
	replay "$o.w1" 1 --events "$o.w1.events"
	rc1=$?
	for w in 2 3; do
		replay "$o.w$w" "$w" --events "$o.w$w.events"
		rc=$?
		if [ "$rc1" -ne 0 ] || [ "$rc" -ne 0 ]; then
			# An unreadable capture (tests/corpus/README): refused alike.
			if [ "$rc1" -ne "$rc" ]; then
				echo "FAIL $name: exit status $rc1 with 1 worker, $rc with $w"
				fails=1
			fi
			continue
		fi
		if msg=$($PY "$here/workers_compare.py" run "$top_srcdir/rules" \
		    "$o.w1" "$o.w$w" 2>&1); then
			[ "$w" = 2 ] || echo "ok   $name: 1 = 2 = 3 workers: ${msg#ok }"
		else
			echo "FAIL $name: 1 worker against $w (replay: $CANHGACD -c" \
			    "$conf ${rargs[*]} --workers $w):"
			printf '%s\n' "$msg" | sed 's/^/    /'
			fails=1
			return 1
		fi
	done
	[ "$rc1" -eq 0 ] || echo "ok   $name: refused alike (exit status $rc1)"
	return 0
}

seen=" "
for f in "$corpus"/real/* "$corpus"/community-id/*.pcap \
    ${extra:+"$extra"/real/*} "$tmp"/cap/*/*.pcap; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	case $f in
	"$tmp"/cap/*) name=${f#"$tmp"/cap/} ;;
	*.test.yaml) continue ;;
	esac
	# A capture of the larger corpus that tests/corpus carries too.
	case "$seen" in *" $name "*) continue ;; esac
	seen="$seen$name "
	# shellcheck disable=SC2254
	case "$name" in ${WORKERS_ONLY:-*}) ;; *) continue ;; esac
	same "$name" "$f"
done

# Three captures in one replay.
[ -n "${WORKERS_ONLY:-}" ] || same "mixed-50k.pcap+idle.pcap+frags.pcap" \
	"$tmp"/cap/gen/mixed-50k.pcap "$tmp"/cap/gen/idle.pcap \
	"$tmp"/cap/gen/frags.pcap

# --events - with 2 workers: the same records as to a file.
rargs=(-r "$tmp/cap/gen/mixed-50k.pcap") o=$tmp/out/stdout
if [ -z "${WORKERS_ONLY:-}" ]; then
	n=$((n + 1))
	# (not $o.events: replay removes $o.* once the shell has opened it)
	if replay "$o" 2 --events - >"$o-events.json"; then
		if msg=$($PY "$here/workers_compare.py" events \
		    "$tmp/out/gen/mixed-50k.pcap.w2.events" "$o-events.json" 2>&1); then
			echo "ok   --events - with 2 workers: ${msg#ok }"
		else
			echo "FAIL --events - with 2 workers against --events FILE:"
			printf '%s\n' "$msg" | sed 's/^/    /'
			fails=1
		fi
	else
		echo "FAIL --events - with 2 workers: exit status $?"; fails=1
	fi
fi

# Hostile: the interleaved fragments, with workers that really share the
# connections (flow ids are strided per worker: id mod N is the worker);
# the key is random, so a run that put them all on one worker is redone.
rargs=(-r "$tmp/cap/gen/frags.pcap") o=$tmp/out/frags
for w in 2 3; do
	[ -z "${WORKERS_ONLY:-}" ] || break
	n=$((n + 1)) spread=0
	for try in 1 2 3 4 5 6; do
		replay "$o.h$w" "$w" --events "$o.h$w.events" || break
		spread=$(grep -o '"flow_id":[0-9]*' "$o.h$w.events" |
		    awk -F: -v w="$w" '{ s[$2 % w] = 1 } END { print length(s) }')
		[ "$spread" -ge 2 ] && break
	done
	leaks=$(grep -c '"signature_id":1000802,' "$o.h$w.alerts")
	reas=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["defrag"]["reassembled"])' \
	    "$o.h$w.stats" 2>&1)
	if [ "$spread" -lt 2 ]; then
		echo "FAIL hostile fragments, $w workers: all flows on one worker in $try runs"
		fails=1
	elif [ "$leaks" != 10 ] || [ "$reas" != 10 ]; then
		echo "FAIL hostile fragments, $w workers ($spread share them):" \
		    "$reas datagrams reassembled, $leaks data-leak alerts (10 and 10 expected)"
		fails=1
	elif msg=$($PY "$here/workers_compare.py" run "$top_srcdir/rules" \
	    "$tmp/out/gen/frags.pcap.w1" "$o.h$w" 2>&1); then
		echo "ok   hostile fragments, $w workers ($spread share the flows):" \
		    "10 reassembled, 10 alerts, the same as 1 worker"
	else
		echo "FAIL hostile fragments, 1 worker against $w:"
		printf '%s\n' "$msg" | sed 's/^/    /'
		fails=1
	fi
done

# The split is the sensor's secret: two replays of mixed-50k with two
# workers divide it differently (a sender cannot know which worker its
# pairs reach), each worker takes a share, and the per-worker counts of
# the statistics add up to the totals.
rargs=(-r "$tmp/cap/gen/mixed-50k.pcap") o=$tmp/out/split
replay "$o.a" 2 && replay "$o.b" 2
if msg=$($PY - "$o.a.stats" "$o.b.stats" 2>&1 <<'PYEOF'
import json, sys
runs = [json.load(open(f)) for f in sys.argv[1:3]]
splits = []
for st in runs:
    pw = st["workers"]["per_worker"]
    pk = [w["packets"] for w in pw]
    fl = [w["flows"] for w in pw]
    assert len(pw) == 2, pw
    assert sum(pk) == st["decode"]["packets"], (pk, st["decode"]["packets"])
    assert sum(fl) == st["flow"]["created"], (fl, st["flow"]["created"])
    assert min(pk) > sum(pk) // 10, "a worker took almost nothing: %s" % pk
    splits.append(pk)
assert splits[0] != splits[1], "the same split twice: %s" % splits
print("splits %s and %s" % tuple(splits))
PYEOF
); then
	echo "ok   two workers split mixed-50k differently in two runs: $msg"
else
	echo "FAIL per-worker split: $msg"
	fails=1
fi

echo
[ "$n" -gt 0 ] || { echo "FAIL: no captures"; exit 1; }
echo "workers: $n comparisons, $([ "$fails" = 0 ] && echo all same || echo FAILED)"
exit "$fails"
