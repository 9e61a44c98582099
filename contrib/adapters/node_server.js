#!/usr/bin/env node
// node_server.js: a gwd worker in Node.js, no dependencies.
//
// The listening socket is fd 3 (LISTEN_FDS): listen({fd: 3}) takes it,
// whether gwd bound TCP or a Unix socket.  Node has no Unix datagram
// sockets, so the notify messages of gwd-worker(7) go through
// `gwctl notify`, a child of this process (so gwd counts it for this
// worker):
//
//   gwd -w 4 -b 127.0.0.1:3000 --readiness notify -- node node_server.js app.js
//
// app.js (optional) exports the request handler, (req, res) => ...; it is
// loaded before anything else happens, so an app that throws while it
// loads exits before READY=1: gwd counts that as a failed start, and a
// reload to it fails while the old workers keep serving.  Without it the
// answer is "hello from worker ...".
//
// READY=1 is sent once the app is loaded and the server listens; WATCHDOG=1 heartbeats and the
// request count (GWD_REQUESTS=) from a timer on the event loop, so a
// blocked loop stops them and gwd replaces the worker after --timeout.
// Without gwctl in PATH (or $GWCTL), run it with --readiness spawn (the
// default for a command) and --timeout 0: nothing is sent then.
//
// SIGTERM (gwd's default stop signal): stop accepting, let the requests in
// flight finish, close idle keep-alive connections, exit.  SIGINT: exit now.
// SIGUSR1 (reopen logs): nothing to reopen.
"use strict";

const http = require("http");
const path = require("path");
const { execFile, execFileSync } = require("child_process");

const LISTEN_FDS_START = 3;
const gwctl = process.env.GWCTL || "gwctl";
const canNotify = !!process.env.NOTIFY_SOCKET;

function notifySync(...lines) {
    if (!canNotify)
        return;
    try {
        execFileSync(gwctl, ["notify", ...lines], { stdio: "inherit" });
    } catch (e) {
        console.error(`node_server: ${gwctl} notify: ${e.message}`);
    }
}

// Heartbeats must not block the loop they vouch for: asynchronous.
function notify(...lines) {
    if (!canNotify)
        return;
    execFile(gwctl, ["notify", ...lines], (err) => {
        if (err)
            console.error(`node_server: ${gwctl} notify: ${err.message}`);
    });
}

if (process.env.LISTEN_PID !== String(process.pid) ||
    Number(process.env.LISTEN_FDS || 0) < 1) {
    console.error("node_server: no listening socket from gwd " +
        "(LISTEN_PID/LISTEN_FDS): run me under gwd");
    process.exit(1);
}

// The slow and fallible part of start-up, before the socket is served.
const app = process.argv[2] ? require(path.resolve(process.argv[2])) : null;
if (app !== null && typeof app !== "function") {
    console.error(`node_server: ${process.argv[2]} exports no handler`);
    process.exit(1);
}

let requests = 0;
const server = http.createServer((req, res) => {
    requests++;
    if (req.url === "/recycle")
        notify("GWD_RECYCLE=1");
    if (app !== null)
        return app(req, res);
    const body = `hello from worker ${process.env.GWD_WORKER_ID} ` +
        `(pid ${process.pid}, generation ${process.env.GWD_GENERATION})\n`;
    res.writeHead(200, {
        "Content-Type": "text/plain",
        "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
});
server.keepAliveTimeout = 5000;

server.listen({ fd: LISTEN_FDS_START }, () => {
    notifySync("READY=1", "STATUS=serving");
    // gwd finds the worker a message belongs to through the sender's
    // parent, and a gwctl that has already exited and been reaped when gwd
    // reads its datagram has none (gwd-worker(7), BUGS).  READY=1 again is
    // harmless once ready, so say it twice more.
    for (const ms of [500, 2000])
        setTimeout(() => notify("READY=1"), ms).unref();

    // Half the timeout gwd gave us, never slower than every 5 s.
    const wdUsec = Number(process.env.WATCHDOG_USEC || 0);
    if (wdUsec > 0) {
        const every = Math.max(100, Math.min(wdUsec / 2000, 5000));
        let reported = -1;
        setInterval(() => {
            const lines = ["WATCHDOG=1"];
            if (requests !== reported) {
                lines.push(`GWD_REQUESTS=${requests}`);
                reported = requests;
            }
            notify(...lines);
        }, every).unref();
    }
});

server.on("error", (err) => {
    console.error(`node_server: ${err.message}`);
    process.exit(1);
});

process.on("SIGTERM", () => {
    // close() stops accepting and, since Node 19, closes idle keep-alive
    // connections; busy ones close after their response.
    server.close(() => process.exit(0));
    server.closeIdleConnections?.();
});
process.on("SIGINT", () => process.exit(0));
// gwd passes SIGUSR1 (reopen your logs) on only with
// --worker-reopen-signal USR1; should it come, without a listener Node
// would open its inspector on 127.0.0.1:9229.
process.on("SIGUSR1", () => {});
