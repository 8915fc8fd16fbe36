#!/usr/bin/env python3
"""Memory per request in flight: peak RSS of the demo server under a large read.

    python3 bench/memory.py BINARY [BINARY ...]
    RUNS=3 DURATION=10 CLIENTS="1 8" python3 bench/memory.py OLD NEW

Every build serves its own copy of the demo from a fresh data directory; for
each number of clients (CLIENTS, default "1 8") a fresh server of each build
is started in turn (A, B, A, B, …, so that a noisy machine weighs on both
alike), warmed with one small read, and loaded by wrk with that many
connections for DURATION seconds (default 10) on all 347 albums with their
artist and tracks (a ~655 KB answer). Figures, medians of RUNS runs (default
2): idle RSS (VmRSS after the warm-up), peak RSS (VmHWM after the load), the
peak above idle per client, and that per-client growth as a multiple of the
answer's size (issue 11 asks for at most 4×). Linux only; needs wrk.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

# One way to start a demo server, log in and read /proc, shared with probe.py.
from probe import Server

PATH = "/chinook/_table/Album?limit=1000&related=Artist_by_ArtistId,Track_by_AlbumId"
WARM = "/chinook/_table/Album?limit=1"


def get(s, path):
    status, body = s.call("GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}: {body[:200]!r}")
    return body


def wrk(url, token, clients, seconds):
    out = subprocess.run(
        ["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{seconds}s", "-H", f"Authorization: Bearer {token}", url],
        capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError("non-2xx answers under load:\n" + out)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def measure(binary, port, clients, seconds):
    s = Server(binary, port)
    try:
        get(s, WARM)
        idle = s.status("VmRSS")
        answer = len(get(s, PATH))
        rps = wrk(s.base + PATH, s.token, clients, seconds)
        peak = s.status("VmHWM")
        return {"answer_KB": answer / 1024, "idle_MB": idle / 1024, "peak_MB": peak / 1024,
                "per_client_MB": (peak - idle) / 1024 / clients,
                "x_answer": (peak - idle) * 1024 / clients / answer,
                "after_MB": s.status("VmRSS") / 1024, "threads": s.status("Threads"), "req_s": rps}
    finally:
        s.stop()


def main():
    binaries = sys.argv[1:]
    if not binaries:
        sys.exit(__doc__)
    if shutil.which("wrk") is None:
        sys.exit("needs wrk (apt-get install wrk)")
    runs = int(os.environ.get("RUNS", "2"))
    seconds = int(os.environ.get("DURATION", "10"))
    clients = [int(c) for c in os.environ.get("CLIENTS", "1 8").split()]
    results = {(b, c): [] for b in binaries for c in clients}
    for _ in range(runs):
        for c in clients:
            for i, b in enumerate(binaries):
                results[(b, c)].append(measure(b, 18700 + i, c, seconds))

    print(f"{PATH}\nwrk -c<clients> -d{seconds}s, median of {runs} runs, fresh server each run")
    head = ("build", "clients", "answer_KB", "idle_MB", "peak_MB", "per_client_MB", "x_answer",
            "after_MB", "threads", "req_s")
    print(("{:<28}" + "{:>14}" * (len(head) - 1)).format(*head))
    for b in binaries:
        for c in clients:
            rows = results[(b, c)]
            med = [statistics.median(r[k] for r in rows) for k in head[2:]]
            print(("{:<28}{:>14}" + "{:>14.1f}" * len(med)).format(b[-28:], c, *med))
    print("\nruns (per_client_MB):")
    for (b, c), rows in results.items():
        print(f"  {b} c={c}: {[round(r['per_client_MB'], 1) for r in rows]}")


if __name__ == "__main__":
    main()
