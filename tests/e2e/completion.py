#!/usr/bin/python3
"""completion.py CANHGACCTL COMPLETION_FILE: the bash completion offers
what `canhgacctl -h` documents: the commands and global options, each
command's options (its synopsis lines, and the FILTERS where it says
[FILTERS]), list's subcommands, and the values the help spells out
(--severity, --category, a|b|c alternatives). Exit 0 or 1."""
import re
import subprocess
import sys

ctl, comp = sys.argv[1], sys.argv[2]
help_text = subprocess.run([ctl, "-h"], capture_output=True, text=True,
                           check=True).stdout


def section(name):
    m = re.search(r"^%s\n(.*?)(?=^[A-Z][A-Z ]+\n)" % name, help_text,
                  re.S | re.M)
    return m.group(1)


OPT = re.compile(r"(?<![\w-])(--?[a-z][a-z-]*)")
cmds, subs, values = {}, {}, {}
cur = None
for line in section("COMMANDS").splitlines():
    m = re.match(r"^    ([a-z]+)(?: (show|add|remove)\b)?(.*)", line)
    if m:
        cur = m.group(1)
        cmds.setdefault(cur, set())
        synopsis = m.group(3).split("   ")[0]
        if m.group(2):
            subs.setdefault(cur, {})[m.group(2)] = set(OPT.findall(synopsis))
        else:
            cmds[cur] |= set(OPT.findall(synopsis))
    elif cur and re.match(r"^ {16}\[", line):
        cmds[cur] |= set(OPT.findall(line))
    else:
        continue
    for o, alts in re.findall(r"(--[a-z]+) ([a-z]+(?:\|[a-z]+)+)", line):
        values[o] = set(alts.split("|"))
    if "[FILTERS]" in line:
        cmds[cur].add("FILTERS")

filters, text = set(), {}
for m in re.finditer(r"^    (--[a-z]+) [A-Z] +(.*(?:\n {24}.*)*)",
                     section("FILTERS"), re.M):
    filters.add(m.group(1))
    text[m.group(1)] = m.group(2)
for o in ("--severity", "--category"):
    listed = re.split(r"[:;]", " ".join(text[o].split()))[0]
    values[o] = set(w for w in re.split(r"[ ,]+", listed) if w and w != "or")
for c in cmds:
    if "FILTERS" in cmds[c]:
        cmds[c] = (cmds[c] - {"FILTERS"}) | filters
glob = set(OPT.findall(section("OPTIONS")))
glob |= set(re.findall(r"^    (-[a-z]),", section("OPTIONS"), re.M))


def complete(*words):
    script = ('source "$1"; shift; COMP_WORDS=("$@"); '
              'COMP_CWORD=$(($# - 1)); COMPREPLY=(); _canhgacctl; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script,
                          "bash", comp, "canhgacctl"] + list(words),
                         capture_output=True, text=True).stdout
    return set(w for w in out.split("\n") if w)


bad = []


def check(what, got, want):
    if got != want:
        bad.append("%s: offered %s, -h says %s" % (what, sorted(got),
                                                    sorted(want)))


check("canhgacctl <TAB>", complete(""), set(cmds) | glob)
for c, opts in sorted(cmds.items()):
    if c in subs:
        check("%s <TAB>" % c, complete(c, ""), set(subs[c]))
        for s, so in subs[c].items():
            check("%s %s <TAB>" % (c, s), complete(c, s, ""), so)
    else:
        check("%s <TAB>" % c, complete(c, ""), opts)
for o, v in sorted(values.items()):
    c = next(c for c in sorted(cmds) if o in cmds[c])
    check("%s %s <TAB>" % (c, o), complete(c, o, ""), v)
check("st<TAB>", complete("st"), {c for c in cmds if c.startswith("st")})
check("-s SOCK alerts --sev<TAB>",
      complete("-s", "/run/x.sock", "alerts", "--sev"), {"--severity"})
print("     %d commands, %d global options, %d option values checked"
      % (len(cmds), len(glob), len(values)))
for b in bad:
    print("FAIL " + b)
if not bad:
    print("ok   the completion offers what canhgacctl -h documents")
sys.exit(1 if bad else 0)
