#!/usr/bin/env python3
"""http_launch.py: a tiny stand-in for gwd's socket activation, for testing
and benchmarking gwd-http (or any worker) without the master.

Binds one TCP socket on loopback, forks N copies of the command with the
socket on fd 3 (LISTEN_FDS=1, LISTEN_PID=<child>), optionally runs an
sd_notify receiver that logs every datagram as "PID KEY=VALUE" lines, and
waits.  SIGTERM/SIGINT are forwarded to the children.  Exits when every
child has exited: 0 if all exited 0, else 1.

usage: http_launch.py [--workers N] [--bind HOST:PORT] [--port-file F]
                      [--pid-file F] [--notify-log F] [--watchdog-usec N]
                      -- COMMAND [ARG...]
"""
import argparse
import os
import select
import signal
import socket
import struct
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--bind", default="127.0.0.1:0")
    ap.add_argument("--port-file")
    ap.add_argument("--pid-file")
    ap.add_argument("--notify-log")
    ap.add_argument("--watchdog-usec")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd and a.cmd[0] == "--" else a.cmd
    if not cmd:
        ap.error("no command")

    host, port = a.bind.rsplit(":", 1)
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, int(port)))
    ls.listen(2048)
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write("%d\n" % ls.getsockname()[1])
        os.rename(a.port_file + ".tmp", a.port_file)

    ns = None
    nlog = None
    tmpdir = None
    if a.notify_log:
        tmpdir = tempfile.mkdtemp(prefix="gwd-notify.")
        npath = os.path.join(tmpdir, "notify")
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        ns.bind(npath)
        nlog = open(a.notify_log, "a", buffering=1)

    children = {}
    for _ in range(a.workers):
        pid = os.fork()
        if pid == 0:
            try:
                fd = ls.fileno()
                if fd == 3:
                    os.set_inheritable(3, True)
                else:
                    os.dup2(fd, 3, inheritable=True)
                env = dict(os.environ)
                env["LISTEN_FDS"] = "1"
                env["LISTEN_PID"] = str(os.getpid())
                if ns is not None:
                    env["NOTIFY_SOCKET"] = npath
                if a.watchdog_usec:
                    env["WATCHDOG_USEC"] = a.watchdog_usec
                    env["WATCHDOG_PID"] = str(os.getpid())
                os.execvpe(cmd[0], cmd, env)
            finally:
                os._exit(127)
        children[pid] = None
    if a.pid_file:
        with open(a.pid_file + ".tmp", "w") as f:
            f.write("".join("%d\n" % p for p in children))
        os.rename(a.pid_file + ".tmp", a.pid_file)
    ls.close()

    def forward(signo, _frame):
        for p, st in children.items():
            if st is None:
                try:
                    os.kill(p, signo)
                except ProcessLookupError:
                    pass
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)

    while any(st is None for st in children.values()):
        try:
            r = select.select([ns] if ns else [], [], [], 0.05)[0]
        except InterruptedError:
            r = []
        for s in r:
            data, anc, _flags, _addr = s.recvmsg(4096, socket.CMSG_SPACE(12))
            pid = 0
            for level, typ, cdata in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", cdata[:12])[0]
            for line in data.decode("utf-8", "replace").split("\n"):
                if line:
                    nlog.write("%d %.3f %s\n" % (pid, time.monotonic(), line))
        while True:
            try:
                pid, st = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                pid = 0
            if pid == 0:
                break
            if pid in children:
                children[pid] = st
                code = os.waitstatus_to_exitcode(st)
                sys.stderr.write("http_launch: %d exited %d\n" % (pid, code))
    if ns is not None:
        ns.close()
        os.unlink(npath)
        os.rmdir(tmpdir)
    sys.exit(0 if all(os.waitstatus_to_exitcode(st) == 0
                      for st in children.values()) else 1)


if __name__ == "__main__":
    main()
