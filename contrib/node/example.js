#!/usr/bin/env node
// example.js: a hello server as a gwd worker, with contrib/node/gwd-worker.js.
//
//   gwd -w 2 -b 127.0.0.1:3000 --readiness notify -- node example.js
//
// Load everything slow or fallible (the app, its config, its connection
// pools) before serve(): READY=1 goes out once the server listens.
"use strict";

const path = require("path");
const gw = require(path.join(__dirname, "gwd-worker.js"));

const body = Buffer.from("ok\n");

gw.serve((req, res) => {
    res.writeHead(200, {
        "Content-Type": "text/plain",
        "Content-Length": body.length,
    });
    res.end(body);
});
