#!/usr/bin/env python3
"""stats_replace.py: time from a worker's SIGKILL to its replacement's
spawn, as seen from outside gwd (a new child of the master in /proc).

Usage: stats_replace.py KILLS RATE NAME=MASTER_PID[,BURST_SOCKET] ...

The cases run side by side and the kills alternate between them, so that
the load of a shared machine weighs on every case alike.  Each round
kills the oldest worker of each master in turn (every worker is older
than 1 s: gwd would count a younger one as a crash loop and back off) and
polls the master's children every 0.1 ms until a new one appears.  For a
case with a BURST_SOCKET, a thread sends RATE no-op `scale` requests a
second on that control socket for the whole run (each is audited: one
`control` event row).  Prints "NAME MICROSECONDS" per kill, and the burst
rates achieved on stderr.
"""
import json
import os
import signal
import socket
import sys
import threading
import time


def children(master):
    try:
        with open(f"/proc/{master}/task/{master}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def burst(path, rate, stop, sent):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b'{"id": 0, "cmd": "status"}\n')
    buf = b""
    while b"\n" not in buf:
        buf += s.recv(65536)
    target = json.loads(buf.split(b"\n")[0])["result"]["workers"]["target"]
    s.setblocking(False)
    line = json.dumps({"cmd": "scale",
                       "args": {"workers": target}}).encode() + b"\n"
    tick = 0.01
    per_tick = max(1, int(rate * tick))
    chunk = line * per_tick
    next_t = time.monotonic()
    while not stop.is_set():
        try:
            while s.recv(1 << 20):
                pass
        except BlockingIOError:
            pass
        try:
            s.sendall(chunk)
            sent[0] += per_tick
        except BlockingIOError:
            pass
        next_t += tick
        d = next_t - time.monotonic()
        if d > 0:
            time.sleep(d)


def main():
    kills, rate = int(sys.argv[1]), int(sys.argv[2])
    cases = []
    stop = threading.Event()
    for arg in sys.argv[3:]:
        name, rest = arg.split("=", 1)
        parts = rest.split(",")
        c = {"name": name, "master": int(parts[0]), "sent": [0],
             "order": children(int(parts[0]))}
        if len(parts) > 1:
            threading.Thread(target=burst, args=(parts[1], rate, stop,
                             c["sent"]), daemon=True).start()
        cases.append(c)
    time.sleep(1.5)
    t_start = time.monotonic()
    for c in cases:
        c["sent0"] = c["sent"][0]
    for _ in range(kills):
        for c in cases:
            time.sleep(0.3)
            live = children(c["master"])
            order = [p for p in c["order"] if p in live]
            order += [p for p in live if p not in order]
            victim = order[0]
            before = set(live)
            t0 = time.perf_counter()
            os.kill(victim, signal.SIGKILL)
            while True:
                new = [p for p in children(c["master"]) if p not in before]
                if new:
                    t1 = time.perf_counter()
                    break
                if time.perf_counter() - t0 > 5:
                    print(c["name"], "timeout", flush=True)
                    sys.exit(1)
                time.sleep(0.0001)
            c["order"] = [p for p in order if p != victim] + new
            print(c["name"], round((t1 - t0) * 1e6), flush=True)
    took = time.monotonic() - t_start
    for c in cases:
        if c["sent"][0]:
            print(f"{c['name']}: {(c['sent'][0] - c['sent0']) / took:.0f} "
                  f"requests/s sent", file=sys.stderr)
    stop.set()


main()
