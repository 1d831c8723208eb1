#!/bin/bash
# Install what is needed, build, and run canhgacd on the bundled demo
# capture with the shipped configuration, printing what it saw.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p build/demo
[ -s build/demo/demo.pcap ] || /usr/bin/python3 scripts/make-demo-pcap.py build/demo/demo.pcap
rm -f build/demo/events.json build/demo/alerts.json
echo "== canhgacd -c etc/canhgac.yaml -r build/demo/demo.pcap --events build/demo/events.json --alerts build/demo/alerts.json"
build/canhgacd -c etc/canhgac.yaml -r build/demo/demo.pcap \
  --events build/demo/events.json --alerts build/demo/alerts.json
echo "== what it saw (build/demo/events.json, one JSON record per line)"
/usr/bin/python3 scripts/show-events.py build/demo/events.json
echo "== alerts (build/demo/alerts.json; also appended to /var/log/canhgac/alerts.json)"
/usr/bin/python3 scripts/show-events.py build/demo/alerts.json
