#!/usr/bin/env python3
"""python_app.py: a gwd worker in plain Python, standard library only.

It shows the whole worker protocol of gwd-worker(7):

  * the listening socket is fd 3 (LISTEN_FDS), already bound and listening;
  * READY=1 goes to $NOTIFY_SOCKET once it accepts connections;
  * WATCHDOG=1 heartbeats (and the request count, GWD_REQUESTS=) are sent
    from the serving loop itself, so a stuck loop stops them and gwd
    replaces the worker after --timeout;
  * the stop signal (SIGTERM) finishes the request in flight and exits;
    SIGINT exits at once; SIGUSR1 (reopen logs) is ignored;
  * GET /recycle asks gwd for a replacement with GWD_RECYCLE=1.

    gwd -w 4 -b 127.0.0.1:8000 --readiness notify -- python3 python_app.py
    curl http://127.0.0.1:8000/

With the default --readiness spawn it works too: READY=1 is then ignored.
It serves the first inherited socket (fd 3) only.
"""

import http.server
import os
import signal
import socket
import sys
import time

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
    # gwd hands the socket over non-blocking; say so, so that Python's
    # idea of it matches the fd (the loop below polls before accept, and
    # another worker may take a connection first: accept then fails with
    # EAGAIN, which socketserver ignores).
    sock.setblocking(False)
    return sock


class Handler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so that this single-threaded
    # server never waits on an idle keep-alive client.
    protocol_version = "HTTP/1.0"
    server_version = "python_app/1"

    def do_GET(self):
        self.server.requests += 1
        if self.path == "/recycle":
            notify("GWD_RECYCLE=1")
        body = ("hello from worker %s (pid %d, generation %s)\n" % (
            os.environ.get("GWD_WORKER_ID", "?"), os.getpid(),
            os.environ.get("GWD_GENERATION", "?"))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self):
        self.server.requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()

    def log_message(self, fmt, *args):
        if os.environ.get("PYTHON_APP_ACCESS_LOG"):
            super().log_message(fmt, *args)


class Server(http.server.HTTPServer):
    def __init__(self, sock):
        # No bind, no listen: gwd did both.
        super().__init__(sock.getsockname() if sock.family != socket.AF_UNIX
                         else "", Handler, bind_and_activate=False)
        self.socket.close()
        self.socket = sock
        self.requests = 0

    def server_bind(self):
        pass

    def get_request(self):
        conn, addr = self.socket.accept()
        conn.setblocking(True)
        return conn, addr or ("unix", 0)


def main():
    stopping = False

    def on_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(0))
    # gwd forwards SIGUSR1 (reopen your logs) to every worker on USR1 and
    # `gwctl reopen-logs`; its default action would kill us.  No log files
    # here: ignore it.
    signal.signal(signal.SIGUSR1, signal.SIG_IGN)

    server = Server(listen_socket())
    # Heartbeats at half the timeout gwd gave us (WATCHDOG_USEC), never
    # slower than every 5 s; none at all when gwd set no timeout.
    wd = int(os.environ.get("WATCHDOG_USEC", "0")) / 1e6
    beat = min(wd / 2, 5.0) if wd > 0 else None
    # handle_request() waits at most this long, so the loop (and its
    # heartbeats) keeps turning when no request comes.
    server.timeout = min(beat, 1.0) if beat else 1.0

    notify("READY=1", "STATUS=serving on %s" % (server.socket.getsockname(),))
    last_beat = last_report = 0.0
    reported = 0
    while not stopping:
        server.handle_request()
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
