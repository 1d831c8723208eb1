#!/bin/bash
# The Debian package (debian/), built and used as an admin would:
#  - `dpkg-buildpackage -us -uc -b` on a copy of the source tree makes
#    canhgac_VERSION_ARCH.deb, VERSION being configure.ac's (and
#    debian/changelog's), out of the tree (no config.status left in it,
#    which would stop a build/ beside it from configuring); lintian
#    finds no error or warning in it;
#  - it is installed with dpkg on this machine's own root filesystem,
#    seen through an overlay in a private mount namespace (the machine
#    itself is not changed, and other tests that use /var/log/canhgac
#    are not disturbed): package_root.sh, run in that root, checks what
#    it installed (programs, conffiles, rules and catalogs, unit, user,
#    tmpfiles, logrotate, man pages), starts the daemon as the unit's
#    ExecStartPre and ExecStart lines would (systemd is not running in
#    that root; each command under the unit's capability bounding set
#    unless its + or ! prefix lifts it), sees `canhgacctl status`
#    answer, reloads as ExecReload would, stops it, removes and purges
#    the package;
#  - after the purge the overlay's upper layer, which holds every file
#    created or changed since the start, has nothing but dpkg's own
#    records, the man-db index and the canhgac user (kept on purge,
#    Debian practice).
# Exit: 0 pass, 1 fail, 77 skip (not root, no debhelper/lintian/overlayfs;
# a failure under CI=true).
set -u
: "${top_srcdir:?}"
me=package.sh
here=$(cd "$(dirname "$0")" && pwd)
. "$here/skip_lib.sh"

if [ "${1:-}" = --overlay ]; then
	# In the private mount namespace: the overlay root, the scenario
	# in it, then what the upper layer kept.
	tmp=$2 deb=$3
	mount --make-rprivate / || exit 1
	ov=$tmp/ov r=$tmp/ov/root
	mkdir -p "$ov"
	mount -t tmpfs cgpkg "$ov" && mkdir "$ov/upper" "$ov/work" "$r" &&
	    mount -t overlay overlay \
	    -o "lowerdir=/,upperdir=$ov/upper,workdir=$ov/work" "$r" &&
	    mount --rbind /dev "$r/dev" && mount --rbind /proc "$r/proc" &&
	    mount --rbind /sys "$r/sys" && mount -t tmpfs cgrun "$r/run" &&
	    mount -t tmpfs cgtmp "$r/tmp" || { echo "FAIL: overlay root"; exit 1; }
	cp "$deb" "$here/package_root.sh" "$r/tmp/" || exit 1
	chroot "$r" /bin/bash /tmp/package_root.sh "/tmp/$(basename "$deb")"
	rc=$?
	umount -l "$r/run" "$r/tmp" "$r/dev" "$r/proc" "$r/sys" 2>/dev/null
	# Left behind: files (not directories copied up, not the whiteouts
	# of deletions) and new directories, outside dpkg's bookkeeping.
	left=$(cd "$ov/upper" && find . -mindepth 1 \
	    \( -type d -exec test -d "/{}" \; \) -o -type c -o -print | sed 's|^\./|/|' |
	    grep -v -E '^/var/lib/dpkg/|^/var/log/dpkg\.log$|^/var/cache/man/|^/var/cache/debconf/|^/etc/(passwd|group|shadow|gshadow|subuid|subgid)-?$|^/etc/\.pwd\.lock$')
	if [ -n "$left" ]; then
		echo "FAIL left behind after the purge:"
		echo "$left" | sed 's/^/    /'
		rc=1
	else
		echo "ok   nothing left behind after the purge (overlay upper layer)"
	fi
	exit $rc
fi

[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg -i in an overlay root)"
for t in dpkg-buildpackage dh dh_autoreconf lintian unshare chroot; do
	command -v "$t" >/dev/null ||
	    skip "$t missing (apt-get install debhelper dh-autoreconf lintian)"
done
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
    skip "no overlayfs in this kernel"
unshare -m true 2>/dev/null || skip "cannot create a mount namespace (unshare -m)"

fail=0
pass() { echo "ok   $*"; }
flunk() { echo "FAIL $*"; fail=1; }

version=$(sed -n 's/^AC_INIT(\[canhgac\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
debver=$(dpkg-parsechangelog -l "$top_srcdir/debian/changelog" -S Version)
[ -n "$version" ] && [ "$version" = "$debver" ] &&
    pass "debian/changelog version $debver is configure.ac's" ||
    flunk "debian/changelog version '$debver', configure.ac '$version'"
arch=$(dpkg --print-architecture)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/canhgac-package.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
src=$tmp/canhgac-$version
mkdir "$src"
# The source tree without builds (distcheck's _build is in it).
tar -C "$top_srcdir" --exclude-vcs --exclude=./build --exclude='./build-*' \
    --exclude=./_build --exclude=./autom4te.cache --exclude=./fuzz-build \
    --exclude='./canhgac-*' -cf - . | tar -C "$src" -xf - || exit 1
chmod -R u+w "$src"
if (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
    dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b"
else
	tail -n 40 "$tmp/build.log" | sed 's/^/    /'
	echo "FAIL dpkg-buildpackage -us -uc -b"
	exit 1
fi
# README builds it in the repository, beside the developer's build/:
# a source tree configured in place makes that one's next configure
# refuse ("source directory already configured").
[ ! -e "$src/config.status" ] && [ ! -e "$src/Makefile" ] &&
    pass "the source tree is not configured in place (debian/build)" ||
    flunk "dpkg-buildpackage configured the source tree in place: $(cd "$src" && ls -d config.status Makefile 2>/dev/null | tr '\n' ' ')"
deb=$tmp/canhgac_${version}_$arch.deb
[ -f "$deb" ] || { echo "FAIL no $(basename "$deb"): $(ls "$tmp")"; exit 1; }
pass "built $(basename "$deb")"

# Error and warning tags fail; overrides (debian/*lintian-overrides)
# each carry their reason.
if lintian --fail-on error,warning "$tmp/canhgac_${version}_$arch.changes" \
    >"$tmp/lintian.out" 2>&1; then
	pass "lintian: no error or warning$(grep -c '^[IP]:' "$tmp/lintian.out" |
	    sed 's/^0$//; s/.\+/ (& info tags)/')"
else
	grep -E '^[EW]:' "$tmp/lintian.out" | sed 's/^/    /'
	flunk "lintian reports errors or warnings"
fi

unshare -m bash "$here/package.sh" --overlay "$tmp" "$deb" || fail=1
exit $fail
