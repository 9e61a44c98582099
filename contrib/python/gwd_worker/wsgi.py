"""The WSGI server of gwd_worker: gunicorn's threaded worker (gthread), run
without gunicorn's arbiter.

gunicorn's machinery rather than waitress: a gunicorn user moving to gwd
keeps the server their application was tested on (the same request
parser, environ, limits, error pages, access log format and
--forwarded-allow-ips rules), --threads means exactly what it meant there,
and gunicorn is already what gwd's recipes and CI install.  waitress would
add a second HTTP implementation, has no graceful stop of its own (its
close() drops the requests in flight) and counts threads differently.

What is changed in gthread: READY=1 once the application is imported; the
heartbeat (gunicorn's notify()) goes to gwd as WATCHDOG=1 and is withheld
while every request thread has been stuck for two thirds of the timeout;
the stop signal wakes the loop at once, and the stop fails no keep-alive
request: the listeners are closed, requests in flight finish, the next
request on each kept-alive connection is answered with "Connection:
close", and the connections still idle after a second are closed.
"""

import faulthandler
import os
import selectors
import socket
import time
from concurrent import futures
from functools import partial

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from gunicorn.workers.gthread import ThreadWorker

from . import load_app

DRAIN_IDLE = 1.0


class Application(BaseApplication):
    """A gunicorn application whose settings come from gwd_worker's
    options, not from gunicorn's command line or a config file."""

    def __init__(self, spec, settings, root_path=""):
        self.spec = spec
        self.settings_root_path = root_path
        self.settings = settings
        super().__init__()

    def load_config(self):
        for key, value in self.settings.items():
            self.cfg.set(key, value)

    def load(self):
        app = load_app(self.spec, "application")
        root = self.settings_root_path
        return mount(app, root) if root else app


def mount(app, root):
    """APP served under the prefix ROOT: SCRIPT_NAME is ROOT, and ROOT is
    taken off PATH_INFO when the request has it (a proxy that passes the
    prefix on); a proxy that strips it works too."""
    root = "/" + root.strip("/")

    def mounted(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == root or path.startswith(root + "/"):
            environ["PATH_INFO"] = path[len(root):]
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + root
        return app(environ, start_response)
    return mounted


class GwdThreadWorker(ThreadWorker):
    notifier = None
    heartbeat = None

    def init_process(self):
        self.last_progress = time.monotonic()
        super().init_process()

    def init_signals(self):
        super().init_signals()
        # gunicorn put its own SIGABRT handler in place of faulthandler's
        # (__main__): put it back, so that missed heartbeats print every
        # thread's stack and kill the worker at once.  gunicorn's handler
        # calls sys.exit, which waits for the stuck request threads.
        faulthandler.disable()
        faulthandler.enable(all_threads=True)

    def notify(self):
        """gunicorn's heartbeat, called by the serving loop: WATCHDOG=1
        to gwd, unless every thread has been busy for 2/3 of the timeout
        without finishing a request (a stuck application)."""
        now = time.monotonic()
        busy = len(self.futures) >= self.cfg.threads
        if not busy:
            self.last_progress = now
        iv = self.heartbeat.interval
        healthy = not (iv and busy and now - self.last_progress > 2 * iv)
        self.heartbeat.tick(self.nr, healthy)

    def finish_request(self, fs):
        if not fs.cancelled():
            self.last_progress = time.monotonic()
        if fs.cancelled() or self.alive:
            return super().finish_request(fs)
        # Draining: a response that went out with keep-alive leaves its
        # connection open, so that the client's next request on it gets a
        # "Connection: close" answer instead of a reset.
        try:
            keepalive, conn = fs.result()
        except Exception:
            self.nr_conns -= 1
            fs.conn.close()
            return
        if not keepalive:
            self.nr_conns -= 1
            conn.close()
            return
        conn.sock.setblocking(False)
        conn.set_timeout()
        with self._lock:
            self._keep.append(conn)
            self.poller.register(conn.sock, selectors.EVENT_READ,
                                 partial(self.reuse_connection, conn))

    def _wakeup(self, fileobj):
        try:
            while os.read(self.PIPE[0], 64):
                pass
        except OSError:
            pass

    def _turn(self, timeout):
        """One turn of gthread's loop."""
        self.notify()
        if self.nr_conns < self.worker_connections:
            for key, _ in self.poller.select(timeout):
                key.data(key.fileobj)
            result = futures.wait(self.futures, timeout=0,
                                  return_when=futures.FIRST_COMPLETED)
        else:
            result = futures.wait(self.futures, timeout=timeout,
                                  return_when=futures.FIRST_COMPLETED)
        for fut in result.done:
            self.futures.remove(fut)

    def run(self):
        iv = self.heartbeat.interval
        timeout = min(1.0, iv) if iv else 1.0
        for sock in self.sockets:
            sock.setblocking(False)
            self.poller.register(sock, selectors.EVENT_READ,
                                 partial(self.accept, sock.getsockname()))
        # The signal wake-up pipe: the stop signal ends the wait at once.
        self.poller.register(self.PIPE[0], selectors.EVENT_READ,
                             self._wakeup)
        self.notifier.send("READY=1", "STATUS=serving %d threads" %
                           self.cfg.threads)
        while self.alive:
            self._turn(timeout)
            if not self.is_parent_alive():
                break
            self.murder_keepalived()
        self.drain(timeout)

    def drain(self, timeout):
        """Stop accepting, close the listeners, finish what is in flight
        and close kept-alive connections (after their next request, or
        after DRAIN_IDLE idle), within --graceful-timeout."""
        self.alive = False
        self.notifier.send("STATUS=draining")
        for sock in self.sockets:
            self.poller.unregister(sock)
            sock.close()
        now = time.monotonic()
        idle_deadline = now + min(DRAIN_IDLE, self.cfg.keepalive or 0)
        hard_deadline = now + self.cfg.graceful_timeout
        while (self.futures or self._keep) and \
                time.monotonic() < hard_deadline:
            self._turn(min(timeout, 0.05))
            if time.monotonic() >= idle_deadline:
                self._close_idle()
        self._close_idle()
        self.tpool.shutdown(False)
        self.poller.close()
        self.heartbeat.tick(self.nr)
        self.notifier.send("STATUS=stopped after %d requests" % self.nr)

    def _close_idle(self):
        with self._lock:
            while self._keep:
                conn = self._keep.popleft()
                try:
                    self.poller.unregister(conn.sock)
                except (KeyError, ValueError, OSError):
                    pass
                self.nr_conns -= 1
                conn.close()


def serve(spec, sockets, opts, notifier, heartbeat):
    """Import SPEC, then serve it on SOCKETS until the stop signal."""
    settings = {
        "threads": opts.threads,
        "worker_connections": opts.worker_connections,
        "keepalive": opts.keep_alive,
        "graceful_timeout": opts.graceful_timeout,
        "forwarded_allow_ips": opts.forwarded_allow_ips,
        "loglevel": opts.log_level,
        "errorlog": opts.error_logfile or "-",
        "accesslog": opts.access_logfile,
        "proc_name": "gwd_worker",
    }
    if opts.access_logformat:
        settings["access_log_format"] = opts.access_logformat
    app = Application(spec, settings, opts.root_path)
    log = Logger(app.cfg)
    GwdThreadWorker.notifier = notifier
    GwdThreadWorker.heartbeat = heartbeat
    timeout = (heartbeat.interval or 10) * 3
    worker = GwdThreadWorker(1, os.getppid(), sockets, app, timeout,
                             app.cfg, log)
    worker.pid = os.getpid()
    worker.init_process()       # imports the app, runs until the stop
    return 0
