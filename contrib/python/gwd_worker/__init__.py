"""gwd_worker: run a Python web application as a gwd(8) worker.

    gwd -w 4 -b :8000 --readiness notify --chdir /srv/app -- \\
        python3 -m gwd_worker --asgi main:app
    gwd -w 4 -b :8000 --readiness notify --chdir /srv/app -- \\
        python3 -m gwd_worker --wsgi app:application --threads 4

ASGI applications run on uvicorn (with uvloop and httptools when they are
installed), WSGI applications on gunicorn's threaded worker (gthread), one
process per gwd worker: gwd is the pool, the arbiter and the pid file.

The worker protocol (gwd-worker(7)) is handled here: the inherited
listening sockets (fd 3..., LISTEN_FDS) with their real address family and
TCP_NODELAY; READY=1 once the application has been imported; WATCHDOG=1
from the serving loop every WATCHDOG_USEC/3; GWD_REQUESTS at most once a
second; a graceful stop on SIGTERM that fails no keep-alive request; log
files reopened on SIGUSR1.

This module holds what both servers share; gwd_worker.asgi and
gwd_worker.wsgi hold the servers, gwd_worker.__main__ the command line.
"""

import errno
import importlib
import os
import socket
import sys
import time

__all__ = ["Notifier", "Heartbeat", "listen_sockets", "load_app",
           "reopen_log_files", "WorkerError"]

__version__ = "0.1.0"

LISTEN_FDS_START = 3


class WorkerError(Exception):
    """A start-up problem caused by the environment or the options: the
    message is printed and the worker exits 1 before READY=1."""


class Notifier:
    """Datagrams to $NOTIFY_SOCKET (sd_notify); a no-op without one.

    The socket is opened once and is non-blocking: a heartbeat that cannot
    be queued right now is dropped rather than stalling the serving loop
    (the next one follows within a third of the timeout)."""

    def __init__(self, environ=None):
        environ = os.environ if environ is None else environ
        addr = environ.get("NOTIFY_SOCKET", "")
        self.sock = None
        self.addr = None
        self.sent = []          # every message, for the unit tests
        self.keep = False
        if not addr:
            return
        if addr[0] == "@":      # an abstract socket name
            addr = "\0" + addr[1:]
        self.addr = addr
        self.sock = socket.socket(socket.AF_UNIX,
                                  socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self.sock.setblocking(False)
        self._warned = False

    def send(self, *lines):
        """Send KEY=VALUE lines as one datagram; True if it went out."""
        if self.keep:
            self.sent.append(lines)
        if self.sock is None:
            return False
        try:
            self.sock.sendto("\n".join(lines).encode(), self.addr)
            return True
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK) and \
                    not self._warned:
                self._warned = True
                print("gwd_worker: notify %s: %s" % (self.addr, e),
                      file=sys.stderr)
            return False

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def watchdog_interval(environ=None):
    """Seconds between heartbeats: WATCHDOG_USEC / 3, or None when gwd set
    no heartbeat timeout (or set it for another process)."""
    environ = os.environ if environ is None else environ
    try:
        usec = int(environ.get("WATCHDOG_USEC", "0"))
    except ValueError:
        return None
    pid = environ.get("WATCHDOG_PID")
    if usec <= 0 or (pid and pid != str(os.getpid())):
        return None
    return usec / 3e6


class Heartbeat:
    """Rate limits WATCHDOG=1 and GWD_REQUESTS=: tick() is called from the
    serving loop as often as it likes; a heartbeat goes out every
    interval (WATCHDOG_USEC/3), the request count at most once a second and
    only when it changed.  A loop that stops turning stops the heartbeats,
    and gwd replaces the worker after --timeout."""

    REPORT_EVERY = 1.0

    def __init__(self, notifier, interval, clock=time.monotonic):
        self.notifier = notifier
        self.interval = interval
        self.clock = clock
        self.last_beat = None
        self.last_report = None
        self.reported = 0

    def tick(self, requests, healthy=True):
        """Send what is due; HEALTHY False withholds the heartbeat (every
        request thread is stuck) but still reports the count."""
        now = self.clock()
        msg = []
        if self.interval and healthy and (
                self.last_beat is None or
                now - self.last_beat >= self.interval):
            msg.append("WATCHDOG=1")
            self.last_beat = now
        if requests != self.reported and (
                self.last_report is None or
                now - self.last_report >= self.REPORT_EVERY):
            msg.append("GWD_REQUESTS=%d" % requests)
            self.last_report = now
            self.reported = requests
        if msg:
            self.notifier.send(*msg)
        return msg


def listen_sockets(environ=None, nodelay=True):
    """The inherited listening sockets (sd_listen_fds semantics), as
    socket objects with their real family (socket.socket(fileno=N) asks
    the kernel; socket.fromfd(N, AF_UNIX, ...), which `uvicorn --fd`
    uses, labels a TCP socket AF_UNIX, and asyncio then never sets
    TCP_NODELAY on its connections).  TCP_NODELAY is set on each TCP
    listener: Linux copies it to every accepted connection.  The LISTEN_*
    variables are removed, so that programs the application starts do not
    take the sockets for theirs, and the sockets are not inherited."""
    environ = os.environ if environ is None else environ
    if environ.get("LISTEN_PID") != str(os.getpid()):
        raise WorkerError("no LISTEN_PID for this process: run me under "
                          "gwd (or systemd socket activation)")
    try:
        n = int(environ.get("LISTEN_FDS", "0"))
    except ValueError:
        n = 0
    if n < 1:
        raise WorkerError("LISTEN_FDS is not a positive number: give gwd "
                          "a --bind")
    socks = []
    for fd in range(LISTEN_FDS_START, LISTEN_FDS_START + n):
        s = socket.socket(fileno=fd)
        if s.type != socket.SOCK_STREAM:
            raise WorkerError("fd %d is not a stream socket" % fd)
        os.set_inheritable(fd, False)
        if nodelay and s.family in (socket.AF_INET, socket.AF_INET6):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        socks.append(s)
    for k in ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"):
        environ.pop(k, None)
    return socks


def load_app(spec, default_attr):
    """Import MODULE[:ATTR] from the working directory (gwd --chdir), as
    gunicorn and uvicorn do; ATTR may be a call without arguments of a
    factory, as in 'app:create_app()'.  Import errors propagate: their
    traceback, ending with the exception, is gwd's evidence."""
    module, _, attr = spec.partition(":")
    attr = attr or default_attr
    if not module:
        raise WorkerError("%r: want MODULE:ATTRIBUTE" % spec)
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    mod = importlib.import_module(module)
    call = attr.endswith("()")
    name = attr[:-2] if call else attr
    obj = mod
    for part in name.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise WorkerError("module %s has no attribute %s" %
                              (module, name)) from None
    if call:
        obj = obj()
    if not callable(obj):
        raise WorkerError("%s:%s is not callable" % (module, attr))
    return obj


def reopen_log_files(loggers=None):
    """Reopen every logging.FileHandler's file (after logrotate moved
    it); returns how many.  Handlers are reopened under their own lock,
    so a line being written goes to one file or the other, whole."""
    import logging
    if loggers is None:
        loggers = [logging.getLogger()] + [
            logging.getLogger(n) for n in logging.root.manager.loggerDict]
    done = 0
    seen = set()
    for lg in loggers:
        for h in getattr(lg, "handlers", []):
            if id(h) in seen or not isinstance(h, logging.FileHandler):
                continue
            seen.add(id(h))
            h.acquire()
            try:
                if h.stream is not None:
                    h.stream.close()
                h.stream = h._open()
                done += 1
            finally:
                h.release()
    return done
