#!/usr/bin/env python3
"""python_app.py: a gwd worker in plain Python, standard library only.

It shows the whole worker protocol of gwd-worker(7):

  * the listening socket is fd 3 (LISTEN_FDS), already bound and listening;
  * an optional WSGI application, MODULE:CALLABLE (imported from the
    working directory, as gunicorn does), is imported before anything is
    announced: a broken import exits with status 1 before READY=1, so gwd
    counts it as a failed start and a reload to it fails while the old
    workers keep serving;
  * READY=1 goes to $NOTIFY_SOCKET once the application is loaded and the
    socket is served;
  * WATCHDOG=1 heartbeats (and the request count, GWD_REQUESTS=) are sent
    from the serving loop itself, so a stuck loop stops them and gwd
    replaces the worker after --timeout;
  * the stop signal (SIGTERM) finishes the request in flight and exits;
    SIGINT exits at once; SIGUSR1 (reopen logs) is ignored;
  * GET /recycle asks gwd for a replacement with GWD_RECYCLE=1.

    gwd -w 4 -b 127.0.0.1:8000 --readiness notify -t 10s -- \
        python3 python_app.py app:wsgi
    curl http://127.0.0.1:8000/

Without MODULE:CALLABLE it answers "hello from worker ...".  Use it with
--readiness notify: with --readiness spawn gwd cannot tell a broken import
from a good start.  It serves the first inherited socket (fd 3) only, one
request at a time, and sleeps in poll(2) while idle.
"""

import importlib
import os
import selectors
import signal
import socket
import sys
import time
import wsgiref.simple_server

LISTEN_FDS_START = 3


def notify(*lines):
    """Send one sd_notify datagram; a no-op outside gwd or systemd."""
    addr = os.environ.get("NOTIFY_SOCKET")
    if not addr:
        return
    if addr[0] == "@":  # abstract socket name
        addr = "\0" + addr[1:]
    try:
        with socket.socket(socket.AF_UNIX,
                           socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as s:
            s.sendto("\n".join(lines).encode(), addr)
    except OSError as e:
        print("python_app: notify: %s" % e, file=sys.stderr)


def listen_socket():
    """The first inherited listening socket (sd_listen_fds semantics)."""
    if os.environ.get("LISTEN_PID") != str(os.getpid()):
        sys.exit("python_app: no LISTEN_PID for this process: run me "
                 "under gwd (or systemd socket activation)")
    if int(os.environ.get("LISTEN_FDS", "0")) < 1:
        sys.exit("python_app: LISTEN_FDS is 0: give gwd a --bind")
    sock = socket.socket(fileno=LISTEN_FDS_START)  # family/type detected
    # gwd hands the socket over blocking.  The loop below waits in poll(2)
    # (with a timeout, for the heartbeats) and then accepts; another worker
    # may take the connection first, so the accept must not block: the
    # socket is made non-blocking, as gunicorn, uvicorn and Node do.  The
    # flag is shared with the other workers, which all poll before they
    # accept (gwd-worker(7), FILE DESCRIPTORS).
    sock.setblocking(False)
    return sock


def load_app(spec):
    """Import MODULE:CALLABLE from the working directory, or die."""
    module, _, name = spec.partition(":")
    if not module or not name:
        sys.exit("python_app: %r: want MODULE:CALLABLE" % spec)
    sys.path.insert(0, os.getcwd())
    app = getattr(importlib.import_module(module), name, None)
    if not callable(app):
        sys.exit("python_app: %s has no callable %s" % (module, name))
    return app


def hello_app(environ, start_response):
    """The answer when no application is given."""
    body = ("hello from worker %s (pid %d, generation %s)\n" % (
        os.environ.get("GWD_WORKER_ID", "?"), os.getpid(),
        os.environ.get("GWD_GENERATION", "?"))).encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]


class Handler(wsgiref.simple_server.WSGIRequestHandler):
    # HTTP/1.0: one request per connection, so that this single-threaded
    # server never waits on an idle keep-alive client.
    protocol_version = "HTTP/1.0"
    server_version = "python_app/1"

    def log_message(self, fmt, *args):
        if os.environ.get("PYTHON_APP_ACCESS_LOG"):
            super().log_message(fmt, *args)


class Server(wsgiref.simple_server.WSGIServer):
    def __init__(self, sock, app):
        # No bind, no listen: gwd did both.
        super().__init__(sock.getsockname() if sock.family != socket.AF_UNIX
                         else "", Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.requests = 0
        self.set_app(self.counted(app))
        # SERVER_NAME and SERVER_PORT, without the DNS look-up that
        # server_bind() would make.
        if sock.family == socket.AF_UNIX:
            self.server_name, self.server_port = "localhost", 0
        else:
            self.server_name, self.server_port = sock.getsockname()[:2]
        self.setup_environ()

    def counted(self, app):
        """APP, counting its requests and honouring GET /recycle."""
        def wrapper(environ, start_response):
            self.requests += 1
            if environ.get("PATH_INFO") == "/recycle":
                notify("GWD_RECYCLE=1")
            return app(environ, start_response)
        return wrapper

    def get_request(self):
        conn, addr = self.socket.accept()
        conn.setblocking(True)
        return conn, addr or ("unix", 0)

    def serve_one(self):
        """Accept and answer one connection, if another worker has not
        taken it first."""
        try:
            request, client = self.get_request()
        except (BlockingIOError, InterruptedError):
            return
        try:
            self.process_request(request, client)
        except Exception:
            self.handle_error(request, client)
            self.shutdown_request(request)


def main():
    stopping = False

    def on_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(0))
    # gwd passes SIGUSR1 (reopen your logs) on only when told to with
    # --worker-reopen-signal USR1; its default action would kill us, and
    # there are no log files here: ignore it, in case.
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)

    # Everything slow or fallible comes before READY=1: a worker that dies
    # here is a failed start, and a reload to it fails (gwd-worker(7)).
    app = load_app(sys.argv[1]) if len(sys.argv) > 1 else hello_app
    server = Server(listen_socket(), app)
    # Heartbeats at half the timeout gwd gave us (WATCHDOG_USEC), never
    # slower than every 5 s; none at all when gwd set no timeout.
    wd = int(os.environ.get("WATCHDOG_USEC", "0")) / 1e6
    beat = min(wd / 2, 5.0) if wd > 0 else None
    # poll(2) waits at most this long, so the loop (and its heartbeats)
    # keeps turning when no request comes, and a stop signal is seen.
    wait = min(beat, 1.0) if beat else 1.0
    sel = selectors.DefaultSelector()
    sel.register(server.socket, selectors.EVENT_READ)

    notify("READY=1", "STATUS=serving on %s" % (server.socket.getsockname(),))
    last_beat = last_report = 0.0
    reported = 0
    while not stopping:
        if sel.select(wait):
            server.serve_one()
        now = time.monotonic()
        msg = []
        if beat and now - last_beat >= beat:
            msg.append("WATCHDOG=1")
            last_beat = now
        # The request count, for `gwctl workers` and --max-requests: at
        # most once a second, and only when it changed.
        if server.requests != reported and (msg or now - last_report >= 1.0):
            msg.append("GWD_REQUESTS=%d" % server.requests)
            last_report = now
            reported = server.requests
        if msg:
            notify(*msg)
    # The stop signal: the request in flight has been answered; anything
    # still in the accept queue is left to the other workers.
    notify("STATUS=stopped after %d requests" % server.requests)
    server.socket.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
