#!/usr/bin/env node
// node_server.js: serve an app module's request handler as a gwd worker,
// with contrib/node/gwd-worker.js (no dependencies):
//
//   gwd -w 4 -b 127.0.0.1:3000 --readiness notify -- node node_server.js app.js
//
// app.js (optional) exports the request handler, (req, res) => ...; it is
// loaded before anything else happens, so an app that throws while it
// loads exits before READY=1: gwd counts that as a failed start, and a
// reload to it fails while the old workers keep serving.  Without it the
// answer is "hello from worker ...".  GET /recycle asks gwd for a
// replacement (GWD_RECYCLE=1).
//
// The rest is gwd-worker.js's (see its header and gwd-worker(7)): fd 3,
// READY=1 once listening, heartbeats from the event loop and the request
// count through GWD_NOTIFY_FD, and on SIGTERM a stop that fails no request.
// To write your own server, require gwd-worker.js directly.
"use strict";

const path = require("path");
const gw = require(path.join(__dirname, "..", "node", "gwd-worker.js"));

// The slow and fallible part of start-up, before the socket is served.
const app = process.argv[2] ? require(path.resolve(process.argv[2])) : null;
if (app !== null && typeof app !== "function") {
    console.error(`node_server: ${process.argv[2]} exports no handler`);
    process.exit(1);
}

gw.serve((req, res) => {
    if (req.url === "/recycle")
        gw.notify("GWD_RECYCLE=1");
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
