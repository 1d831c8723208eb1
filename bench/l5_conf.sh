# Sourced by bench/ab.sh and bench/workers.sh: l5_conf OUT writes the
# shipped configuration at level 5 with absolute paths, one packet
# worker (--workers overrides it), no outputs, service user or pidfile
# (bench/run's l5, which builds it with more choices in mkconf).
l5_conf() {
	awk '/^outputs:/ { skip = 1; next } skip && /^[^ #]/ { skip = 0 }
	    skip { next } /^user:/ || /^pidfile:/ { next } { print }' \
	    "$top_srcdir/etc/canhgac.yaml" |
	sed -e "s|^  security_level: .*|  security_level: 5\n  workers: 1|" \
	    -e "s|catalog: rules/|catalog: $top_srcdir/rules/|" \
	    -e "s|{file: lists/|{file: $top_srcdir/etc/lists/|" \
	    -e "s|^  - rules/\*.yaml|  - $top_srcdir/rules/*.yaml|" >"$1"
}
