#!/bin/bash
# Install what canhgac needs from Debian 12's packages, then build.
#   scripts/setup.sh           normal build in build/
#   scripts/setup.sh --asan    also the ASan+UBSan build in build-asan/
# Idempotent: packages already present are not fetched again.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  # build
  build-essential autoconf automake libtool pkg-config
  libpcap-dev libevent-dev libyaml-dev libpcre2-dev libssl-dev
  libjansson-dev syslog-ng-dev libcmocka-dev libpsl-dev zlib1g-dev
  # the manual pages, checked by mandoc -Tlint (tests/e2e/manpages.sh)
  mandoc
  # tests: referee decoder, fixture builder, real peers, namespaces
  tshark tcpdump python3-scapy python3-yaml iproute2 curl openssl nmap ncat
  dnsutils syslog-ng-core time bc tcpreplay
  # an interface's offloads read and turned off (tests/e2e/capture_merge.sh)
  ethtool
  # QUIC Initials sealed for the tests (tests/e2e/quic.py)
  python3-cryptography
  # records validated against Suricata's EVE schema (tests/e2e/eve_schema.sh)
  python3-jsonschema
  # the shipped logrotate file, run for real (tests/e2e/trust_logrotate.sh)
  logrotate
  # a race stopped at its worst point (tests/e2e/trust_socket.sh), a
  # reload held in its thread (tests/e2e/reload_nonblocking.sh)
  gdb
  # the compliance report rendered (headless, PNG/PDF) and read back
  chromium poppler-utils
  # canhgacctl top in a plain terminal (tests/e2e/control_top.sh)
  tmux
  # the Debian package, built, linted and installed (tests/e2e/package.sh)
  debhelper dh-autoreconf lintian fakeroot
  # fuzzing and leak checks
  clang libclang-rt-14-dev valgrind
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages: ${missing[*]}" >&2
    echo "setup: run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer no.
  echo "wireshark-common wireshark-common/install-setuid boolean false" |
    debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The service user canhgacd drops to (user: in the configuration).
if [ "$(id -u)" -eq 0 ] && ! getent passwd canhgac >/dev/null; then
  useradd --system --no-create-home --home-dir /var/lib/canhgac \
    --shell /usr/sbin/nologin canhgac
fi

[ -x configure ] && [ configure -nt configure.ac ] && [ Makefile.in -nt Makefile.am ] ||
  autoreconf -fi >/dev/null

build() {
  local dir=$1; shift
  mkdir -p "$dir"
  if [ ! -f "$dir/Makefile" ] || [ "$dir/Makefile" -ot configure ]; then
    (cd "$dir" && ../configure -q "$@")
  fi
  make -s -C "$dir" -j"$(nproc)"
}

build build
if [ "${1:-}" = "--asan" ]; then
  build build-asan --enable-asan
fi
