/**
 * The wrapper every handler runs in (functions/lib/observability.ts): the EMF it prints (service and stage on every
 * metric, `reason` only on the metric counted with one, ColdStart once per container, published also when the
 * handler throws) and, with tracing on as in Lambda, the handler's subsegment named after the flow with its
 * annotations and the error.
 */
import type { Context } from 'aws-lambda';
import { businessMetrics, captureEmf, enableMetrics } from '../../../support/emf';

type Observability = typeof import('../../../../functions/lib/observability');

const context = { functionName: 'serverless-blog-test-welcome' } as Context;

describe('instrumented handlers: metrics', () => {
  const saved = { ...process.env };
  let observability: Observability;

  beforeEach(async () => {
    enableMetrics();
    // What Lambda sets for an on-demand environment; Powertools counts a cold start only there.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    jest.resetModules();
    observability = await import('../../../../functions/lib/observability');
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  it('counts a plain metric with the service and stage dimensions, once the handler returns', async () => {
    // Prepare
    const handler = observability.instrumented('subscribe', async (_event: unknown, _context: Context) => {
      observability.count('SubscriptionsAccepted');
      observability.count('SubscriptionsAccepted');
      return 'done';
    });

    // Act
    const { metrics, result } = await captureEmf(() => handler({}, context));

    // Assess
    expect(result).toBe('done');
    expect(businessMetrics(metrics)).toEqual([
      { namespace: 'serverless-blog', name: 'SubscriptionsAccepted', unit: 'Count', value: 2, dimensions: { service: 'serverless-blog', stage: 'test' } },
    ]);
  });

  it('gives `reason` to the metric counted with one, and to no other metric of the invocation', async () => {
    // Prepare
    const handler = observability.instrumented('events', async (_event: unknown, _context: Context) => {
      observability.count('EventsIngested', 3);
      observability.count('EventsRefused', 'events_unavailable');
      return undefined;
    });

    // Act
    const { metrics } = await captureEmf(() => handler({}, context));

    // Assess
    expect(businessMetrics(metrics)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'EventsIngested', value: 3, dimensions: { service: 'serverless-blog', stage: 'test' } }),
        expect.objectContaining({
          name: 'EventsRefused',
          value: 1,
          dimensions: { service: 'serverless-blog', stage: 'test', reason: 'events_unavailable' },
        }),
      ]),
    );
    expect(businessMetrics(metrics)).toHaveLength(2);
  });

  it('counts a reason that is not a code as `other`, so no input can make a series of its own', async () => {
    const handler = observability.instrumented('subscribe', async (_event: unknown, _context: Context) =>
      observability.count('SubscriptionsRefused', 'a@example.com'),
    );
    const { metrics } = await captureEmf(() => handler({}, context));
    expect(businessMetrics(metrics).map((metric) => metric.dimensions.reason)).toEqual(['other']);
  });

  it('emits nothing for a count of zero', async () => {
    const handler = observability.instrumented('analyticsTransform', async (_event: unknown, _context: Context) =>
      observability.count('EventsTransformed', 0),
    );
    const { metrics } = await captureEmf(() => handler({}, context));
    expect(businessMetrics(metrics)).toEqual([]);
  });

  it('publishes what was counted when the handler throws, and rethrows', async () => {
    // Prepare
    const failure = new Error('rebuild failed');
    const handler = observability.instrumented('reports', async (_event: unknown, _context: Context) => {
      observability.count('ReportsFailed');
      throw failure;
    });

    // Act
    const { metrics, error } = await captureEmf(() => handler({}, context));

    // Assess
    expect(error).toBe(failure);
    expect(businessMetrics(metrics)).toEqual([expect.objectContaining({ name: 'ReportsFailed', value: 1 })]);
  });

  it('counts the cold start once per container, with the function name', async () => {
    // Prepare
    const handler = observability.instrumented('health', async (_event: unknown, _context: Context) => 'ok');

    // Act
    const first = await captureEmf(() => handler({}, context));
    const second = await captureEmf(() => handler({}, context));

    // Assess
    expect(first.metrics).toEqual([
      {
        namespace: 'serverless-blog',
        name: 'ColdStart',
        unit: 'Count',
        value: 1,
        dimensions: { service: 'serverless-blog', stage: 'test', function_name: 'serverless-blog-test-welcome' },
      },
    ]);
    expect(second.metrics).toEqual([]);
  });

  it('refuses, at load, a function that belongs to no flow', () => {
    expect(() => observability.instrumented('unknownFunction', async () => undefined)).toThrow(
      'function unknownFunction belongs to no flow in functions/lib/flows.ts',
    );
  });

  it('fails the cold start without its namespace', async () => {
    delete process.env.POWERTOOLS_METRICS_NAMESPACE;
    jest.resetModules();
    await expect(import('../../../../functions/lib/observability')).rejects.toThrow(
      'POWERTOOLS_METRICS_NAMESPACE environment variable is not set',
    );
  });

  it('takes only the metric names of functions/lib/flows.ts, and a reason exactly where the flow promises one', () => {
    // Type-level: `npx tsc --noEmit` fails if any of these compiles.
    const typeChecks = (): void => {
      // @ts-expect-error not a metric of any flow
      observability.count('PageViews');
      // @ts-expect-error SubscriptionsRefused is counted per reason
      observability.count('SubscriptionsRefused');
      // @ts-expect-error SubscriptionsAccepted has no reason
      observability.count('SubscriptionsAccepted', 'new');
    };
    expect(typeChecks).toBeInstanceOf(Function);
  });
});

describe('instrumented handlers: traces, with tracing on as in Lambda', () => {
  const saved = { ...process.env };
  type XRay = typeof import('aws-xray-sdk-core');
  let xray: XRay;
  let observability: Observability;
  let tracer: typeof import('../../../../functions/lib/tracer').tracer;

  beforeEach(async () => {
    // What Lambda's runtime sets; Powertools turns the Tracer on by it.
    process.env.AWS_EXECUTION_ENV = 'AWS_Lambda_nodejs24.x';
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    delete process.env.POWERTOOLS_TRACE_ENABLED;
    // Capturing HTTP requests subscribes to undici's diagnostics channel, which is one per process: in a jest worker it
    // would outlive this file and try to trace the fetch calls of the files after it ("context missing" errors).
    process.env.POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS = 'false';
    jest.resetModules();
    xray = (await import('aws-xray-sdk-core')).default;
    observability = await import('../../../../functions/lib/observability');
    ({ tracer } = await import('../../../../functions/lib/tracer'));
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  /** What the tests read of a subsegment (aws-xray-sdk-core keeps them as plain fields). */
  interface Recorded {
    name: string;
    annotations?: Record<string, unknown>;
    metadata?: unknown;
    fault?: boolean;
    cause?: { exceptions?: { message: string; type: string }[] };
    isClosed(): boolean;
  }

  /** Runs the handler as Lambda would, under a function segment (never closed, so nothing is sent to a daemon). */
  async function traced(handler: (event: unknown, context: Context) => Promise<unknown>, event: unknown) {
    const segment = new xray.Segment('serverless-blog-test-subscribe');
    let outcome: { error?: unknown } = {};
    await xray.getNamespace().runPromise(async () => {
      xray.setSegment(segment);
      try {
        await handler(event, context);
      } catch (error) {
        outcome = { error };
      }
    });
    const [subsegment] = (segment.subsegments ?? []) as unknown as Recorded[];
    return { segment, subsegment, ...outcome };
  }

  it('opens the subsegment `## <flow>/<function>`, annotated with cold start, service, flow and the API request id', async () => {
    // Prepare
    const handler = observability.instrumented('subscribe', async (_event: unknown, _context: Context) => ({ statusCode: 202 }));

    // Act
    const { subsegment } = await traced(handler, { requestContext: { requestId: 'JBzqYh7OoAMEbAw=' } });

    // Assess
    expect(tracer.isTracingEnabled()).toBe(true);
    expect(subsegment?.name).toBe('## subscriptions/subscribe');
    expect(subsegment?.annotations).toEqual({
      ColdStart: true,
      Service: 'serverless-blog',
      flow: 'subscriptions',
      apiRequestId: 'JBzqYh7OoAMEbAw=',
    });
    expect(subsegment?.isClosed()).toBe(true);
    // The response stays out of the trace (signed URLs, users' data).
    expect(subsegment?.metadata).toBeUndefined();
  });

  it('annotates no request id for an event that has none, and ColdStart false after the first invocation', async () => {
    const handler = observability.instrumented('welcome', async (_event: unknown, _context: Context) => undefined);
    await traced(handler, { Records: [] });
    const { subsegment } = await traced(handler, { Records: [] });
    expect(subsegment?.annotations).toEqual({ ColdStart: false, Service: 'serverless-blog', flow: 'subscriptions' });
  });

  it('records a thrown error on the subsegment and rethrows it', async () => {
    // Prepare
    const failure = new Error('SES is down');
    const handler = observability.instrumented('welcome', async (_event: unknown, _context: Context) => {
      throw failure;
    });

    // Act
    const { subsegment, error } = await traced(handler, {});

    // Assess
    expect(error).toBe(failure);
    expect(subsegment?.fault).toBe(true);
    expect(subsegment?.cause?.exceptions?.[0]).toMatchObject({ message: 'SES is down', type: 'Error' });
  });
});
