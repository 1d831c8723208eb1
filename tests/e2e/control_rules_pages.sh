#!/bin/bash
# `rules` answers a page at a time: with 12,000 rules loaded, a client
# asking for every rule in one answer (limit 1,000,000) gets at most
# 10,000 and where the next page starts, the default page is 1,000;
# `canhgacctl rules` (table and --json) still shows every rule once, and
# starts again when a reload changes the set between pages; `stats`
# lists only the rules that did something.
. "${top_srcdir:?}/tests/e2e/control_lib.sh"

N=12000
gen_rules() {
	$PY - "$1" "$2" <<'EOF'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("rules:\n")
    for i in range(n):
        f.write("  - {sid: %d, name: \"page test %d\", category: scan, "
                "severity: low, level: 1, controls: [NET.IDS], "
                "match: {proto: tcp, dst_port: %d}, message: m, advice: a}\n"
                % (500000 + i, i, 1 + i % 60000))
EOF
}
pretmp=$(mktemp -d)
gen_rules $N "$pretmp/many.yaml"
# The daemon reads the generated file by its absolute path.
CTL_RULES_EXTRA="$pretmp/many.yaml" ctl_setup rpages
cleanup_hooks+=("rm -rf '$pretmp'")
total=$((N + 3))

raw() {
	$PY - "$SOCK" "$1" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(1 << 20)
    if not d:
        break
    buf += d
j = json.loads(buf)
print(len(buf), len(j.get("rules", [])), j.get("next", "none"), j.get("total"),
      j.get("generation"))
EOF
}

read -r bytes n next tot gen0 <<<"$(raw '{"cmd":"rules"}')"
check "default page holds 1000 rules (got $n)" [ "$n" = 1000 ]
check "default page says next is 1000 (got $next)" [ "$next" = 1000 ]
check "total counts every rule ($tot)" [ "$tot" = "$total" ]
read -r bytes n next tot _ <<<"$(raw '{"cmd":"rules","limit":1000000}')"
check "a huge limit gets at most 10000 rules (got $n, $bytes bytes)" [ "$n" = 10000 ]
check "... and where the rest starts ($next)" [ "$next" = 10000 ]
read -r bytes n next tot _ <<<"$(raw "{\"cmd\":\"rules\",\"offset\":$((total - 3))}")"
check "last page: 3 rules, no next (got $n, $next)" [ "$n" = 3 ] && [ "$next" = none ]
read -r bytes n next tot _ <<<"$(raw '{"cmd":"rules","offset":-1}')"
check "negative offset refused" [ "$n" = 0 ]

# stats lists only rules that did something: not the 12,000 idle ones.
ctl --json stats >"$tmp/stats.json"
check "stats leaves the idle rules out ($(wc -c <"$tmp/stats.json") bytes)" \
    $PY -c '
import json, sys
s = json.load(open(sys.argv[1]))
sys.exit(not (all(r["sid"] < 500000 for r in s["rules"]["per_rule"])
              and s["rules"]["active"] >= 12000))' "$tmp/stats.json"
ctl rules >"$tmp/table.out" 2>"$tmp/table.err"
rows=$(grep -c "page test" "$tmp/table.out")
uniq_rows=$(grep -o "^5[0-9]\{5\}" "$tmp/table.out" | sort -u | wc -l)
check "canhgacctl rules shows all $N generated rules once (rows $rows, distinct $uniq_rows)" \
    [ "$rows" = "$N" ] && [ "$uniq_rows" = "$N" ]
ctl --json rules >"$tmp/all.json"
check "canhgacctl --json rules: one answer with every rule, no next" \
    $PY -c '
import json, sys
j = json.load(open(sys.argv[1]))
sids = [r["sid"] for r in j["rules"]]
sys.exit(not (len(sids) == int(sys.argv[2]) == len(set(sids)) and "next" not in j))
' "$tmp/all.json" "$total"
ctl rules --offset 2000 --limit 100 >"$tmp/one.out" 2>"$tmp/one.err"
check "--offset/--limit: one page of 100" [ "$(grep -c 'page test' "$tmp/one.out")" = 100 ]
check "... and says where the next starts" grep -q "more with --offset 2100" "$tmp/one.err"

# A reload changes the generation a client pages by; the listing after
# it is the new set.
gen_rules 11000 "$pretmp/many.yaml"
ctl reload >/dev/null
read -r bytes n next tot gen1 <<<"$(raw '{"cmd":"rules"}')"
check "generation moves with a reload ($gen0 -> $gen1)" [ "$gen1" != "$gen0" ]
ctl --json rules >"$tmp/after.json"
check "after the reload the listing is the new set (11003 rules)" \
    $PY -c '
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(len(j["rules"]) != 11003)' "$tmp/after.json"
ctl_finish
