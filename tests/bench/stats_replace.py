#!/usr/bin/env python3
"""stats_replace.py: time from a worker's SIGKILL to its replacement's
spawn, as seen from outside gwd (a new child of the master in /proc).

Usage: stats_replace.py MASTER_PID KILLS [BURST_SOCKET RATE]

Kills the oldest worker every 0.5 s (so that no worker dies within 1 s of
ready, which gwd would count as a crash loop and back off), polls the
master's children every 0.1 ms until a new one appears, and prints one
latency in microseconds per line.  With BURST_SOCKET, a thread sends RATE
no-op `scale` requests a second (each is audited: a `control` event row)
on the control socket for the whole run, and reports the rate achieved.
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
    line = json.dumps({"cmd": "scale", "args": {"workers": target}}).encode() + b"\n"
    tick = 0.01
    per_tick = max(1, int(rate * tick))
    chunk = line * per_tick
    next_t = time.monotonic()
    while not stop.is_set():
        try:
            while True:
                if not s.recv(1 << 20):
                    return
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
    master = int(sys.argv[1])
    kills = int(sys.argv[2])
    stop = threading.Event()
    sent = [0]
    th = None
    if len(sys.argv) > 4:
        th = threading.Thread(target=burst, args=(sys.argv[3],
                              int(sys.argv[4]), stop, sent), daemon=True)
        th.start()
        time.sleep(1.0)
    order = children(master)        # oldest first, as far as we know
    t_start = time.monotonic()
    sent0 = sent[0]
    for _ in range(kills):
        time.sleep(0.5)
        live = children(master)
        order = [p for p in order if p in live] + [p for p in live if p not in order]
        victim = order[0]
        before = set(live)
        t0 = time.perf_counter()
        os.kill(victim, signal.SIGKILL)
        while True:
            now = children(master)
            new = [p for p in now if p not in before]
            if new:
                t1 = time.perf_counter()
                break
            if time.perf_counter() - t0 > 5:
                print("timeout", flush=True)
                sys.exit(1)
            time.sleep(0.0001)
        order = [p for p in order if p != victim] + new
        print(round((t1 - t0) * 1e6), flush=True)
    if th is not None:
        rate = (sent[0] - sent0) / (time.monotonic() - t_start)
        print(f"# burst: {rate:.0f} requests/s sent", file=sys.stderr)
        stop.set()


main()
