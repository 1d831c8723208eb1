#!/bin/bash
# manpages.sh — the manual pages in man/ are well-formed and do not drift
# from the code:
#  - each page passes `mandoc -Tlint -Wwarning` with no message at all;
#  - every option `canhgacd -h` and `canhgacctl -h` print, and every
#    canhgacctl command, is a list item (.It) of its page; canhgacd's
#    options are also in README.md;
#  - every configuration key of src/config.c (its option table and its
#    *keys[] tables) is a list item of canhgac.yaml(5) and is named in
#    docs/configuration.md;
#  - every rule, match and exception key, threshold field, placeholder
#    and category of src/rules_load.c, src/rules_keywords.c,
#    src/alert_text.c and include/rules.h appears in canhgac-rules(5)
#    and docs/rules.md;
#  - the examples of canhgac.yaml(5) and canhgac-rules(5) load
#    (canhgacd -T).
# Needs mandoc (scripts/setup.sh): skips without it, fails under CI=true.
set -u
: "${top_srcdir:?}" "${CANHGACD:?}" "${CANHGACCTL:?}"
me=manpages.sh
man=$top_srcdir/man
pages="canhgacd.8 canhgacctl.8 canhgac.yaml.5 canhgac-rules.5"

. "$top_srcdir/tests/e2e/skip_lib.sh"
command -v mandoc >/dev/null || skip "mandoc not installed (scripts/setup.sh)"
fail=0
bad() { echo "FAIL $*"; fail=1; }

# 1. lint: any message at warning level or above is a failure.
for p in $pages; do
	[ -s "$man/$p" ] || { bad "$p: missing"; continue; }
	if out=$(mandoc -Tlint -Wwarning "$man/$p" 2>&1) && [ -z "$out" ]; then
		echo "ok   $p: mandoc -Tlint -Wwarning clean"
	else
		bad "$p: mandoc -Tlint: ${out:-exit status non-zero}"
	fi
done

# The heads of the list items of PAGE, one a line: each ".It" line, and
# for ".It Xo" the lines up to ".Xc" joined.
item_heads() {
	awk '/^\.It Xo/ { xo = 1; h = ".It"; next }
	    xo && /^\.Xc/ { print h; xo = 0; next }
	    xo { sub(/^\./, ""); h = h " " $0; next }
	    /^\.It/ { print }' "$1"
}

# Is OPT (-x or --long) the subject of a list item of PAGE: ".It Fl x",
# ".It Fl j , Fl -json", ".It Cm stats Op Fl -prometheus"?
has_item_flag() {
	item_heads "$2" | grep -Eq " Fl ${1#-}( |\$)"
}

# 2. options of -h: words starting with - or -- after a space, [, |, ( or
# a comma, at the start of a help line or in its text.
check_opts() {
	local prog=$1 page=$2 help opts o n=0
	help=$("$prog" -h 2>&1) || { bad "$(basename "$prog") -h exits non-zero"; return; }
	opts=$(grep -oE '(^|[][ ,(|])--?[A-Za-z][A-Za-z0-9-]*' <<<"$help" |
	    sed 's/^[][ ,(|]//' | sort -u)
	[ -n "$opts" ] || { bad "$(basename "$prog") -h: no option found"; return; }
	# A bundle of short flags ("[-DTvh]") is each of its letters.
	opts=$(for o in $opts; do
		case $o in
		--*|-?) echo "$o" ;;
		*) grep -o . <<<"${o#-}" | sed 's/^/-/' ;;
		esac
	done | sort -u)
	for o in $opts; do
		n=$((n + 1))
		has_item_flag "$o" "$man/$page" ||
		    bad "$page: option $o of $(basename "$prog") -h is not documented"
		[ "$page" != canhgacd.8 ] || grep -qE "\`$o( [^\`]*)?\`" "$top_srcdir/README.md" ||
		    bad "README.md: option $o of $(basename "$prog") -h is not described in README.md"
	done
	echo "ok   $page: checked the $n options $(basename "$prog") -h prints"
}
check_opts "$CANHGACD" canhgacd.8
check_opts "$CANHGACCTL" canhgacctl.8

# canhgacctl's commands: the first word of each line of its COMMANDS
# section ("    status", "    list add NAME ENTRY...").
cmds=$("$CANHGACCTL" -h 2>&1 | sed -n '/^COMMANDS/,/^[A-Z]/p' |
    grep -E '^    [a-z]' | awk '{print $1}' | sort -u)
n=0
for c in $cmds; do
	n=$((n + 1))
	item_heads "$man/canhgacctl.8" | grep -Eq " Cm $c( |\$)" ||
	    bad "canhgacctl.8: command $c is not documented"
done
[ "$n" -gt 5 ] || bad "canhgacctl -h: found only $n commands"
echo "ok   canhgacctl.8: checked its $n commands"

# The quoted words of a C initialiser list `NAME[] = { ... };` in FILE.
c_words() {
	awk -v re="$2" '$0 ~ re { on = 1 } on { print } on && /};/ { on = 0 }' "$1" |
	    grep -oE '"[^"]+"' | tr -d '"' | sort -u
}

# 3. configuration keys: every *keys[] table and option-table name.
yaml5=$man/canhgac.yaml.5
keys=$( (c_words "$top_srcdir/src/config.c" 'keys\[\] = \{'
	grep -oE '^	\{ "[a-z_]+", "[a-z_]+",' "$top_srcdir/src/config.c" |
	    awk -F'"' '{print $2; print $4}') | sort -u)
n=0
for k in $keys; do
	n=$((n + 1))
	item_heads "$yaml5" | grep -Eq " Ic $k( |\$)" ||
	    bad "canhgac.yaml.5: configuration key $k (src/config.c) is not documented"
	grep -qE "\`([a-z_]+\.)?$k\`" "$top_srcdir/docs/configuration.md" ||
	    bad "docs/configuration.md: configuration key $k (src/config.c) is not documented"
done
[ "$n" -gt 30 ] || bad "src/config.c: found only $n keys; has its table changed shape?"
echo "ok   canhgac.yaml.5, docs/configuration.md: checked the $n keys of src/config.c"

# 4. rule language: words of the key tables, by-fields, placeholders and
# categories must appear in the rendered page as whole words.
rules5=$man/canhgac-rules.5
text=$(mandoc -Tascii "$rules5" | sed 's/.\x08//g')
words=$( (for t in rule_keys exception_own_keys by_names; do
		c_words "$top_srcdir/src/rules_load.c" "^static const char \\*const $t\\[\\]"
	done
	# The match keywords: the names of match_keywords[]'s rows.
	c_words "$top_srcdir/src/rules_keywords.c" '^const struct match_keyword match_keywords\['
	# The placeholders: the names of placeholders[]'s rows.
	c_words "$top_srcdir/src/alert_text.c" '^static const struct placeholder placeholders\['
	# RULE_CATEGORIES: the macro's lines, up to the one not continued.
	awk '/^#define RULE_CATEGORIES/ { on = 1 } on { print } on && !/\\$/ { on = 0 }' \
	    "$top_srcdir/include/rules.h" | grep -oE '"[a-z0-9-]+"' | tr -d '"') |
	    sort -u)
n=0
for w in $words; do
	n=$((n + 1))
	grep -Eq "(^|[^A-Za-z0-9_.-])${w//./\\.}([^A-Za-z0-9_-]|\$)" <<<"$text" ||
	    bad "canhgac-rules.5: \"$w\" (src/rules_load.c, src/rules_keywords.c, src/alert_text.c, include/rules.h) is not documented"
	grep -qF -e "\`$w\`" -e "{$w}" -e "\`$w:" "$top_srcdir/docs/rules.md" ||
	    bad "docs/rules.md: \"$w\" (src/rules_load.c, src/rules_keywords.c, src/alert_text.c, include/rules.h) is not documented"
done
[ "$n" -gt 80 ] || bad "src/rules_load.c: found only $n words; have its tables changed shape?"
echo "ok   canhgac-rules.5, docs/rules.md: checked $n keys, fields, placeholders and categories"

# 5. the EXAMPLES of the two file-format pages load: the section as
# mandoc renders it, its indentation removed.
example() {
	mandoc -Tutf8 "$1" | sed 's/.\x08//g' |
	    awk '/^EXAMPLES/ { on = 1; next } on && /^[A-Z]/ { exit } on' |
	    awk 'NF && !n { match($0, /^ */); n = RLENGTH } { print substr($0, n + 1) }'
}
tmp=$(mktemp -d /tmp/cg-manpages-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
example "$yaml5" >"$tmp/canhgac.yaml"
ln -s "$top_srcdir/rules" "$tmp/rules"
ln -s "$top_srcdir/etc/lists" "$tmp/lists"
# The example's collector CA (outputs.remote.ca), which -T loads.
ln -s "$top_srcdir/tests/rules/certs/ca.pem" "$tmp/ca.pem"
if out=$("$CANHGACD" -T -c "$tmp/canhgac.yaml" 2>&1); then
	echo "ok   canhgac.yaml.5: its example loads ($(sed -n 2p <<<"$out"))"
else
	bad "canhgac.yaml.5: its example does not load: $out"
fi
example "$rules5" >"$tmp/example-rules.yaml"
cat >"$tmp/rules-test.yaml" <<EOF
sensor: {catalog: $top_srcdir/rules/controls-tcvn11930.yaml, state_dir: none}
assets: {scanner_allowlist: [10.20.0.7]}
rules: [$tmp/example-rules.yaml]
EOF
if out=$("$CANHGACD" -T -c "$tmp/rules-test.yaml" 2>&1) &&
    grep -q "1 rules active" <<<"$out" && grep -q "^  exception " <<<"$out"; then
	echo "ok   canhgac-rules.5: its example loads (one rule, one exception)"
else
	bad "canhgac-rules.5: its example does not load as one rule and one exception: $out"
fi

exit $fail
