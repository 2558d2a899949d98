/**
 * The local Lambda execution environment that replaces serverless-offline's worker helper (lambda-worker.cjs and
 * lambda-runtime.mjs), driven as serverless-offline's WorkerThreadRunner drives a Worker: postMessage({event,
 * context, port}, [port]) and an answer on the port. The handlers are real modules in real worker threads.
 */
import path from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { offlineLine } from '../../../../scripts/local/metrics';
import { MetricTotals } from '../../../../scripts/local/metrics/totals';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lambdaWorker = require('../../../../scripts/local/lambda/lambda-worker.cjs') as {
  lambdaAwareWorker: (real: typeof Worker, log?: (line: string) => void, write?: (text: string) => void) => new (file: string, options: object) => Environment;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const httpApiResponse = require('../../../../scripts/local/lambda/http-api-response.cjs') as {
  responseProblem: (result: unknown) => string | undefined;
};

interface Environment {
  postMessage(message: object, transfer: unknown[]): void;
  terminate(): Promise<number>;
}

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const HELPER = path.join(ROOT, 'node_modules/serverless-offline/src/lambda/handler-runner/worker-thread-runner/workerThreadHelper.js');
const FIXTURES = path.join(ROOT, 'test', 'support', 'lambda');

const httpEvent = (extra: object = {}) => ({
  version: '2.0',
  routeKey: 'POST /subscriptions',
  rawPath: '/subscriptions',
  requestContext: { http: { method: 'POST', path: '/subscriptions', sourceIp: '127.0.0.1' } },
  ...extra,
});

const environments: Environment[] = [];
afterAll(async () => {
  await Promise.all(environments.map((env) => env.terminate()));
});

function environment(handler: string, { timeout = 2_000, env = {} }: { timeout?: number; env?: Record<string, string> } = {}) {
  const logs: string[] = [];
  const written: string[] = [];
  const LambdaAwareWorker = lambdaWorker.lambdaAwareWorker(Worker, (line) => logs.push(line), (text) => written.push(text));
  const created = new LambdaAwareWorker(HELPER, {
    env: { ...env },
    workerData: { codeDir: FIXTURES, functionKey: 'subscribe', handler, servicePath: FIXTURES, timeout },
  });
  environments.push(created);
  const invoke = (event: object) =>
    new Promise<unknown>((resolve) => {
      const { port1, port2 } = new MessageChannel();
      port1.once('message', (value) => {
        port1.close();
        resolve(value);
      });
      created.postMessage({ event, context: { awsRequestId: 'r' }, port: port2 }, [port2]);
    });
  return { invoke, logs, written, environment: created };
}

const INTERNAL = { statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"message":"Internal Server Error"}', isBase64Encoded: false };

describe('a function error on an HTTP API route is API Gateway\'s 500, never a 200 with the error', () => {
  it('passes a good response through as the function returned it (the control)', async () => {
    const { invoke } = environment('handlers.ok');
    await expect(invoke(httpEvent())).resolves.toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json' },
      body: '{"got":"/subscriptions"}',
    });
  });

  it('a handler that throws: 500 {"message":"Internal Server Error"}, no message, stack or path; the log has them', async () => {
    const { invoke, logs } = environment('handlers.throws');
    const answer = await invoke(httpEvent());
    expect(answer).toEqual(INTERNAL);
    expect(JSON.stringify(answer)).not.toMatch(/database|\/var\/task|stack/i);
    expect(logs.join('\n')).toMatch(/database is down/);
  });

  it('a handler module that cannot load: 500, and again on the next request (each starts a new environment)', async () => {
    const { invoke, logs } = environment('missing-module.handler');
    await expect(invoke(httpEvent())).resolves.toEqual(INTERNAL);
    await expect(invoke(httpEvent())).resolves.toEqual(INTERNAL);
    expect(logs.filter((line) => /Init failed/.test(line))).toHaveLength(2);
  });

  it('a handler that runs past its timeout: 500; the next request gets a fresh environment and its answer', async () => {
    const { invoke, logs } = environment('handlers.hangsOnce', { timeout: 300 });
    await expect(invoke(httpEvent({ hang: true }))).resolves.toEqual(INTERNAL);
    expect(logs.join('\n')).toMatch(/Task timed out after 0\.30 seconds/);
    await expect(invoke(httpEvent())).resolves.toEqual({ statusCode: 200, body: 'fresh' });
  });

  it('an uncaught exception that ends the runtime: 500 for the request it was serving', async () => {
    const { invoke, logs } = environment('handlers.crashes');
    await expect(invoke(httpEvent())).resolves.toEqual(INTERNAL);
    expect(logs.join('\n')).toMatch(/uncaught in a callback/);
  });

  it.each([
    ['statusCode as a string', { statusCode: '200', body: 'x' }],
    ['statusCode out of range', { statusCode: 1000 }],
    ['an object body', { statusCode: 200, body: { a: 1 } }],
    ['headers as a list', { statusCode: 200, headers: ['a'] }],
    ['a header that is an object', { statusCode: 200, headers: { a: { b: 1 } } }],
    ['cookies that are not strings', { statusCode: 200, cookies: [1] }],
    ['isBase64Encoded as a string', { statusCode: 200, body: 'eA==', isBase64Encoded: 'yes' }],
  ])('a response that is not a payload-2.0 response (%s): 500', async (_name, response) => {
    const { invoke, logs } = environment('handlers.returns');
    await expect(invoke(httpEvent({ response }))).resolves.toEqual(INTERNAL);
    expect(logs.join('\n')).toMatch(/not a payload-2.0 response/);
  });

  it('a result that cannot leave the environment (a function in it): 500', async () => {
    const { invoke } = environment('handlers.unserialisable');
    await expect(invoke(httpEvent())).resolves.toEqual(INTERNAL);
  });

  it('a result without statusCode is a body, as API Gateway infers it; nothing at all is the JSON null', async () => {
    await expect(environment('handlers.plain').invoke(httpEvent())).resolves.toEqual({ items: [1, 2] });
    await expect(environment('handlers.nothing').invoke(httpEvent())).resolves.toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: 'null',
      isBase64Encoded: false,
    });
  });

  it('any other invocation (Lambda API: streams, S3 events, triggers) still gets the error itself, to retry on', async () => {
    const { invoke } = environment('handlers.throws');
    const answer = (await invoke({ Records: [] })) as Error;
    expect(answer.message).toMatch(/database is down/);
  });
});

describe('Init is not Invoke: the module load does not count against the function\'s timeout', () => {
  it('a module that takes longer to load than the function\'s whole timeout still answers', async () => {
    // Bug: serverless-offline's timer started before the worker existed, so this was "[504] - Lambda timeout." as a 200.
    const { invoke } = environment('slow-init.handler', { timeout: 500, env: { INIT_BUSY_MS: '1500' } });
    await expect(invoke(httpEvent())).resolves.toEqual({ statusCode: 200, body: 'loaded' });
  });
});

describe('terminate(), as serverless-offline calls it when the functions are rebuilt', () => {
  it('lets the invocation in flight finish and answer (Lambda keeps in-flight invocations on their code), then ends', async () => {
    // Bug: ended at once, the request never got an answer: serverless-offline waits on the port for good.
    const { invoke, environment: lambda } = environment('handlers.slow', { timeout: 5_000 });
    await expect(invoke(httpEvent({ ms: 0 }))).resolves.toEqual({ statusCode: 200, body: 'slept 0 ms' }); // warm
    const inFlight = invoke(httpEvent({ ms: 300 }));
    const ended = lambda.terminate();
    await expect(inFlight).resolves.toEqual({ statusCode: 200, body: 'slept 300 ms' });
    await expect(ended).resolves.toEqual(expect.any(Number));
  });

  it('ends an idle environment at once', async () => {
    const { invoke, environment: lambda } = environment('handlers.slow', { timeout: 5_000 });
    await invoke(httpEvent({ ms: 0 }));
    await expect(lambda.terminate()).resolves.toEqual(expect.any(Number));
  });
});

describe('the function\'s output names the function on its EMF lines (on AWS its log group does)', () => {
  it('prefixes each EMF line with the function key, leaves the others as printed, and starts on demand (ColdStart)', async () => {
    // Prepare
    const { invoke, written } = environment('metrics.handler', { env: { AWS_LAMBDA_FUNCTION_NAME: 'serverless-blog-local-welcome' } });

    // Act
    await invoke({});
    await invoke({});
    // The thread's output may arrive after its answer: wait for the last line (bounded by the test's time limit).
    const lines = () => written.join('').split('\n').filter(Boolean);
    while (lines().filter((line) => line === 'a plain line').length < 2) await new Promise((resolve) => setTimeout(resolve, 20));

    // Assess
    const emf = lines().filter((line) => line.includes('"_aws"'));
    expect(emf).toHaveLength(3); // ColdStart once, WelcomeSent twice
    for (const line of emf) expect(line.startsWith('(λ: subscribe) {"_aws":')).toBe(true);
    expect(lines().filter((line) => line === '{"level":"INFO","message":"welcome sent"}')).toHaveLength(2);
    // …and the stack's log shows them readable (the fixture's function key is `subscribe`)
    const totals = new MetricTotals();
    expect(emf.map((line) => offlineLine(totals, line))).toEqual([
      'metrics  subscriptions/subscribe  ColdStart 1',
      'metrics  subscriptions/subscribe  WelcomeSent 1',
      'metrics  subscriptions/subscribe  WelcomeSent 1',
    ]);
  });
});

describe('the Worker stand-in', () => {
  it('makes real Workers for every other script', async () => {
    const LambdaAwareWorker = lambdaWorker.lambdaAwareWorker(Worker);
    const worker = new LambdaAwareWorker(path.join(FIXTURES, 'handlers.js'), {}) as unknown as Worker;
    expect(worker).toBeInstanceOf(Worker);
    await worker.terminate();
  });

  it('responseProblem: what API Gateway accepts as a payload-2.0 response', () => {
    expect(httpApiResponse.responseProblem({ statusCode: 204 })).toBeUndefined();
    expect(httpApiResponse.responseProblem({ statusCode: 200, body: 'x', headers: { a: 'b', n: 1 }, cookies: ['c=d'], isBase64Encoded: false })).toBeUndefined();
    expect(httpApiResponse.responseProblem('a string')).toBeUndefined();
    expect(httpApiResponse.responseProblem([1])).toBeUndefined();
    expect(httpApiResponse.responseProblem({ statusCode: 200.5 })).toMatch(/statusCode/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(httpApiResponse.responseProblem(circular)).toMatch(/not JSON/);
  });
});
