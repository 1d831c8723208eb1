#!/usr/bin/python3
"""eve_schema.py SCHEMA FILE...: every JSON line of FILEs against
Suricata's EVE schema, relaxed so that fields Suricata does not have are
allowed (every additionalProperties: false becomes true) while each field
it names keeps its type and shape. Prints one line per event_type seen
and every failure (file:line, the path, the message); exit 0 when all
records pass, 1 otherwise."""
import json
import sys

import jsonschema


def relax(node):
    if isinstance(node, dict):
        if node.get("additionalProperties") is False:
            node["additionalProperties"] = True
        for v in node.values():
            relax(v)
    elif isinstance(node, list):
        for v in node:
            relax(v)


def main():
    schema = json.load(open(sys.argv[1]))
    relax(schema)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    v = cls(schema)
    seen, bad = {}, 0
    for path in sys.argv[2:]:
        with open(path) as f:
            for n, line in enumerate(f, 1):
                rec = json.loads(line)
                t = rec.get("event_type", "?")
                seen[t] = seen.get(t, 0) + 1
                for e in v.iter_errors(rec):
                    bad += 1
                    if bad <= 20:
                        print("FAIL %s:%d %s %s: %s" % (
                            path, n, t, "/".join(map(str, e.absolute_path)),
                            e.message[:200]))
    for t in sorted(seen):
        print("     %s: %d records" % (t, seen[t]))
    if not seen:
        print("FAIL no records")
        return 1
    return 1 if bad else 0


sys.exit(main())
