#!/usr/bin/python3
"""Check canhgacd's records for one capture case against expect.json.

expect.json keys:
  records      each must match some record (a recursive subset match)
  count        exact number of records per event_type
  absent       strings that must not appear anywhere in the output
  stats_equal  dotted counter paths with their exact values
  stats_min    dotted counter paths with minimum values
"""
import json
import sys


def subset(want, have):
    if isinstance(want, dict):
        return isinstance(have, dict) and all(
            k in have and subset(v, have[k]) for k, v in want.items())
    return want == have


def dig(obj, path):
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def main():
    expect_path, events_path, stats_path = sys.argv[1:4]
    expect = json.load(open(expect_path))
    raw = open(events_path).read()
    records = [json.loads(l) for l in raw.splitlines() if l.strip()]
    stats = json.load(open(stats_path))
    errors = []
    for want in expect.get("records", []):
        if not any(subset(want, r) for r in records):
            errors.append("no record matches %s" % json.dumps(want))
    for etype, n in expect.get("count", {}).items():
        got = sum(1 for r in records if r.get("event_type") == etype)
        if got != n:
            errors.append("%d %s records, expected %d" % (got, etype, n))
    for s in expect.get("absent", []):
        if s in raw or s in json.dumps(stats):
            errors.append("output contains %r" % s)
    for path, v in expect.get("stats_equal", {}).items():
        if dig(stats, path) != v:
            errors.append("stats %s = %r, expected %r" % (path, dig(stats, path), v))
    for path, v in expect.get("stats_min", {}).items():
        got = dig(stats, path)
        if got is None or got < v:
            errors.append("stats %s = %r, expected at least %r" % (path, got, v))
    for e in errors:
        print("  " + e)
    if errors:
        print("  records were:")
        for r in records:
            print("    " + json.dumps(r))
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
