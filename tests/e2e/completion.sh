#!/bin/bash
# canhgacctl's bash completion (etc/bash-completion/canhgacctl) against
# `canhgacctl -h`: completion.py. Exit: 0 pass, 1 fail, 77 skip (no
# bash; a failure under CI=true).
set -u
: "${top_srcdir:?}" "${CANHGACCTL:?}"
me=completion.sh
. "$top_srcdir/tests/e2e/skip_lib.sh"
command -v bash >/dev/null || skip "bash missing"
exec /usr/bin/python3 "$top_srcdir/tests/e2e/completion.py" "$CANHGACCTL" \
    "$top_srcdir/etc/bash-completion/canhgacctl"
