#!/bin/bash
# HTTP read message by message and bodies decoded (captures from
# http_body.py; app_http_session.c, http_body.c):
#  1. citizen-ID numbers in the third request of a keep-alive
#     connection (past 20 KB of the client's stream), in a pipelined POST, after 20 KB of chunked body, cut
#     by chunk boundaries, gzip-encoded (one and three segments), deflate
#     (zlib and raw), in a chunked gzip response from a data server, and
#     cut by segment boundaries too (each chunk a segment, gzip in 16-byte
#     segments: the decoded pieces matched across, pmatch.c):
#     each raises its data-leak alert exactly once, every number masked
#     in every output; the same with 12-digit numbers that are not
#     citizen IDs raises nothing;
#  2. one http event record per transaction, with method, URI, host,
#     user agent and status as tshark reads them, and the body lengths
#     decoded;
#  3. a gzip bomb (64 MiB of zeros, the numbers after them): cut by
#     http.decompress_ratio, or by http.decompress_limit when the ratio
#     is lifted, counted, nothing alerts, peak RSS within 16 MiB of a
#     small capture's; with http.decompress_bodies 0 a gzip body is
#     refused (counted) and inspected as it is.
# Exit: 0 pass, 1 fail, 77 skip (never under CI=true).
. "${top_srcdir:?}/tests/e2e/replay_lib.sh"
replay_setup http_body

conf() {
	sed -e "s|\.\./\.\./|$top_srcdir/|g" "$top_srcdir/tests/rules/canhgac-test.yaml"
	printf '%s\n' "$@"
}
conf >"$tmp/on.yaml"
conf 'http: {decompress_limit: 1MB, decompress_ratio: 100000}' >"$tmp/limit.yaml"
conf 'http: {decompress_bodies: 0}' >"$tmp/refuse.yaml"
ids="001090012345|079195012346|048201012347"

# Our http records against tshark's reading of the same capture: method,
# URI, host, user agent (requests) and status (responses), in order.
tshark_same() {	# NAME
	command -v tshark >/dev/null || {
		[ "${CI:-}" = true ] && return 1
		echo "note: no tshark: $1 not compared"; return 0; }
	tshark -r "$tmp/$1.pcap" -Y http -T fields -E separator='|' \
	    -E aggregator='^' -e http.request.method -e http.request.uri \
	    -e http.host -e http.user_agent -e http.response.code \
	    2>/dev/null >"$tmp/$1.tshark"
	$PY - "$tmp/$1.tshark" "$tmp/$1.events" <<'PYEOF'
import json, sys
reqs, codes = [], []
for line in open(sys.argv[1]):
    m, u, h, a, c = (f.split("^") for f in line.rstrip("\n").split("|"))
    if m != [""]:
        reqs += zip(m, u, h, a)
    if c != [""]:
        codes += [int(x) for x in c]
want = [(m, u, h, a, c) for (m, u, h, a), c in zip(reqs, codes)]
got = [(e["http"].get("http_method"), e["http"].get("url"),
        e["http"].get("hostname"), e["http"].get("http_user_agent"),
        e["http"].get("status"))
       for e in map(json.loads, open(sys.argv[2]))
       if e["event_type"] == "http"]
if not want or got != want or len(reqs) != len(codes):
    print("  tshark:", want, "\n  ours:  ", got)
    sys.exit(1)
PYEOF
}

for c in keepalive pipelined deep chunked gzip gzip3 deflate rawdeflate response \
    chunkseg gzipsmall; do
	sid=1000802
	[ $c = response ] && sid=1000801
	run $c "$tmp/on.yaml"
	check "$c: one data-leak alert ($sid)" [ "$(count $c $sid)" = 1 ]
	check "$c: no citizen-ID number in clear in any output" \
		eval '! grep -qE "$ids" "$tmp"/$c.alerts "$tmp"/$c.events "$tmp"/$c.stats'
	check "$c: http records match tshark's reading" tshark_same $c
	run $c-benign "$tmp/on.yaml"
	check "$c, benign numbers: no data-leak alert" \
		[ "$(count $c-benign 1000801)$(count $c-benign 1000802)" = 00 ]
done

# The keep-alive connection: three transactions, body lengths decoded.
check "keepalive: 3 transactions, 3 requests and responses paired" \
	[ "$(stat keepalive http.transactions)/$(stat keepalive http.requests)/$(stat keepalive http.responses)" = 3/3/3 ]
check "keepalive: the request rules saw each request (app.http 3)" \
	[ "$(stat keepalive app.http)" = 3 ]
check "keepalive: lengths per transaction (20488/20480, 0/0, 263/7)" $PY -c '
import json, sys
r = [(e["http"]["request_body_length"], e["http"]["length"])
     for e in map(json.loads, open(sys.argv[1])) if e["event_type"] == "http"]
sys.exit(r != [(20488, 20480), (0, 0), (263, 7)])' "$tmp/keepalive.events"
check "chunked: the body decoded as chunked" [ "$(stat chunked http.chunked)" = 1 ]
check "gzip3: inflated, no decode error" \
	[ "$(stat gzip3 http.decompressed)/$(stat gzip3 http.decode_errors)" = 1/0 ]
check "rawdeflate: inflated, no decode error" \
	[ "$(stat rawdeflate http.decompressed)/$(stat rawdeflate http.decode_errors)" = 1/0 ]
check "response: chunked and inflated, its length decoded" $PY -c '
import json, sys
st = json.load(open(sys.argv[1]))["http"]
e = [e for e in map(json.loads, open(sys.argv[2])) if e["event_type"] == "http"]
sys.exit(not (st["chunked"] == 1 and st["decompressed"] == 1 and
              e[0]["http"]["length"] > 60 and e[0]["http"]["status"] == 200))' \
	"$tmp/response.stats" "$tmp/response.events"

run bomb "$tmp/on.yaml"
check "bomb: no data-leak alert (cut before the numbers)" [ "$(count bomb 1000802)" = 0 ]
check "bomb: cut by decompress_ratio, counted" [ "$(stat bomb http.ratio_reached)" = 1 ]
check "bomb: zlib state returned" [ "$(stat bomb http.zlib_in_use)" = 0 ]
cp "$tmp/bomb.pcap" "$tmp/bomb-limit.pcap"
run bomb-limit "$tmp/limit.yaml"
check "bomb, ratio lifted: cut by decompress_limit, counted" \
	[ "$(stat bomb-limit http.limit_reached)" = 1 ]
check "bomb, ratio lifted: no data-leak alert" [ "$(count bomb-limit 1000802)" = 0 ]
if ldd "$CANHGACD" 2>/dev/null | grep -q libasan ||
    grep -qa __asan_init "$CANHGACD"; then
	echo "note: AddressSanitizer build: no RSS bound"
else
	small=$(stat gzip run.peak_rss_kb)
	for b in bomb bomb-limit; do
		rss=$(stat $b run.peak_rss_kb)
		check "$b: peak RSS $rss KiB within 16 MiB of a small capture's ($small KiB)" \
			[ "$rss" -le $((small + 16384)) ]
	done
fi
cp "$tmp/gzip.pcap" "$tmp/gzip-refused.pcap"
run gzip-refused "$tmp/refuse.yaml"
check "decompress_bodies 0: the gzip body refused, counted" \
	[ "$(stat gzip-refused http.decompress_refused)/$(stat gzip-refused http.decompressed)" = 1/0 ]
exit $fails
