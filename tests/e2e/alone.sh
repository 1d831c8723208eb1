#!/bin/sh
# alone.sh SHELL TEST [ARG...]: make check's runner of the shell tests
# (SH_LOG_COMPILER): runs TEST with SHELL. A test listed below runs with
# no other shell test beside it: it takes an exclusive lock that every
# other one holds shared while it runs. reload_drops.sh judges whether
# the kernel dropped frames during a reload; with a CPU-heavy test beside
# it under make check -j2 its reloads took 3 times as long and every try
# dropped, where alone they drop none. The rest run in parallel as before.
sh=$1
shift
case ${1##*/} in
reload_drops.sh) mode=-x ;;
*) mode=-s ;;
esac
if [ -n "${top_builddir:-}" ] && command -v flock >/dev/null 2>&1; then
	exec flock "$mode" "$top_builddir/.check.lock" "$sh" "$@"
fi
exec "$sh" "$@"
