#!/bin/bash
# canhgacd --version: the version of configure.ac, then the build's
# features and the libraries it runs with, each checked against a
# referee: pkg-config's versions of the libraries, ldd (no Hyperscan
# linked when it says "no"), the build's CFLAGS (sanitizers).
# Exit: 0 pass, 1 fail, 77 skip (no pkg-config; a failure under CI=true).
set -u
: "${top_srcdir:?}" "${top_builddir:?}" "${CANHGACD:?}"
me=version.sh
. "$top_srcdir/tests/e2e/skip_lib.sh"
command -v pkg-config >/dev/null || skip "pkg-config missing"

fail=0
pass() { echo "ok   $*"; }
flunk() { echo "FAIL $*"; fail=1; }
out=$("$CANHGACD" --version) || { echo "FAIL canhgacd --version: exit $?"; exit 1; }
echo "$out" | sed 's/^/     /'
line() { sed -n "s/^$1: //p" <<<"$out"; }
# $1 name, $2 the line's value, $3 pkg-config module: value has its version.
has() {
	local v
	v=$(pkg-config --modversion "$3") || { flunk "pkg-config $3"; return; }
	case "$2" in
	*"$v"*) pass "$1: $2 (pkg-config $3: $v)" ;;
	*) flunk "$1: '$2', pkg-config $3 says $v" ;;
	esac
}

ver=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
[ "$(head -n 1 <<<"$out")" = "canhgacd $ver" ] && pass "first line: canhgacd $ver" ||
    flunk "first line '$(head -n 1 <<<"$out")', want 'canhgacd $ver'"
has capture "$(line capture)" libpcap
has regex "$(line regex)" libpcre2-8
has libevent "$(line libevent)" libevent
has tls "$(line tls)" openssl
has yaml "$(line yaml)" yaml-0.1
has json "$(line json)" jansson
has "public suffix list" "$(line 'public suffix list')" libpsl
grep -qE '^regex: PCRE2 .*, JIT (yes|no)$' <<<"$out" && pass "regex line says JIT yes or no" ||
    flunk "no JIT yes/no on the regex line"

hs=$(line hyperscan)
if ldd "$CANHGACD" | grep -q 'libhs\.'; then linked=yes; else linked=no; fi
[ "$hs" = "$linked" ] && pass "hyperscan: $hs (ldd: linked $linked)" ||
    flunk "hyperscan: '$hs', but ldd says linked $linked"

san=$(line sanitizers)
if grep -q -- '-fsanitize=address' "$top_builddir/Makefile"; then
	want="address, undefined"
else
	want=none
fi
[ "$san" = "$want" ] && pass "sanitizers: $san (the build's CFLAGS)" ||
    flunk "sanitizers: '$san', the build's CFLAGS say $want"
exit $fail
