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


class DrainingProtocol(AutoHTTPProtocol):
    """uvicorn's HTTP protocol (httptools or h11), plus: once the server
    drains, a request that arrives on a kept-alive connection is answered
    with "Connection: close"."""

    def data_received(self, data):
        super().data_received(data)
        if getattr(self.server_state, "gwd_draining", False):
            _close_after(self.cycle)


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
        state.gwd_draining = True
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


def serve(app, sockets, opts, notifier, heartbeat):
    """Run APP on SOCKETS until the stop signal; returns the exit status."""
    config = Config(
        app,
        http=DrainingProtocol,
        loop="auto",            # uvloop when installed
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
