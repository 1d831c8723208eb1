# Sourced by the shell tests that read the demo capture
# (scripts/make-demo-pcap.py) with the shipped rule packs at level 5 and
# the example configuration's assets. Needs $top_srcdir, $CANHGACD, $PY,
# $tmp and skip_lib.sh; skips without scapy.
$PY -c "import scapy, yaml" 2>/dev/null ||
	skip "$PY with scapy and yaml not found (scripts/setup.sh)"

# demo_run [SENSOR-KEYS]: writes $tmp/alerts.json and $tmp/events.json;
# SENSOR-KEYS are more `sensor:` keys (", language: vi").
demo_run() {
	local e=$top_srcdir/etc
	$PY "$top_srcdir/scripts/make-demo-pcap.py" "$tmp/demo.pcap" \
	    >/dev/null 2>&1 || { echo "FAIL: make-demo-pcap.py"; exit 1; }
	cat >"$tmp/demo.yaml" <<EOC
sensor: {name: lgs-dc1-gw1, security_level: 5, timezone: Asia/Ho_Chi_Minh,
         catalog: $e/rules/controls-tcvn11930.yaml, state_dir: none${1:-}}
assets:
$(sed -n '/^assets:/,/^[a-z]/p' "$e/canhgac.yaml" | grep '^  ' |
    sed "s|{file: lists/|{file: $e/lists/|")
rules: [$e/rules/*.yaml]
EOC
	if ! "$CANHGACD" -c "$tmp/demo.yaml" -r "$tmp/demo.pcap" \
	    --alerts "$tmp/alerts.json" --events "$tmp/events.json" \
	    >"$tmp/out" 2>&1; then
		echo "FAIL: canhgacd on the demo capture:"; cat "$tmp/out"
		exit 1
	fi
}
