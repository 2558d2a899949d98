// One local Lambda execution environment, in serverless-offline's process: offline-guard.cjs puts this class where
// serverless-offline's WorkerThreadRunner constructs `new Worker(workerThreadHelper.js)` (the only hook it has: it
// imports Worker from node:worker_threads). It does two things serverless-offline gets wrong:
//
// 1. Init is not Invoke ("Lambda execution environment lifecycle", AWS Lambda developer guide). serverless-offline
//    starts the function's timer before the worker thread even exists, so a cold start on a busy machine (the module
//    load of a 1 MB bundle, times thirty workers at once) used up the 10 s and the request failed. Here the handler
//    module is loaded when the environment starts (lambda-runtime.mjs) and the function's timeout counts from the
//    moment the handler is called. Lambda gives Init 10 s and, when that is not enough, retries it within the first
//    invocation and its timeout: an environment whose Init is not done after 10 s plus the timeout is a timeout.
//    On Lambda every environment initialises on CPUs of its own; here thirty environments of a burst share two
//    cores, and thirty module loads at once took 22 s each (one alone: 0.65 s). So environments initialise as many
//    at a time as the machine has cores, and an Init's time counts from when it gets one: it measures the module,
//    not the machine. index.ts runs serverless-offline with --noTimeout, so these timers are the only ones.
//
// 2. A function error is not a success. serverless-offline answers a handler that throws, cannot load or times out
//    on an HTTP API (payload 2.0) route with a 200 whose body is the error, stack trace and file paths included.
//    API Gateway answers `500 {"message":"Internal Server Error"}` for a function error, a timeout of the function
//    and a response that is not a payload-2.0 response ("Troubleshooting issues with HTTP API Lambda integrations";
//    the response format is in "Create AWS Lambda proxy integrations for HTTP APIs"). That decision is made here,
//    where the function's result is still a value: an HTTP API event gets that 500 as its response, and the error
//    goes to the log, as Lambda writes it to CloudWatch. Every other invocation (the Lambda API of the stream
//    pollers, S3 notifications and Cognito triggers) gets the error as before, so their retries still see it.
//
// 3. The function's output names the function. On AWS each function writes to a log group of its own; here every
//    environment writes to serverless-offline's output. A line that may be an Embedded Metric Format document (a JSON
//    object with `_aws`) leaves prefixed with `(λ: <function key>) `, so the stack's metric totals (metrics/) know
//    whose metric it is; every other line leaves as the function wrote it.
'use strict';
const { availableParallelism } = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { setTimeout, clearTimeout } = require('node:timers');
const { INTERNAL_SERVER_ERROR, httpApiResponse, isHttpApiEvent, responseProblem } = require('./http-api-response.cjs');

const RUNTIME = path.join(__dirname, 'lambda-runtime.mjs'); // eslint-disable-line no-undef -- CommonJS
/** "Lambda execution environment lifecycle": the Init phase is limited to 10 seconds. */
const INIT_LIMIT_MS = 10_000;

/** Lambda's reserved variable for an environment started on demand; Powertools counts a cold start only then. */
const INITIALIZATION_TYPE = { AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' };

/** A line of a function's output that may be an EMF document: metrics/emf.ts decides. */
const mayBeEmf = (line) => line.trimStart().startsWith('{') && line.includes('"_aws"');

/** Environments initialising now, at most one per core; the rest wait their turn (see 1. above). */
const initSlots = { free: availableParallelism(), waiting: [] };

function acquireInitSlot(start) {
  if (initSlots.free > 0) {
    initSlots.free -= 1;
    start();
  } else initSlots.waiting.push(start);
}

function releaseInitSlot() {
  const next = initSlots.waiting.shift();
  if (next) next();
  else initSlots.free += 1;
}

function timeoutError(ms) {
  // The message Lambda logs for a timeout; serverless-offline reads a `[504]` in it as the status of REST APIs' answer.
  const error = new Error(`[504] Task timed out after ${(ms / 1000).toFixed(2)} seconds`);
  error.name = 'LambdaTimeoutError';
  return error;
}

/**
 * Stands in for the Worker that serverless-offline's WorkerThreadRunner makes per LambdaFunction; it uses only
 * `postMessage({event, context, port}, [port])` (one invocation at a time: the LambdaFunction is BUSY meanwhile) and
 * `terminate()`. The environment (a worker thread running lambda-runtime.mjs) is started at once and again after a
 * timeout or a crash, as Lambda starts a fresh one.
 *
 * serverless-offline terminates its environments when they have been idle for a while and, busy or not, all of them
 * when serverless-esbuild rebuilt the functions (`offline:functionsUpdated`, after a source file changed). Lambda
 * lets the invocations in flight finish on the code they started with, and so does terminate() here: it ends the
 * environment once the invocation running (or already waiting) has its answer. Ended at once, those requests would
 * never be answered (serverless-offline's WorkerThreadRunner waits on the port for good).
 */
class LambdaEnvironment {
  #RealWorker;
  #options;
  #offlineRunnerDir;
  #log;
  #write;
  /** The environment's worker thread and its state, or undefined before it starts and after it ended. */
  #env;
  #queue = [];
  #current;
  /** Set by terminate() while invocations are in flight: resolved when the last of them has been answered. */
  #drained;

  constructor(RealWorker, helperFile, options, log = require('node:console').error, write = (text) => process.stdout.write(text)) {
    this.#RealWorker = RealWorker;
    this.#options = options;
    this.#offlineRunnerDir = path.dirname(String(helperFile));
    this.#log = log;
    this.#write = write;
    this.#start();
  }

  get #timeoutMs() {
    return Number(this.#options.workerData.timeout);
  }

  get #functionKey() {
    return this.#options.workerData.functionKey;
  }

  #start() {
    const env = { worker: undefined, ready: false, initTimer: undefined, initializing: false };
    this.#env = env;
    acquireInitSlot(() => {
      env.initializing = true;
      if (this.#env !== env) return this.#initDone(env); // ended while it waited
      this.#spawn(env);
    });
  }

  #initDone(env) {
    clearTimeout(env.initTimer);
    if (!env.initializing) return;
    env.initializing = false;
    releaseInitSlot();
  }

  #spawn(env) {
    const given = this.#options.env;
    const worker = new this.#RealWorker(RUNTIME, {
      // serverless-offline passes the function's own environment (an object); anything else is left as it is.
      env: typeof given === 'object' && given !== null ? { ...given, ...INITIALIZATION_TYPE } : given,
      workerData: { ...this.#options.workerData, offlineRunnerDir: this.#offlineRunnerDir },
      // The thread's output comes here, not straight to this process's (see 3. above).
      stdout: true,
    });
    env.worker = worker;
    const prefix = `(λ: ${this.#functionKey}) `;
    readline.createInterface({ input: worker.stdout, crlfDelay: Infinity }).on('line', (line) => {
      this.#write(`${mayBeEmf(line) ? prefix : ''}${line}\n`);
    });
    const limit = INIT_LIMIT_MS + this.#timeoutMs;
    env.initTimer = setTimeout(() => this.#end(env, timeoutError(limit), 'Init did not finish'), limit);
    env.initTimer.unref();
    worker.on('message', (message) => {
      if (this.#env !== env) return;
      if (message.type === 'ready') {
        this.#initDone(env);
        env.ready = true;
        this.#next();
      } else if (message.type === 'init-error') {
        this.#end(env, message.error, 'Init failed');
      } else if (message.type === 'result') {
        this.#finish({ result: message.result });
      } else if (message.type === 'error') {
        this.#finish({ error: message.error });
      }
    });
    // An uncaught exception or an exit of the thread ends the environment; Lambda reports Runtime.ExitError.
    worker.on('error', (error) => this.#end(env, error, 'The runtime crashed'));
    worker.on('exit', (code) => this.#end(env, new Error(`Runtime exited with code ${code}`), 'The runtime exited'));
  }

  /** Ends an environment: the invocation it was running (or waiting to run) fails; the next one starts a new one. */
  #end(env, error, why) {
    if (this.#env !== env) return;
    this.#env = undefined;
    this.#initDone(env);
    void env.worker?.terminate();
    this.#log(`(λ: ${this.#functionKey}) ${why}: ${error?.stack ?? error}`);
    if (this.#current) this.#finish({ error });
    else if (this.#queue.length > 0) {
      this.#current = this.#queue.shift();
      this.#finish({ error });
    }
  }

  #next() {
    if (this.#current || this.#queue.length === 0) return;
    if (!this.#env) this.#start();
    const env = this.#env;
    if (!env.ready) return;
    const invocation = this.#queue.shift();
    this.#current = invocation;
    invocation.timer = setTimeout(() => this.#end(env, timeoutError(this.#timeoutMs), 'Timeout'), this.#timeoutMs);
    env.worker.postMessage({ event: invocation.event, context: invocation.context });
  }

  #finish({ result, error }) {
    const invocation = this.#current;
    if (!invocation) return;
    this.#current = undefined;
    clearTimeout(invocation.timer);
    let answer;
    if (isHttpApiEvent(invocation.event)) {
      const problem = error === undefined ? responseProblem(result) : undefined;
      if (error !== undefined) {
        this.#log(`(λ: ${this.#functionKey}) ${error?.stack ?? error}`);
        answer = INTERNAL_SERVER_ERROR;
      } else if (problem) {
        this.#log(`(λ: ${this.#functionKey}) The response is not a payload-2.0 response: ${problem}`);
        answer = INTERNAL_SERVER_ERROR;
      } else answer = httpApiResponse(result);
    } else answer = error !== undefined ? (error instanceof Error ? error : new Error(String(error))) : result;
    invocation.port.postMessage(answer);
    invocation.port.close();
    this.#next();
    if (!this.#current && this.#queue.length === 0) this.#drained?.resolve();
  }

  postMessage(message) {
    // `port` came with a transfer list meant for the helper thread; it stays here, and the answer goes through it.
    const { event, context, port } = message;
    this.#queue.push({ event, context, port, timer: undefined });
    this.#next();
  }

  async terminate() {
    if (this.#current || this.#queue.length > 0) {
      if (!this.#drained) {
        let resolve;
        const promise = new Promise((done) => (resolve = done));
        this.#drained = { promise, resolve };
      }
      await this.#drained.promise;
    }
    const env = this.#env;
    this.#env = undefined;
    if (!env) return 0;
    this.#initDone(env);
    return env.worker ? env.worker.terminate() : 0;
  }
}

/** serverless-offline's worker helper, whatever the install path. */
function isOfflineWorkerHelper(filename) {
  return /[\\/]serverless-offline[\\/]src[\\/]lambda[\\/]handler-runner[\\/]worker-thread-runner[\\/]workerThreadHelper\.js$/.test(
    String(filename),
  );
}

/** A Worker constructor that makes a LambdaEnvironment for serverless-offline's helper and a real Worker otherwise. */
function lambdaAwareWorker(RealWorker, log, write) {
  function Worker(filename, options) {
    if (isOfflineWorkerHelper(filename)) return new LambdaEnvironment(RealWorker, filename, options, log, write);
    return Reflect.construct(RealWorker, [filename, options], new.target ?? RealWorker);
  }
  Worker.prototype = RealWorker.prototype;
  return Worker;
}

module.exports = { LambdaEnvironment, lambdaAwareWorker };
