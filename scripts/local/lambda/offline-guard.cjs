// Preloaded into serverless-offline (`node --require`, set by index.ts): its HTTP API port answers only requests that
// came through the local API front (api/front.ts), which alone checks routes and tokens. Anything else that reaches
// the port directly — a forged token, a path the front refused — gets 403 and never reaches hapi or a function.
//
// Written as a preload because serverless-offline offers no hook into its hapi server; hapi builds its listener with
// `require('http').createServer()`, so the guard wraps that listener's `request` event.
//
// It also puts lambda-worker.cjs in place of the worker thread serverless-offline runs each function in (see there:
// Init apart from the function's timeout, and API Gateway's 500 for a function error instead of a 200).
'use strict';
const http = require('node:http');
const workerThreads = require('node:worker_threads');
const { syncBuiltinESMExports } = require('node:module');
const { lambdaAwareWorker } = require('./lambda-worker.cjs');

// serverless-offline imports Worker from node:worker_threads (ESM): replace the export, then sync the ESM view of it.
if (workerThreads.isMainThread) {
  workerThreads.Worker = lambdaAwareWorker(workerThreads.Worker);
  syncBuiltinESMExports();
  disableOfflineSchedules();
}

// serverless-offline also runs `schedule` events itself, with node-schedule: in the machine's time zone, not UTC, and
// with no retry or on-failure record. The stack's own stand-in (scripts/local/schedules/) runs them as EventBridge
// does; two schedulers would invoke each rule twice. node-schedule is CommonJS, so serverless-offline's ESM import
// reads this same exports object, and looks scheduleJob up when it schedules.
function disableOfflineSchedules() {
  const nodeSchedule = require('node-schedule');
  nodeSchedule.scheduleJob = function scheduledByTheStack() {
    return null;
  };
}
const { timingSafeEqual } = require('node:crypto');

const HEADER = 'x-local-api-front';
const secret = process.env.LOCAL_API_FRONT_SECRET;
const port = Number(process.env.LOCAL_API_BACKEND_PORT);
// Neither the functions (which get this process's environment) nor their logs may see it.
delete process.env.LOCAL_API_FRONT_SECRET;

if (secret && port) {
  const expected = Buffer.from(secret);
  const fromFront = (value) => {
    const given = Buffer.from(typeof value === 'string' ? value : '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const createServer = http.createServer;
  http.createServer = function guardedCreateServer(...args) {
    const server = createServer.apply(this, args);
    const emit = server.emit;
    server.emit = function guardedEmit(event, req, res, ...rest) {
      if (event === 'request' && req.socket.localPort === port) {
        if (!fromFront(req.headers[HEADER])) {
          res.writeHead(403, { 'content-type': 'application/json' }).end('{"message":"Forbidden"}');
          req.resume();
          return true;
        }
        delete req.headers[HEADER];
        const at = req.rawHeaders.findIndex((name, i) => i % 2 === 0 && name.toLowerCase() === HEADER);
        if (at >= 0) req.rawHeaders.splice(at, 2);
      }
      return emit.call(this, event, req, res, ...rest);
    };
    return server;
  };
}
