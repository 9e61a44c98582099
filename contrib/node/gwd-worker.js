// gwd-worker.js: run a Node HTTP server as a gwd worker (gwd-worker(7)).
// No npm dependency: copy this file next to your app.
//
//   const gw = require("./gwd-worker.js");
//   gw.serve((req, res) => res.end("ok\n"));      // a new http.Server
//   gw.attach(myServer);                           // or your own server
//
//   gwd -w 2 -b 127.0.0.1:3000 --readiness notify -- node app.js
//
// What it does for the server:
// - listens on the socket gwd hands over (fd 3, LISTEN_FDS), never binds;
// - says READY=1 once listening, through GWD_NOTIFY_FD (a pipe gwd gives
//   every worker; one KEY=VALUE field a line), so load your app before
//   calling serve(): an app that throws while it loads exits before
//   READY=1, and a reload to it fails while the old workers keep serving;
// - sends WATCHDOG=1 from the event loop every WATCHDOG_USEC / 3, so a
//   loop blocked for longer than gwd's --timeout gets the worker replaced;
// - reports GWD_REQUESTS (the running total) at most once a second, so
//   --max-requests works;
// - on SIGTERM (gwd's stop signal): stops accepting and closes the
//   listening socket, answers the next request on each keep-alive
//   connection with "Connection: close", closes connections that stay idle,
//   lets the requests in flight finish, and exits 0.  Nothing a client
//   sent is dropped, so a reload under keep-alive load fails no request.
//   SIGINT (gwd's quick stop): exit at once.
//
// Outside gwd (no LISTEN_FDS for this process) serve() and attach() throw.
"use strict";

const fs = require("fs");
const http = require("http");
const net = require("net");

// A connection with no request for this long after the stop signal is
// closed; one that sends a request gets "Connection: close" instead.
const IDLE_CLOSE_MS = 1000;
const REQUESTS_EVERY_MS = 1000;

const notifyFd = /^[0-9]+$/.test(process.env.GWD_NOTIFY_FD || "") ?
    Number(process.env.GWD_NOTIFY_FD) : -1;

// Send KEY=VALUE fields to gwd, one line each, in one write.  Returns
// false if there is no notify fd (not under gwd) or gwd is gone.
function notify(...fields) {
    if (notifyFd < 0)
        return false;
    try {
        fs.writeSync(notifyFd, fields.join("\n") + "\n");
        return true;
    } catch (e) {
        return false;   // EPIPE: gwd is gone, and we with it soon
    }
}

function listenFd() {
    if (process.env.LISTEN_PID !== String(process.pid) ||
        !(Number(process.env.LISTEN_FDS) >= 1))
        throw new Error("gwd-worker: no listening socket from gwd " +
            "(LISTEN_PID/LISTEN_FDS): run me under gwd");
    return 3;
}

// Take over a not yet listening http.Server: listen, notify, stop well.
// options.fd: the socket (default the first of LISTEN_FDS); options.handler:
// the app's request handler, counted in the same listener.
// Returns { server, stop }.
function attach(server, options = {}) {
    const fd = options.fd ?? listenFd();
    const sockets = new Set();
    let requests = 0, reported = 0, stopping = false;
    const timers = [];

    server.on("connection", (s) => {
        sockets.add(s);
        s.once("close", () => sockets.delete(s));
    });
    const count = (req, res) => {
        requests++;
        if (stopping)
            res.shouldKeepAlive = false;    // "Connection: close"
    };
    // With the app's handler given, one listener does both: a second
    // "request" listener costs about 8% of a hello server's throughput.
    // Otherwise first, so that the app's handler sees the count and the
    // header.
    if (options.handler) {
        const handler = options.handler;
        server.on("request", (req, res) => {
            count(req, res);
            handler(req, res);
        });
    } else
        server.prependListener("request", count);

    function stop() {
        if (stopping)
            return;
        stopping = true;
        timers.forEach(clearInterval);
        if (requests !== reported)
            notify(`GWD_REQUESTS=${requests}`);
        notify("STATUS=stopping");
        // net.Server's close: stop accepting and close the listening
        // socket, call back once every connection is gone.  Not
        // http.Server's, which also closes idle keep-alive connections at
        // once: a client may have just sent its next request on one.
        net.Server.prototype.close.call(server, () => process.exit(0));
        for (const s of sockets) {
            const res = s._httpMessage;
            if (res && !res.headersSent)
                res.shouldKeepAlive = false;
        }
        const idle = setInterval(() => {
            const now = Date.now();
            for (const s of sockets) {
                if (s._httpMessage) {
                    s._gwdIdleSince = undefined;
                    continue;
                }
                s._gwdIdleSince ??= now;
                if (now - s._gwdIdleSince >= IDLE_CLOSE_MS)
                    s.destroy();
            }
        }, IDLE_CLOSE_MS / 5);
        idle.unref();
    }

    server.listen({ fd }, () => {
        notify("READY=1", "STATUS=serving");
        const wdUsec = Number(process.env.WATCHDOG_USEC || 0);
        if (wdUsec > 0)
            timers.push(setInterval(() => notify("WATCHDOG=1"),
                Math.max(10, wdUsec / 3000)));
        timers.push(setInterval(() => {
            if (requests !== reported) {
                reported = requests;
                notify(`GWD_REQUESTS=${requests}`);
            }
        }, REQUESTS_EVERY_MS));
        timers.forEach((t) => t.unref());
    });
    server.on("error", (err) => {
        console.error(`gwd-worker: ${err.message}`);
        process.exit(1);
    });
    process.on("SIGTERM", stop);
    process.on("SIGINT", () => process.exit(0));
    // Without a listener Node opens its inspector on SIGUSR1.
    process.on("SIGUSR1", () => {});
    return { server, stop };
}

// A new http.Server for handler, attached.  Returns the server.
function serve(handler, options = {}) {
    const server = http.createServer(options.http ?? {});
    server.keepAliveTimeout = options.keepAliveTimeout ?? 5000;
    attach(server, { ...options, handler });
    return server;
}

module.exports = { serve, attach, notify };
