#!/usr/bin/env python3
"""Issue 10's resource probes against two builds side by side, in one run.

    python3 bench/probe.py OLD_BINARY NEW_BINARY [RUNS]

Each build serves its own copy of the demo; every probe runs against a fresh
server of each build, alternating, RUNS times (default 2), and the median is
printed. Figures: RSS added (VmHWM, the peak, and VmRSS after) by the
relation fan-out (item 4) and by 32 different 3 MB GraphQL documents (item 7);
server CPU time (utime + stime from /proc) of 30,000 related= names (item 3)
and of 22 levels of doubling fragments (item 5). Linux only.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

EMAIL, PASSWORD = "probe@example.com", "probe-password"
TICK = os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, binary, port):
        self.dir = tempfile.TemporaryDirectory()
        env = dict(os.environ, APIFORGE_ADMIN_EMAIL=EMAIL, APIFORGE_ADMIN_PASSWORD=PASSWORD,
                   APIFORGE_LOG="error")
        self.proc = subprocess.Popen(
            [binary, "serve", "--demo", "--bind", f"127.0.0.1:{port}", "--data-dir", self.dir.name],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}/api/v2"
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base, timeout=1)
                break
            except urllib.error.HTTPError:
                break
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{binary} exited with {self.proc.returncode}")
                time.sleep(0.1)
        status, body = self.call("POST", "/system/admin/session", {"email": EMAIL, "password": PASSWORD},
                                 auth=False)
        self.token = json.loads(body)["session_token"]

    def call(self, method, path, body=None, headers=None, auth=True):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        h = {"Content-Type": "application/json"}
        if auth:
            h["Authorization"] = "Bearer " + self.token
        h.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=300) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except Exception as e:  # the process died, or the connection was cut
            return 0, str(e).encode()

    def status(self, key):
        """A /proc/PID/status figure as written there: KiB (a count, for Threads)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return 0

    def mib(self, key):
        return self.status(key) // 1024

    def cpu(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.dir.cleanup()


def fan_out(s):
    s.call("GET", "/chinook/_table/Artist?limit=1")
    hwm, rss = s.mib("VmHWM"), s.mib("VmRSS")
    st, body = s.call("GET", "/chinook/_table/Track?limit=80&related=Playlist_by_PlaylistTrack"
                             "&Playlist_by_PlaylistTrack.related=Track_by_PlaylistTrack")
    return {"status": st, "answer_MB": round(len(body) / 1e6, 1),
            "peak_MiB_added": s.mib("VmHWM") - hwm, "rss_MiB_added": s.mib("VmRSS") - rss}


def big_documents(s):
    q = "{ Artist(limit: 1) { ArtistId } }"
    s.call("POST", "/chinook/graphql", {"query": q})
    rss = s.mib("VmRSS")
    for i in range(32):
        doc = f"# {i} " + "x" * (3 * 1024 * 1024) + "\n" + q
        s.call("POST", "/chinook/graphql", {"query": doc})
    return {"rss_MiB_added": s.mib("VmRSS") - rss}


def related_names(s):
    names = ",".join(f"N{i}" for i in range(30_000))
    cpu = s.cpu()
    st, _ = s.call("POST", "/chinook/_table/Album", {"related": names},
                   headers={"X-HTTP-Method": "GET"})
    return {"status": st, "cpu_s": round(s.cpu() - cpu, 2)}


def fragments(s):
    q = "{ ...F0 }" + "".join(f" fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(22))
    q += " fragment F22 on Query { Artist(limit: 1) { ArtistId } }"
    cpu = s.cpu()
    st, body = s.call("POST", "/chinook/graphql", {"query": q})
    return {"status": st, "cpu_s": round(s.cpu() - cpu, 2)}


def main():
    old, new = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    probes = [("item 4 fan-out", fan_out), ("item 7 32×3 MB documents", big_documents),
              ("item 3 30,000 related names", related_names), ("item 5 22 levels of fragments", fragments)]
    for name, probe in probes:
        results = {"old": [], "new": []}
        for r in range(runs):
            for label, binary in (("old", old), ("new", new)):
                s = Server(binary, 18600 + r * 2 + (label == "new"))
                try:
                    results[label].append(probe(s))
                finally:
                    s.stop()
        print(name)
        for label in ("old", "new"):
            rows = results[label]
            med = {k: statistics.median(r[k] for r in rows) for k in rows[0] if k != "status"}
            print(f"  {label}: median {med}  (runs: {rows})")


if __name__ == "__main__":
    main()
