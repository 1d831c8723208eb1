# Sourced by the shell tests. skip REASON: this test cannot run here (an
# input, a tool or a privilege is missing). automake counts exit 77 as a
# SKIP; under CI=true every test must run, so there it is a failure.
skip() {
	echo "${me:-${0##*/}}: SKIP: $*"
	if [ "${CI:-}" = true ]; then
		echo "${me:-${0##*/}}: FAIL: CI=true: a test that cannot run fails"
		exit 1
	fi
	exit 77
}
