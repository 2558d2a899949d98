import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { requireEnv } from './env';
import { flowOf, type FLOWS, type FlowName } from './flows';
import { logger } from './logger';
import { traceError, tracer } from './tracer';

/**
 * Metrics and traces of every function (README "Operations"): one Powertools Metrics and one Tracer per container,
 * and `instrumented(functionKey, handler)`, which every handler is wrapped in.
 *
 * Metrics are Embedded Metric Format lines on stdout, which CloudWatch Logs turns into metrics (no API call at run
 * time); namespace POWERTOOLS_METRICS_NAMESPACE, dimensions `service` and `stage` on every metric. Locally the same
 * lines appear in the function's output.
 *
 * Traces: the Tracer of ./tracer.ts, on only where Lambda runs the function (off locally and in tests, where every
 * tracer call below is a no-op).
 */
const config = {
  stage: requireEnv('STAGE'),
  namespace: requireEnv('POWERTOOLS_METRICS_NAMESPACE'),
};

/** Service name from POWERTOOLS_SERVICE_NAME, as the logger's. Its warnings go to the structured log. */
export const metrics = new Metrics({ namespace: config.namespace, defaultDimensions: { stage: config.stage }, logger });

type FlowMetric = (typeof FLOWS)[FlowName]['metrics'][number];
/** The metrics flows.ts promises: nothing else can be counted. */
export type MetricName = FlowMetric['name'];
/** Metrics counted per reason (`reason: true` in flows.ts). */
export type ReasonMetricName = Extract<FlowMetric, { reason: true }>['name'];
export type PlainMetricName = Exclude<MetricName, ReasonMetricName>;

/**
 * A reason is a code from the source (an error code, a plan, an SES error name), never a user's input; one series per
 * value, so anything else, a bug, is counted as `other` instead of making a series of its own.
 */
const REASON = /^[A-Za-z][A-Za-z0-9_-]{0,47}$/;

/**
 * Counts `value` (default 1) of a flow's metric. A metric with a reason is emitted at once as a single metric with
 * its own `reason` dimension (an EMF line shares its dimensions between all its metrics, so `reason` would otherwise
 * split every other count of the invocation); the others are published when the handler ends. Zero is not emitted.
 */
export function count(metric: PlainMetricName, value?: number): void;
export function count(metric: ReasonMetricName, reason: string, value?: number): void;
export function count(metric: MetricName, reasonOrValue?: string | number, maybeValue?: number): void {
  const reason = typeof reasonOrValue === 'string' ? reasonOrValue : undefined;
  const value = (typeof reasonOrValue === 'number' ? reasonOrValue : maybeValue) ?? 1;
  if (!(value > 0)) return;
  if (reason === undefined) {
    metrics.addMetric(metric, MetricUnit.Count, value);
    return;
  }
  if (!REASON.test(reason)) logger.warn('metric reason is not a code; counted as other', { metric });
  const single = metrics.singleMetric();
  single.addDimension('reason', REASON.test(reason) ? reason : 'other');
  single.addMetric(metric, MetricUnit.Count, value);
}

/** API Gateway's id of the request (payload format 2.0 `requestContext.requestId`), also in the API's access log. */
function apiRequestId(event: unknown): string | undefined {
  const id = (event as { requestContext?: { requestId?: unknown } } | null)?.requestContext?.requestId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** A Lambda handler of any event (the wrapper keeps its exact type). */
type AnyHandler = (event: never, context: Context) => Promise<unknown>;

/**
 * The handler, with its cold start counted (Powertools' `ColdStart` metric, once per container, with `function_name`)
 * and its invocation in a subsegment `## <flow>/<functionKey>` annotated with ColdStart, Service, flow and, for API
 * events, apiRequestId (HTTP APIs cannot be traced by API Gateway, so that id is what leads from an access-log line to
 * the trace). A thrown error is recorded on the subsegment and rethrown; the stored metrics are published in any case.
 *
 * Powertools' manual instrumentation ("Tracer", Usage, Manual instrumentation): the handlers are plain async functions,
 * not middy's. The response is not added to the trace: it can hold signed URLs and users' data.
 */
export function instrumented<H extends AnyHandler>(functionKey: string, handler: H): H {
  const flow = flowOf(functionKey); // a function missing from flows.ts fails its cold start
  const name = `## ${flow}/${functionKey}`;
  // Lambda always passes a context; a test calling the handler with the event alone passes none.
  const run = handler as unknown as (event: unknown, context?: Context) => Promise<unknown>;
  const wrapped = async (event: unknown, context?: Context): Promise<unknown> => {
    metrics.captureColdStartMetric(context?.functionName);
    const segment = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
    const subsegment = segment?.addNewSubsegment(name);
    if (subsegment) tracer.setSegment(subsegment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
    tracer.putAnnotation('flow', flow);
    const requestId = apiRequestId(event);
    if (requestId !== undefined) tracer.putAnnotation('apiRequestId', requestId);
    try {
      return await run(event, context);
    } catch (error) {
      traceError(error);
      throw error;
    } finally {
      if (segment && subsegment) {
        subsegment.close();
        tracer.setSegment(segment);
      }
      // Only with something to publish: Powertools warns about an empty publish.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
  return wrapped as unknown as H;
}
