#!/usr/bin/env python3
# fake_systemd.py: the part of systemd's service manager that gwd's fd store
# support talks to, for tests that run without systemd.
#
#   fake_systemd.py DIR GWD ARGS...
#
# Binds DIR/notify (AF_UNIX, SOCK_DGRAM) and starts GWD ARGS with
# NOTIFY_SOCKET pointing at it.  Every datagram is logged to DIR/msgs (one
# line, newlines as '|').  FDSTORE=1 with FDNAME= and an fd in SCM_RIGHTS
# keeps the fd, as systemd does: a second copy of an fd already stored
# (same socket) is dropped; FDSTOREREMOVE=1 closes every fd of that name.
# DIR/store lists the store after each change: "NAME INODE LOCALADDR".
#
# SIGUSR1 is a restart: once the running gwd has died (the test kills it),
# a new one is started with the stored fds as fds 3.. and LISTEN_FDS,
# LISTEN_FDNAMES and LISTEN_PID (its own pid, set in the child before
# exec), like systemd's Restart=.  Its arguments are DIR/args2 (one per
# line) if that file exists, else the first ones.  DIR/pid holds the pid
# of the gwd running now.  SIGTERM stops gwd and exits.
import array
import os
import signal
import socket
import sys
import time

d, argv = sys.argv[1], sys.argv[2:]
path = os.path.join(d, "notify")
store = []                      # [(name, fd)]
restart = False
stop = False


def note(line):
    with open(os.path.join(d, "msgs"), "a") as f:
        f.write(line + "\n")


def dump():
    with open(os.path.join(d, "store.tmp"), "w") as f:
        for name, fd in store:
            s = socket.socket(fileno=os.dup(fd))
            try:
                addr = s.getsockname()
            finally:
                s.close()
            f.write("%s %d %s\n" % (name, os.fstat(fd).st_ino,
                                    addr if isinstance(addr, str)
                                    else "%s:%d" % addr[:2]))
    os.rename(os.path.join(d, "store.tmp"), os.path.join(d, "store"))


def same(a, b):
    sa, sb = os.fstat(a), os.fstat(b)
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def spawn(args, fds):
    pid = os.fork()
    if pid == 0:
        try:
            # Move the fds out of the way of 3.., then into place.
            high = [os.dup(fd) for _, fd in fds]
            for i, fd in enumerate(high):
                os.dup2(fd, 3 + i, inheritable=True)
            env = dict(os.environ)
            env["NOTIFY_SOCKET"] = path
            if fds:
                env["LISTEN_FDS"] = str(len(fds))
                env["LISTEN_FDNAMES"] = ":".join(n for n, _ in fds)
                env["LISTEN_PID"] = str(os.getpid())
            os.closerange(3 + len(fds), 1024)
            os.execve(args[0], args, env)
        finally:
            os._exit(127)
    with open(os.path.join(d, "pid.tmp"), "w") as f:
        f.write("%d\n" % pid)
    os.rename(os.path.join(d, "pid.tmp"), os.path.join(d, "pid"))
    return pid


def on_usr1(sig, frame):
    global restart
    restart = True


def on_term(sig, frame):
    global stop
    stop = True


signal.signal(signal.SIGUSR1, on_usr1)
signal.signal(signal.SIGTERM, on_term)
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
sock.settimeout(0.1)
pid = spawn(argv, [])
end = time.time() + 120
while time.time() < end and not stop:
    if pid is not None:
        p, status = os.waitpid(pid, os.WNOHANG)
        if p == pid:
            note("EXITED %d" % status)
            pid = None
    if restart and pid is None:
        restart = False
        a2 = os.path.join(d, "args2")
        if os.path.exists(a2):
            with open(a2) as f:
                argv = [line.rstrip("\n") for line in f if line.strip()]
        note("RESTART %s" % ":".join(n for n, _ in store))
        pid = spawn(argv, store)
    try:
        fds = array.array("i")
        msg, anc, flags, _ = sock.recvmsg(4096, socket.CMSG_SPACE(
            16 * fds.itemsize))
    except (socket.timeout, InterruptedError):
        continue
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    text = msg.decode(errors="replace")
    note(text.replace("\n", "|") + (" +%dfd" % len(fds) if fds else ""))
    kv = dict(line.split("=", 1) for line in text.split("\n") if "=" in line)
    if kv.get("FDSTORE") == "1":
        for fd in fds:
            if any(same(fd, s) for _, s in store):
                os.close(fd)
            else:
                store.append((kv.get("FDNAME", "stored"), fd))
        dump()
    else:
        for fd in fds:
            os.close(fd)
    if kv.get("FDSTOREREMOVE") == "1":
        for n, fd in [e for e in store if e[0] == kv.get("FDNAME")]:
            os.close(fd)
            store.remove((n, fd))
        dump()
if pid is not None:
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
