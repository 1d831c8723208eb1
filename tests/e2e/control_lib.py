"""Shared helpers of the status-socket tests' Python parts (control_*.sh).

say() prints an ok/FAIL line and counts failures in FAILS[0];
exit_status() is what the script exits with.
"""
import json
import socket
import subprocess
import time

FAILS = [0]


def say(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        FAILS[0] += 1


def exit_status():
    return 1 if FAILS[0] else 0


def first_line(s, timeout=5):
    """The first line the socket s sends within timeout, without its
    newline (b"" if none, or what came before the close)."""
    s.settimeout(timeout)
    data = b""
    try:
        while b"\n" not in data:
            c = s.recv(1 << 20)
            if not c:
                break
            data += c
    except (OSError, socket.timeout):
        pass
    return data.split(b"\n")[0]


def status_ok(ctl, path, what, within=3):
    """canhgacctl status answers, and within `within` seconds."""
    t = time.time()
    r = subprocess.run([ctl, "-s", path, "-t", str(max(5, within)),
                        "--json", "status"],
                       capture_output=True, text=True)
    dt = time.time() - t
    ok = r.returncode == 0 and json.loads(r.stdout)["ok"] and dt < within
    say(ok, "%s: status answered in %.2fs (rc %d %s)" %
        (what, dt, r.returncode, r.stderr.strip()))
