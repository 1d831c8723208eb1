#!/bin/bash
# Install what is needed, build, and run canhgacd on the bundled demo
# capture with the shipped configuration and rules, printing what it saw.
# Everything it writes stays in a scratch folder (build/demo): the shipped
# configuration is copied there with its outputs replaced by one JSON alert
# log in that folder, so the demo's alerts (dated when the capture was
# made) never reach /var/log/canhgac, the system log or a collector.
#
#   scripts/quickstart.sh [--no-setup]
#     --no-setup   skip scripts/setup.sh (packages and the build are there)
# Environment: QUICKSTART_DIR (default build/demo), CANHGACD (default
# build/canhgacd).
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = --no-setup ] || scripts/setup.sh
mkdir -p "${QUICKSTART_DIR:=build/demo}"
dir=$(cd "$QUICKSTART_DIR" && pwd)
CANHGACD=${CANHGACD:-build/canhgacd}
[ -s "$dir/demo.pcap" ] || /usr/bin/python3 scripts/make-demo-pcap.py "$dir/demo.pcap"
rm -f "$dir/events.json" "$dir/alerts.json"

# The demo configuration: etc/canhgac.yaml with its outputs: block replaced;
# its relative paths (rules/, lists/) resolve through links to etc/.
awk -v out="$dir/alerts.json" '
/^outputs:/ { print "outputs:"; print "  json: {path: \"" out "\"}"; skip = 1; next }
skip && /^[^ \t#]/ { skip = 0 }
!skip' etc/canhgac.yaml >"$dir/canhgac.yaml"
ln -sfn "$PWD/etc/rules" "$dir/rules"
ln -sfn "$PWD/etc/lists" "$dir/lists"

echo "== canhgacd -c $dir/canhgac.yaml -r $dir/demo.pcap --events $dir/events.json"
echo "   (etc/canhgac.yaml with outputs: {json: {path: $dir/alerts.json}})"
"$CANHGACD" -c "$dir/canhgac.yaml" -r "$dir/demo.pcap" --events "$dir/events.json"
echo "== what it saw ($dir/events.json, one JSON record per line)"
/usr/bin/python3 scripts/show-events.py "$dir/events.json"
echo "== alerts ($dir/alerts.json)"
/usr/bin/python3 scripts/show-events.py "$dir/alerts.json"
