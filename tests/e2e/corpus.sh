#!/bin/bash
# corpus.sh — canhgacd against the real captures in tests/corpus.
#
# Every capture in tests/corpus/real/ (see its MANIFEST.tsv), then those of
# the optional larger corpus that are not in tests/corpus (*.test.yaml
# files there are suricata-verify's own expectations, not captures) is read with
# canhgacd under `timeout 60`. A signal / exit status >= 128, a timeout, or
# sanitizer output ("runtime error", "AddressSanitizer", "LeakSanitizer") on
# stderr is a failure. The two captures that are unreadable on purpose must
# make canhgacd exit non-zero (but < 128) with a message naming the file.
# Every other capture must be read with exit status 0.
#
# Then tshark, run here as the referee, decodes the same file and
# corpus_compare.py compares the sets of TLS SNI values, DNS query names
# (queries and answers), HTTP hosts and URIs and SSH banners, tshark
# reassembling TCP and IP fragments; accepted differences
# are listed, each with its reason, in corpus_compare.py (ACCEPTED).
#
# Environment (automake sets the first three):
#   top_srcdir, top_builddir, CANHGACD   as in Makefile.am
#   CANHGAC_CORPUS   a larger corpus folder of the same layout (real/,
#                    truth/) run as well; default $top_srcdir/../shared/corpus
#                    when present; set it empty for tests/corpus only
#   TSHARK           tshark binary (default tshark)
#   CORPUS_ONLY      optional glob: only captures whose name matches
# Exit: 0 pass, 1 fail, 77 skip (only when tests/corpus/real is absent;
# a failure under CI=true).

if [ -z "${BASH_VERSION:-}" ]; then
	exec bash "$0" "$@"
fi
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir/build}
CANHGACD=${CANHGACD:-$top_builddir/canhgacd}
TSHARK=${TSHARK:-tshark}
PYTHON=/usr/bin/python3
me=corpus.sh
. "$here/skip_lib.sh"
corpus=$top_srcdir/tests/corpus
[ -d "$corpus/real" ] || skip "$corpus/real not found"
if [ -n "${CANHGAC_CORPUS+set}" ]; then
	extra=$CANHGAC_CORPUS
elif [ -d "$top_srcdir/../shared/corpus/real" ]; then
	extra=$top_srcdir/../shared/corpus
else
	extra=""
fi
if [ -n "$extra" ] && [ ! -d "$extra/real" ]; then
	echo "FAIL: CANHGAC_CORPUS=$extra has no real/ folder"
	exit 1
fi

# The corpus is there: anything missing from here on is a failure, not a skip.
if [ ! -x "$CANHGACD" ]; then
	echo "FAIL: canhgacd not found or not executable: $CANHGACD"
	exit 1
fi
if ! command -v "$TSHARK" >/dev/null 2>&1; then
	echo "FAIL: tshark ($TSHARK) not found; it is the referee for this test"
	exit 1
fi
if [ ! -x "$PYTHON" ]; then
	echo "FAIL: $PYTHON not found"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-corpus.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# Opening these must fail cleanly (corpus README).
unreadable=" lp_pcap-invalid-version-1.pcap lp_shb-option-too-long.pcapng "

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

nfiles=0
nfail=0
seen=" "
failed=""

for f in "$corpus"/real/* ${extra:+"$extra"/real/*}; do
	[ -f "$f" ] || continue
	name=$(basename "$f")
	case "$name" in
	*.test.yaml) continue ;;
	esac
	# A capture of the larger corpus that tests/corpus carries too.
	case "$seen" in
	*" $name "*) continue ;;
	esac
	seen="$seen$name "
	if [ -n "${CORPUS_ONLY:-}" ]; then
		# shellcheck disable=SC2254
		case "$name" in
		$CORPUS_ONLY) ;;
		*) continue ;;
		esac
	fi
	nfiles=$((nfiles + 1))
	ev="$tmp/$name.events.json"
	st="$tmp/$name.stats.json"
	er="$tmp/$name.stderr"
	rm -f "$ev" "$st"
	timeout -k 5 60 "$CANHGACD" -r "$f" --events "$ev" --stats "$st" \
	    </dev/null >"$tmp/$name.stdout" 2>"$er"
	rc=$?

	why=""
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="hang: killed by timeout after 60s (exit $rc)"
	elif [ "$rc" -ge 128 ]; then
		why="crash: exit status $rc (signal $((rc - 128)))"
	fi
	if grep -q -E 'runtime error|AddressSanitizer|LeakSanitizer|MemorySanitizer|ThreadSanitizer' "$er"; then
		why="${why:+$why; }sanitizer report on stderr"
	fi
	if [ -z "$why" ]; then
		case "$unreadable" in
		*" $name "*)
			if [ "$rc" -eq 0 ]; then
				why="unreadable capture accepted (exit 0)"
			elif ! grep -q -F "$name" "$er"; then
				why="exit $rc but stderr does not name the file: $(head -c 300 "$er")"
			fi
			if [ -z "$why" ]; then
				echo "ok   $name (refused, exit $rc: $(head -n 1 "$er"))"
				continue
			fi
			;;
		*)
			if [ "$rc" -ne 0 ]; then
				why="exit status $rc: $(head -c 300 "$er")"
			fi
			;;
		esac
	fi
	if [ -n "$why" ]; then
		echo "FAIL $name: $why"
		if [ -s "$er" ]; then
			sed -n '1,30s/^/    stderr: /p' "$er"
		fi
		nfail=$((nfail + 1))
		failed="$failed $name"
		continue
	fi

	out=$("$PYTHON" "$here/corpus_compare.py" --tshark "$TSHARK" \
	    --truth "${f%/real/*}/truth" "$f" "$ev" "$st" 2>&1)
	crc=$?
	if [ "$crc" -eq 0 ]; then
		echo "ok   $name ${out#ok}"
	else
		echo "FAIL $name: ${out#FAIL }"
		nfail=$((nfail + 1))
		failed="$failed $name"
	fi
done

echo
if [ "$nfiles" -eq 0 ]; then
	echo "FAIL: no captures found in $corpus/real"
	exit 1
fi
echo "corpus: $nfiles captures (tests/corpus${extra:+ and $extra}), $((nfiles - nfail)) ok, $nfail failed"
if [ "$nfail" -ne 0 ]; then
	echo "failed:$failed"
	exit 1
fi
exit 0
