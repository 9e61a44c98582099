"""python3 -m gwd_worker (--asgi | --wsgi) MODULE:APP [OPTIONS]

The command line of gwd_worker: gunicorn's spelling for the options that
still make sense for one worker process; the options that are gwd's job
(the pool, the binds, the timeouts, max-requests) are refused with a
pointer to gwd's.
"""

import argparse
import faulthandler
import os
import signal
import sys

from . import (Heartbeat, Notifier, WorkerError, listen_sockets,
               load_app, watchdog_interval)

# gunicorn options that belong to gwd now: the message says which.
GWD_OWNS = {
    "-w": "gwd -w/--workers (each gwd worker is one process)",
    "--workers": "gwd -w/--workers (each gwd worker is one process)",
    "-b": "gwd -b/--bind (the worker serves gwd's sockets)",
    "--bind": "gwd -b/--bind (the worker serves gwd's sockets)",
    "--max-requests": "gwd --max-requests (gwd_worker reports requests)",
    "--max-requests-jitter": "gwd --max-requests-jitter",
    "--preload": "nothing: the app is always imported before READY=1",
    "-D": "gwd -D", "--daemon": "gwd -D",
    "-p": "gwd --pid", "--pid": "gwd --pid",
    "--umask": "gwd --umask", "--chdir": "gwd --chdir",
    "-u": "gwd -u", "--user": "gwd -u", "-g": "gwd -g", "--group": "gwd -g",
    "-k": "--asgi (uvicorn) or --wsgi (gthread)",
    "--worker-class": "--asgi (uvicorn) or --wsgi (gthread)",
}


def parser():
    p = argparse.ArgumentParser(
        prog="python3 -m gwd_worker",
        description="Serve a Python ASGI or WSGI application as a gwd "
        "worker (gwd-worker(7)).")
    app = p.add_mutually_exclusive_group(required=True)
    app.add_argument("--asgi", metavar="MODULE:APP",
                     help="an ASGI application (FastAPI, Starlette, "
                     "Django's asgi.application), served by uvicorn")
    app.add_argument("--wsgi", metavar="MODULE:APP",
                     help="a WSGI application (Flask, Django's "
                     "wsgi.application), served by gunicorn's gthread")
    p.add_argument("--threads", type=int, default=1, metavar="N",
                   help="WSGI: request threads (gunicorn gthread; "
                   "default 1)")
    p.add_argument("--worker-connections", type=int, default=1000,
                   metavar="N", help="WSGI: most connections at once "
                   "(default 1000)")
    p.add_argument("--root-path", default="", metavar="PATH",
                   help="the prefix the application is mounted under "
                   "(ASGI root_path; WSGI SCRIPT_NAME)")
    p.add_argument("--forwarded-allow-ips",
                   default=os.environ.get("FORWARDED_ALLOW_IPS",
                                          "127.0.0.1"),
                   metavar="IPS", help="proxies whose X-Forwarded-* "
                   "headers are trusted, comma-separated, or '*' "
                   "(default $FORWARDED_ALLOW_IPS or 127.0.0.1)")
    p.add_argument("--keep-alive", "--keepalive", type=int, default=2,
                   metavar="S", help="idle keep-alive timeout in seconds "
                   "(default 2, as gunicorn)")
    p.add_argument("--graceful-timeout", type=int, default=30,
                   metavar="S", help="WSGI: longest wait for requests in "
                   "flight after the stop signal (keep it below gwd's "
                   "--graceful-timeout)")
    p.add_argument("-t", "--timeout", type=int, metavar="S",
                   help="ignored: the heartbeat timeout is gwd's "
                   "--timeout (WATCHDOG_USEC)")
    p.add_argument("--access-logfile", metavar="FILE",
                   help="access log, '-' for stderr (default: none)")
    p.add_argument("--access-logformat", metavar="FORMAT",
                   help="WSGI: gunicorn's access log format")
    p.add_argument("--error-logfile", "--log-file", metavar="FILE",
                   help="error log (default: stderr)")
    p.add_argument("--log-level", default="info",
                   choices=["debug", "info", "warning", "error",
                            "critical"])
    p.add_argument("--lifespan", default="auto",
                   choices=["auto", "on", "off"],
                   help="ASGI lifespan events (default auto)")
    p.add_argument("--loop", default="auto",
                   choices=["auto", "asyncio", "uvloop"],
                   help="ASGI event loop (default auto: uvloop when "
                   "installed)")
    p.add_argument("--http", default="auto",
                   choices=["auto", "h11", "httptools"],
                   help="ASGI HTTP parser (default auto: httptools when "
                   "installed)")
    p.add_argument("--limit-concurrency", type=int, metavar="N",
                   help="ASGI: answer 503 above N connections")
    return p


def parse(argv):
    for a in argv:
        name = a.split("=", 1)[0]
        if name in GWD_OWNS:
            raise WorkerError("%s is gwd's job here: use %s" %
                              (name, GWD_OWNS[name]))
    opts = parser().parse_args(argv)
    if opts.threads < 1:
        raise WorkerError("--threads must be at least 1")
    if opts.timeout is not None:
        print("gwd_worker: --timeout ignored: gwd's --timeout sets the "
              "heartbeat timeout (WATCHDOG_USEC)", file=sys.stderr)
    if opts.asgi and opts.threads != 1:
        print("gwd_worker: --threads ignored for --asgi (one event loop)",
              file=sys.stderr)
    return opts


def main(argv=None):
    # gwd sends SIGUSR1 only with --worker-reopen-signal USR1, and only to
    # ready workers; its default action would kill us, so until the
    # servers install their handlers it does nothing.
    signal.signal(signal.SIGUSR1, lambda signum, frame: None)
    # gwd sends SIGABRT to a worker that missed its heartbeats: print
    # every thread's Python stack (where it was stuck) to stderr, gwd's
    # log, then die of it as before (also on SIGSEGV and the like).
    faulthandler.enable(all_threads=True)
    try:
        opts = parse(sys.argv[1:] if argv is None else argv)
        sockets = listen_sockets()
        notifier = Notifier()
        heartbeat = Heartbeat(notifier, watchdog_interval())
        notifier.send("STATUS=importing %s" % (opts.asgi or opts.wsgi))
        if opts.asgi:
            from . import asgi
            # Everything slow or fallible happens before READY=1: a
            # broken import exits 1 here, and a reload to it fails.
            app = load_app(opts.asgi, "app")
            return asgi.serve(app, sockets, opts, notifier, heartbeat)
        from . import wsgi
        return wsgi.serve(opts.wsgi, sockets, opts, notifier, heartbeat)
    except WorkerError as e:
        print("gwd_worker: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
