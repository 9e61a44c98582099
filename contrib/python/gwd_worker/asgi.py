"""The ASGI server of gwd_worker: uvicorn, one process, on the inherited
sockets.

uvicorn is started the way its gunicorn worker starts it (sockets passed to
Server.serve), not with --fd: --fd labels every socket AF_UNIX, and asyncio
then never sets TCP_NODELAY on the connections.  What is added to uvicorn:
READY=1 once the application is imported and its lifespan startup has run;
heartbeats and request counts from uvicorn's own 100 ms tick on the event
loop; SIGUSR1 reopens log files; and a stop that fails no keep-alive
request (Server.shutdown below).
"""

import asyncio
import logging
import signal
import sys
import time

from uvicorn.config import Config
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.server import Server

from . import reopen_log_files

# An idle keep-alive connection is closed this long after the stop signal
# (or sooner, with a shorter --keep-alive), unless it sends a request
# first: that request is answered with "Connection: close".
DRAIN_IDLE = 1.0


def _close_after(cycle):
    """Make the response of CYCLE the last one on its connection, with a
    "Connection: close" header so that the client (wrk, a browser, a
    pool) does not send another request on it; a response already started
    is left alone, and its connection is closed once idle."""
    if cycle is None or cycle.response_complete or cycle.response_started \
            or getattr(cycle, "gwd_closing", False):
        return
    cycle.gwd_closing = True
    cycle.keep_alive = False
    send = cycle.send

    async def send_close(message):
        if message.get("type") == "http.response.start":
            headers = list(message.get("headers") or [])
            if not any(k.lower() == b"connection" for k, _ in headers):
                headers.append((b"connection", b"close"))
            message = dict(message, headers=headers)
        await send(message)

    cycle.send = send_close     # run_asgi looks self.send up when it runs


def _drain_new_requests(protocol_class):
    """From now on, every request is answered with "Connection: close".
    uvicorn's protocols make a RequestResponseCycle (a global of their
    module) for each request; the drain replaces that class in the
    protocol's module, once, as the process is leaving, so that serving
    costs nothing extra (uvloop keeps bound methods of the protocol, so
    a hook on the instance would not be seen)."""
    mod = sys.modules[protocol_class.__module__]
    base = mod.RequestResponseCycle
    if getattr(base, "gwd_closing_class", False):
        return

    class ClosingCycle(base):
        gwd_closing_class = True

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            _close_after(self)

    mod.RequestResponseCycle = ClosingCycle


def _idle(conn):
    return conn.cycle is None or conn.cycle.response_complete


class GwdServer(Server):
    def __init__(self, config, notifier, heartbeat):
        super().__init__(config)
        self.notifier = notifier
        self.heartbeat = heartbeat

    def install_signal_handlers(self):
        super().install_signal_handlers()
        loop = asyncio.get_event_loop()
        loop.add_signal_handler(signal.SIGUSR1, self.reopen_logs)

    def reopen_logs(self):
        n = reopen_log_files()
        logging.getLogger("uvicorn.error").info("reopened %d log files", n)

    async def startup(self, sockets=None):
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            names = ", ".join(str(s.getsockname()) for s in sockets or [])
            self.notifier.send("READY=1", "STATUS=serving on %s" % names)

    async def on_tick(self, counter):
        # uvicorn's loop ticks every 100 ms on the serving event loop: a
        # blocked loop stops the heartbeats.
        self.heartbeat.tick(self.server_state.total_requests)
        return await super().on_tick(counter)

    async def shutdown(self, sockets=None):
        """The stop signal: stop accepting and close the listening
        sockets, finish the requests in flight, answer the next request
        on each kept-alive connection with "Connection: close", close the
        connections still idle after DRAIN_IDLE, then run the lifespan
        shutdown."""
        log = logging.getLogger("uvicorn.error")
        log.info("Shutting down")
        self.notifier.send("STATUS=draining")
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        state = self.server_state
        _drain_new_requests(self.config.http_protocol_class)
        for conn in list(state.connections):
            _close_after(conn.cycle)
        idle_deadline = time.monotonic() + min(
            DRAIN_IDLE, self.config.timeout_keep_alive)
        while state.connections and not self.force_exit:
            if time.monotonic() >= idle_deadline:
                for conn in list(state.connections):
                    if _idle(conn):
                        conn.shutdown()
            self.heartbeat.tick(state.total_requests)
            await asyncio.sleep(0.05)
        while state.tasks and not self.force_exit:
            await asyncio.sleep(0.05)
        self.heartbeat.tick(state.total_requests)
        self.notifier.send("STATUS=stopped after %d requests" %
                           state.total_requests)
        if not self.force_exit:
            await self.lifespan.shutdown()


def _protocol_class(name):
    """uvicorn's HTTP protocol class: httptools (auto, when installed) or
    h11."""
    if name == "h11":
        from uvicorn.protocols.http.h11_impl import H11Protocol
        return H11Protocol
    if name == "httptools":
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
        return HttpToolsProtocol
    return AutoHTTPProtocol


def serve(app, sockets, opts, notifier, heartbeat):
    """Run APP on SOCKETS until the stop signal; returns the exit status."""
    config = Config(
        app,
        http=_protocol_class(opts.http),
        loop=opts.loop,         # auto: uvloop when installed
        lifespan=opts.lifespan,
        proxy_headers=True,
        forwarded_allow_ips=opts.forwarded_allow_ips,
        root_path=opts.root_path,
        timeout_keep_alive=opts.keep_alive,
        access_log=opts.access_logfile is not None,
        log_level=opts.log_level,
        limit_concurrency=opts.limit_concurrency,
        backlog=2048,
        workers=1,
    )
    _log_files(opts)
    config.load()
    server = GwdServer(config, notifier, heartbeat)
    server.run(sockets=sockets)
    if not server.started:
        return 1                # the lifespan startup failed
    return 0


def _log_files(opts):
    """--access-logfile and --error-logfile: FILE, or '-' for stderr."""
    fmt = logging.Formatter("%(asctime)s [%(process)d] %(levelname)s: "
                            "%(message)s")
    for name, path in (("uvicorn.access", opts.access_logfile),
                       ("uvicorn.error", opts.error_logfile)):
        if path in (None, "-"):
            continue
        lg = logging.getLogger(name)
        h = logging.FileHandler(path)
        h.setFormatter(fmt)
        lg.handlers = [h]
        lg.propagate = False
