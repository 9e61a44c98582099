"""Unit tests of contrib/python/gwd_worker (python3 -m unittest).

The pure parts (rate limits, option parsing, the notify client, app
loading) are tested in-process; the servers are tested as real worker
processes, started the way gwd starts them: a listening socket on fd 3,
LISTEN_PID/LISTEN_FDS, a NOTIFY_SOCKET this test reads, WATCHDOG_USEC.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("GWD_PYTHON_SRC") or os.path.join(
    HERE, "..", "..", "contrib", "python")
sys.path.insert(0, SRC)

import gwd_worker                                    # noqa: E402
from gwd_worker import Heartbeat, Notifier          # noqa: E402
from gwd_worker import __main__ as cli              # noqa: E402


class FakeNotifier:
    def __init__(self):
        self.sent = []

    def send(self, *lines):
        self.sent.append(lines)
        return True


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


class HeartbeatTest(unittest.TestCase):
    def test_watchdog_every_interval(self):
        n, c = FakeNotifier(), Clock()
        hb = Heartbeat(n, 1.0, clock=c)
        self.assertEqual(hb.tick(0), ["WATCHDOG=1"])
        c.t += 0.5
        self.assertEqual(hb.tick(0), [])
        c.t += 0.5
        self.assertEqual(hb.tick(0), ["WATCHDOG=1"])

    def test_requests_at_most_once_a_second_and_only_changes(self):
        n, c = FakeNotifier(), Clock()
        hb = Heartbeat(n, None, clock=c)
        self.assertEqual(hb.tick(0), [])          # nothing changed
        self.assertEqual(hb.tick(5), ["GWD_REQUESTS=5"])
        c.t += 0.3
        self.assertEqual(hb.tick(9), [])          # too soon
        c.t += 0.7
        self.assertEqual(hb.tick(9), ["GWD_REQUESTS=9"])
        c.t += 5
        self.assertEqual(hb.tick(9), [])          # unchanged

    def test_unhealthy_withholds_heartbeat_not_count(self):
        n, c = FakeNotifier(), Clock()
        hb = Heartbeat(n, 1.0, clock=c)
        self.assertEqual(hb.tick(3, healthy=False), ["GWD_REQUESTS=3"])
        c.t += 2
        self.assertEqual(hb.tick(3, healthy=False), [])
        self.assertEqual(hb.tick(3), ["WATCHDOG=1"])

    def test_interval_is_a_third_of_watchdog_usec(self):
        pid = str(os.getpid())
        self.assertAlmostEqual(gwd_worker.watchdog_interval(
            {"WATCHDOG_USEC": "3000000", "WATCHDOG_PID": pid}), 1.0)
        self.assertAlmostEqual(gwd_worker.watchdog_interval(
            {"WATCHDOG_USEC": "600000"}), 0.2)
        self.assertIsNone(gwd_worker.watchdog_interval({}))
        self.assertIsNone(gwd_worker.watchdog_interval(
            {"WATCHDOG_USEC": "3000000", "WATCHDOG_PID": "1"}))
        self.assertIsNone(gwd_worker.watchdog_interval(
            {"WATCHDOG_USEC": "junk"}))


class NotifierTest(unittest.TestCase):
    def test_datagram_and_abstract_name(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "n")
            for addr, bind in ((path, path),
                               ("@gwdtest%d" % os.getpid(),
                                "\0gwdtest%d" % os.getpid())):
                r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                r.bind(bind)
                n = Notifier({"NOTIFY_SOCKET": addr})
                self.assertTrue(n.send("READY=1", "STATUS=x"))
                self.assertEqual(r.recv(100), b"READY=1\nSTATUS=x")
                n.close()
                r.close()

    def test_no_socket_is_a_no_op(self):
        self.assertFalse(Notifier({}).send("READY=1"))

    def test_gone_socket_does_not_raise(self):
        n = Notifier({"NOTIFY_SOCKET": "/nonexistent/gwd.notify"})
        self.assertFalse(n.send("WATCHDOG=1"))


class OptionsTest(unittest.TestCase):
    def test_gunicorn_options(self):
        o = cli.parse(["--wsgi", "app:application", "--threads", "8",
                       "--root-path", "/api", "--forwarded-allow-ips", "*",
                       "--keep-alive", "7"])
        self.assertEqual((o.wsgi, o.threads, o.root_path,
                          o.forwarded_allow_ips, o.keep_alive),
                         ("app:application", 8, "/api", "*", 7))

    def test_gwd_owns_the_pool_options(self):
        for argv in (["-w", "4"], ["--workers=4"], ["--bind", ":80"],
                     ["--max-requests", "9"], ["--preload"]):
            with self.assertRaises(gwd_worker.WorkerError) as e:
                cli.parse(["--asgi", "a:b"] + argv)
            self.assertIn("gwd", str(e.exception))

    def test_bad_threads(self):
        with self.assertRaises(gwd_worker.WorkerError):
            cli.parse(["--wsgi", "a:b", "--threads", "0"])

    def test_timeout_is_accepted_and_ignored(self):
        o = cli.parse(["--asgi", "a:b", "--timeout", "99"])
        self.assertEqual(o.timeout, 99)


class LoadAppTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        with open(os.path.join(self.dir.name, "gwdt_app.py"), "w") as f:
            f.write("def application(e, s): pass\n"
                    "def create(): return application\n"
                    "notcallable = 3\n")
        self.cwd = os.getcwd()
        os.chdir(self.dir.name)

    def tearDown(self):
        os.chdir(self.cwd)
        sys.modules.pop("gwdt_app", None)
        self.dir.cleanup()

    def test_forms(self):
        a = gwd_worker.load_app("gwdt_app", "application")
        self.assertEqual(a.__name__, "application")
        self.assertIs(gwd_worker.load_app("gwdt_app:create()", "x"), a)
        with self.assertRaises(gwd_worker.WorkerError):
            gwd_worker.load_app("gwdt_app:missing", "x")
        with self.assertRaises(gwd_worker.WorkerError):
            gwd_worker.load_app("gwdt_app:notcallable", "x")
        with self.assertRaises(ModuleNotFoundError):
            gwd_worker.load_app("gwdt_no_such_module:app", "x")


# --- real worker processes -------------------------------------------------

ASGI_APP = textwrap.dedent('''
    import os, socket, time
    def nodelay():
        """TCP_NODELAY of this process's connected TCP sockets."""
        out = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                s = socket.socket(fileno=os.dup(int(fd)))
            except OSError:
                continue
            try:
                if s.family in (socket.AF_INET, socket.AF_INET6):
                    s.getpeername()
                    out.append(s.getsockopt(socket.IPPROTO_TCP,
                                            socket.TCP_NODELAY))
            except OSError:
                pass
            finally:
                s.close()
        return out
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/nodelay":
            body = repr(nodelay()).encode()
        elif path == "/block":
            time.sleep(3)            # blocks the event loop
            body = b"late"
        elif path == "/slow":
            import asyncio
            await asyncio.sleep(0.8)
            body = b"slow"
        elif path.endswith("/info"):
            body = ("%s|%s|%s|%s" % (scope.get("root_path"), path,
                                     scope["client"][0],
                                     scope["scheme"])).encode()
        else:
            body = b"asgi ok"
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body})
''')

WSGI_APP = textwrap.dedent('''
    import time
    from asgi_app import nodelay
    def application(environ, start_response):
        path = environ["PATH_INFO"]
        if path == "/nodelay":
            body = repr(nodelay()).encode()
        elif path == "/block":
            time.sleep(3)            # holds the only request thread
            body = b"late"
        elif path == "/slow":
            time.sleep(0.8)
            body = b"slow"
        elif path.endswith("/info"):
            body = ("%s|%s|%s|%s" % (environ["SCRIPT_NAME"], path,
                                     environ["REMOTE_ADDR"],
                                     environ["wsgi.url_scheme"])).encode()
        else:
            body = b"wsgi ok"
        start_response("200 OK", [("Content-Type", "text/plain"),
                                  ("Content-Length", str(len(body)))])
        return [body]
''')


def _fd3(fd):
    """In the child: the listening socket on fd 3, inheritable."""
    if fd != 3:
        os.dup2(fd, 3)
    os.set_inheritable(3, True)
    os.setpgid(0, 0)


class Worker:
    """One gwd_worker process, started as gwd starts a worker."""

    def __init__(self, testcase, args, watchdog_usec=300000, app_dir=None):
        self.tc = testcase
        self.dir = app_dir
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.npath = os.path.join(self.dir, "notify.%d" % id(self))
        self.nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.nsock.bind(self.npath)
        self.msgs = []          # (time, line), filled by a thread
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        env = dict(os.environ, PYTHONPATH=SRC, NOTIFY_SOCKET=self.npath,
                   LISTEN_FDS="1", PYTHONUNBUFFERED="1")
        env.pop("WATCHDOG_PID", None)
        if watchdog_usec:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        lfd = self.lsock.fileno()
        self.err = open(os.path.join(self.dir, "stderr.%d" % id(self)),
                        "w+")
        self.proc = subprocess.Popen(
            ["/bin/sh", "-c",
             'LISTEN_PID=$$; export LISTEN_PID; exec "$0" -m gwd_worker "$@"',
             sys.executable] + args,
            cwd=self.dir, env=env, stdin=subprocess.DEVNULL,
            stdout=self.err, stderr=self.err, close_fds=False,
            preexec_fn=lambda: _fd3(lfd))
        # Like gwd at its stop, keep no copy: then a closed listener in
        # the worker refuses connections.
        self.lsock.close()

    def _read(self):
        """Read datagrams as they come, as gwd does (the queue is short)."""
        while True:
            try:
                data = self.nsock.recv(4096)
            except OSError:
                return
            now = time.monotonic()
            for line in data.decode().split("\n"):
                self.msgs.append((now, line))

    def pump(self, seconds=0.0):
        time.sleep(seconds)

    def has(self, line):
        return any(l == line for _, l in self.msgs)

    def wait_msg(self, line, seconds=10):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.pump(0.05)
            if self.has(line) or line.endswith("=") and any(
                    l.startswith(line) for _, l in self.msgs):
                return True
            if self.proc.poll() is not None:
                self.pump(0.1)
                return self.has(line)
        return False

    def stderr(self):
        self.err.seek(0)
        return self.err.read()

    def ready(self):
        self.tc.assertTrue(self.wait_msg("READY=1"),
                           "no READY=1; stderr:\n" + self.stderr())

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)

    def get(self, path="/", headers=None):
        c = self.conn()
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        return r.status, body

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.nsock.shutdown(socket.SHUT_RDWR)
        self.nsock.close()
        self.err.close()


class ServerTests:
    """Run for both servers; KIND is --asgi or --wsgi."""
    KIND = None
    SPEC = None
    OK = None
    EXTRA = []

    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        for name, text in (("asgi_app.py", ASGI_APP),
                           ("wsgi_app.py", WSGI_APP)):
            with open(os.path.join(self.dir.name, name), "w") as f:
                f.write(text)
        self.workers = []

    def tearDown(self):
        for w in self.workers:
            w.stop()
        self.dir.cleanup()

    def start(self, *extra, **kw):
        w = Worker(self, [self.KIND, self.SPEC] + self.EXTRA + list(extra),
                   app_dir=self.dir.name, **kw)
        self.workers.append(w)
        return w

    def test_serves_heartbeats_and_counts(self):
        w = self.start()
        w.ready()
        self.assertEqual(w.get(), (200, self.OK))
        self.assertEqual(w.get(), (200, self.OK))
        self.assertTrue(w.wait_msg("GWD_REQUESTS=2", 3), w.msgs)
        w.pump(1.0)
        beats = [t for t, l in w.msgs if l == "WATCHDOG=1"]
        self.assertGreaterEqual(len(beats), 4, w.msgs)
        # every WATCHDOG_USEC/3 = 100 ms; never near the 300 ms timeout
        # (with room for a loaded test machine)
        gaps = [b - a for a, b in zip(beats, beats[1:])]
        self.assertLess(max(gaps), 0.8, gaps)
        reports = [t for t, l in w.msgs if l.startswith("GWD_REQUESTS=")]
        gaps = [b - a for a, b in zip(reports, reports[1:])]
        self.assertTrue(all(g >= 0.95 for g in gaps), gaps)

    def test_tcp_nodelay_on_connections(self):
        w = self.start()
        w.ready()
        status, body = w.get("/nodelay")
        self.assertEqual(status, 200)
        vals = eval(body)
        self.assertTrue(vals, "no connected TCP socket found")
        self.assertTrue(all(v != 0 for v in vals), body)

    def test_broken_import_exits_1_before_ready(self):
        with open(os.path.join(self.dir.name, "broken.py"), "w") as f:
            f.write("import no_such_module_gwd_unit\n")
        w = Worker(self, [self.KIND, "broken:app"], app_dir=self.dir.name)
        self.workers.append(w)
        self.assertEqual(w.proc.wait(20), 1)
        w.pump(0.2)
        self.assertFalse(w.has("READY=1"), w.msgs)
        last = w.stderr().strip().splitlines()[-1]
        self.assertEqual(
            last, "ModuleNotFoundError: No module named "
            "'no_such_module_gwd_unit'")

    def test_stuck_worker_misses_heartbeats(self):
        w = self.start()
        w.ready()
        c = w.conn()
        c.request("GET", "/block")
        w.pump(0.5)
        w.msgs.clear()
        w.pump(1.0)
        self.assertFalse(w.has("WATCHDOG=1"), w.msgs)
        self.assertEqual(c.getresponse().read(), b"late")
        c.close()
        self.assertTrue(w.wait_msg("WATCHDOG=1", 2))

    # What the proxy in front sends: uvicorn's --root-path expects it to
    # strip the prefix, gunicorn's SCRIPT_NAME to pass it on.
    ROOT_REQUEST = "/api/info"

    def test_root_path_and_forwarded_allow_ips(self):
        w = self.start("--root-path", "/api")
        w.ready()
        fwd = {"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https"}
        status, body = w.get(self.ROOT_REQUEST, fwd)
        self.assertEqual(status, 200, body)
        root, path, client, scheme = body.split("|")
        self.assertEqual((root, path), ("/api", self.ROOT_PATH_INFO))
        # 127.0.0.1 is trusted by default, as in gunicorn and uvicorn
        self.assertEqual(scheme, "https")
        self.assertEqual(client, self.FORWARDED_CLIENT)
        w2 = self.start("--forwarded-allow-ips", "10.9.9.9")
        w2.ready()
        self.assertEqual(w2.get("/info", fwd)[1].split("|")[2:],
                         ["127.0.0.1", "http"])

    def test_reopen_signal_is_harmless_and_reopens(self):
        log = os.path.join(self.dir.name, "access.log")
        w = self.start("--access-logfile", log)
        w.ready()
        w.get()
        self.assertTrue(os.path.exists(log))
        os.rename(log, log + ".1")
        for _ in range(3):
            w.proc.send_signal(signal.SIGUSR1)
            time.sleep(0.1)
        self.assertEqual(w.get(), (200, self.OK))
        time.sleep(0.3)
        self.assertIsNone(w.proc.poll())
        with open(log) as f:
            self.assertIn("GET /", f.read())

    def test_graceful_stop_keeps_keepalive_requests(self):
        w = self.start("--keep-alive", "5")
        w.ready()
        busy, idle, again = w.conn(), w.conn(), w.conn()
        for c in (busy, idle, again):
            c.request("GET", "/")
            self.assertEqual(c.getresponse().read().decode(), self.OK)
        busy.request("GET", "/slow")
        time.sleep(0.2)
        w.proc.send_signal(signal.SIGTERM)
        # the listener is closed at once: new clients are refused
        end = time.monotonic() + 2
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", w.port), 0.5).close()
            except ConnectionRefusedError:
                break
            time.sleep(0.05)
        else:
            self.fail("the listener still accepts after SIGTERM")
        # a request on a kept-alive connection is answered, with close
        again.request("GET", "/")
        r = again.getresponse()
        self.assertEqual(r.read().decode(), self.OK)
        self.assertEqual(r.getheader("connection", "").lower(), "close")
        # the request in flight finishes
        self.assertEqual(busy.getresponse().read(), b"slow")
        # the idle connection is closed, and the worker exits 0
        self.assertEqual(w.proc.wait(10), 0)
        idle.sock.settimeout(2)
        self.assertEqual(idle.sock.recv(10), b"")
        w.pump(0.2)
        self.assertTrue(any(l.startswith("STATUS=stopped")
                            for _, l in w.msgs), w.msgs)


@unittest.skipUnless(os.path.exists("/proc/self/fd"), "needs Linux /proc")
class AsgiTest(ServerTests, unittest.TestCase):
    KIND = "--asgi"
    SPEC = "asgi_app:app"
    OK = "asgi ok"
    ROOT_REQUEST = "/info"
    ROOT_PATH_INFO = "/info"
    FORWARDED_CLIENT = "10.1.2.3"   # uvicorn applies X-Forwarded-For


@unittest.skipUnless(os.path.exists("/proc/self/fd"), "needs Linux /proc")
class AsgiPlainTest(AsgiTest):
    """uvicorn without uvloop and httptools: asyncio and h11."""
    EXTRA = ["--loop", "asyncio", "--http", "h11"]


@unittest.skipUnless(os.path.exists("/proc/self/fd"), "needs Linux /proc")
class WsgiTest(ServerTests, unittest.TestCase):
    KIND = "--wsgi"
    SPEC = "wsgi_app:application"
    OK = "wsgi ok"
    ROOT_PATH_INFO = "/info"
    FORWARDED_CLIENT = "127.0.0.1"  # gunicorn: only the scheme headers

    def test_root_path_stripped_by_the_proxy(self):
        w = self.start("--root-path", "/api/")
        w.ready()
        status, body = w.get("/info")
        self.assertEqual((status, body.split("|")[:2]), (200, ["/api", "/info"]))
        self.assertEqual(w.get("/apiary/info")[1].split("|")[:2],
                         ["/api", "/apiary/info"])

    def test_threads(self):
        w = self.start("--threads", "4")
        w.ready()
        out = []
        t0 = time.monotonic()
        ts = [threading.Thread(target=lambda: out.append(w.get("/slow")))
              for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(out, [(200, "slow")] * 4)
        self.assertLess(time.monotonic() - t0, 2.4)   # not 4 x 0.8 s


if __name__ == "__main__":
    unittest.main()
