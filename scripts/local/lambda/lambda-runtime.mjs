// The worker thread of one local Lambda execution environment (started by lambda-worker.cjs in serverless-offline's
// process, in place of serverless-offline's own workerThreadHelper.js). It runs the two phases of "Lambda execution
// environment lifecycle" (AWS Lambda developer guide) apart: Init loads the handler module once, as soon as the
// environment exists, and reports how long that took; Invoke then runs the handler for each event. The parent thread
// times only Invoke, as Lambda does.
//
// Loading and calling the handler is serverless-offline's own code (its InProcessRunner and the aws-lambda-ric loader
// it ships), so a handler behaves here exactly as under serverless-offline's helper.
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { codeDir, functionKey, handler, servicePath, timeout, offlineRunnerDir } = workerData;
const inProcessDir = path.join(offlineRunnerDir, '..', 'in-process-runner');

const toError = (value) => (value instanceof Error ? value : new Error(String(value)));

let runner;
try {
  const started = performance.now();
  const { load } = createRequire(import.meta.url)(path.join(inProcessDir, 'aws-lambda-ric', 'UserFunction.js'));
  const { default: InProcessRunner } = await import(pathToFileURL(path.join(inProcessDir, 'index.js')).href);
  // Init: the module is loaded (and its top level run) once; InProcessRunner's later load() finds it in the cache.
  await load(servicePath, path.join(codeDir, handler));
  runner = new InProcessRunner({ codeDir, functionKey, handler, servicePath, timeout }, process.env);
  parentPort.postMessage({ type: 'ready', initMs: performance.now() - started });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: toError(error) });
}

parentPort.on('message', async ({ event, context }) => {
  let result;
  try {
    result = await runner.run(event, context);
  } catch (error) {
    parentPort.postMessage({ type: 'error', error: toError(error) });
    return;
  }
  try {
    parentPort.postMessage({ type: 'result', result });
  } catch (error) {
    // A result that cannot leave the environment (a function, a symbol) is an error of the function, as on Lambda.
    parentPort.postMessage({ type: 'error', error: toError(error) });
  }
});
