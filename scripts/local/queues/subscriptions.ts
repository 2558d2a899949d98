/**
 * An SQS event source mapping as serverless.yml declares it (the framework's `sqs` event), with Lambda's defaults and
 * the checks CreateEventSourceMapping makes ("Lambda parameters for Amazon SQS event source mappings", "Creating and
 * configuring an Amazon SQS event source mapping", Lambda developer guide): batch size 1–10 000 (10 unless set), a
 * batching window of 0–300 s and of at least 1 s above 10 messages, and a function timeout no longer than the queue's
 * visibility timeout. What Lambda would refuse, or what is not emulated (FIFO queues), stops the stack.
 */
import type { ServiceConfig } from '../service-config';
import { functionName, getAttOf } from '../common/intrinsics';
import { assertSupportedPattern, type FilterPattern } from '../streams/filters';

export interface QueueSubscription {
  functionKey: string;
  functionName: string;
  queueLogicalId: string;
  queueUrl: string;
  queueArn: string;
  batchSize: number;
  batchWindowMs: number;
  reportBatchItemFailures: boolean;
  filterPatterns: FilterPattern[];
  /** Batches in flight at once: the event's maximumConcurrency, else the five Lambda starts an SQS mapping with. */
  maximumConcurrency: number;
}

/** SQS's default VisibilityTimeout ("CreateQueue", Amazon SQS API Reference) and the framework's default function timeout. */
const DEFAULT_VISIBILITY_TIMEOUT = 30;
const DEFAULT_FUNCTION_TIMEOUT = 6;
/** "When messages are available, Lambda starts processing five batches at a time with five concurrent invocations." */
const INITIAL_CONCURRENCY = 5;

const integer = (value: unknown, fallback: number, min: number, max: number, what: string): number => {
  const number = value === undefined || value === null ? fallback : Number(value);
  if (!Number.isInteger(number) || number < min || number > max) throw new Error(`${what} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return number;
};

/** Every enabled `sqs` event of the config, on a queue of the stack (logical id → URL and ARN). */
export function queueSubscriptions(config: ServiceConfig, queues: ReadonlyMap<string, { url: string; arn: string }>): QueueSubscription[] {
  const found: QueueSubscription[] = [];
  const providerTimeout = (config.provider as { timeout?: unknown }).timeout;
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      const declared = (event as { sqs?: unknown }).sqs;
      if (declared === undefined) continue;
      const sqs = (typeof declared === 'string' ? { arn: declared } : declared) as Record<string, unknown>;
      if (sqs.enabled === false) continue;
      const where = `${functionKey}: sqs event`;

      const byGetAtt = getAttOf(sqs.arn);
      const queueLogicalId =
        byGetAtt?.attribute === 'Arn'
          ? byGetAtt.logicalId
          : typeof sqs.arn === 'string'
            ? [...queues].find(([, queue]) => queue.arn === sqs.arn)?.[0]
            : undefined;
      const queue = queueLogicalId === undefined ? undefined : queues.get(queueLogicalId);
      if (!queueLogicalId || !queue) throw new Error(`${where}: ${JSON.stringify(sqs.arn)} is not a queue of this stack (!GetAtt <Queue>.Arn)`);
      const definition = config.resources.Resources[queueLogicalId]?.Properties ?? {};
      if (String(definition.FifoQueue) === 'true') throw new Error(`${where}: FIFO queues are not emulated by the local poller`);

      const batchSize = integer(sqs.batchSize, 10, 1, 10_000, `${where} batchSize`);
      const window = integer(sqs.maximumBatchingWindow, 0, 0, 300, `${where} maximumBatchingWindow`);
      if (batchSize > 10 && window < 1) throw new Error(`${where}: a batchSize above 10 needs a maximumBatchingWindow of at least 1 second`);
      const visibility = integer(definition.VisibilityTimeout, DEFAULT_VISIBILITY_TIMEOUT, 0, 43_200, `${queueLogicalId} VisibilityTimeout`);
      const timeout = Number((fn as { timeout?: unknown }).timeout ?? providerTimeout ?? DEFAULT_FUNCTION_TIMEOUT);
      if (timeout > visibility) {
        throw new Error(`${where}: Queue visibility timeout: ${visibility} seconds is less than Function timeout: ${timeout} seconds`);
      }
      const patterns = (sqs.filterPatterns ?? []) as FilterPattern[];
      patterns.forEach(assertSupportedPattern);
      if (sqs.functionResponseType !== undefined && sqs.functionResponseType !== 'ReportBatchItemFailures') {
        throw new Error(`${where}: functionResponseType must be ReportBatchItemFailures`);
      }
      found.push({
        functionKey,
        functionName: functionName(config, functionKey),
        queueLogicalId,
        queueUrl: queue.url,
        queueArn: queue.arn,
        batchSize,
        batchWindowMs: window * 1000,
        reportBatchItemFailures: sqs.functionResponseType === 'ReportBatchItemFailures',
        filterPatterns: patterns,
        maximumConcurrency: integer(sqs.maximumConcurrency, INITIAL_CONCURRENCY, 2, 1000, `${where} maximumConcurrency`),
      });
    }
  }
  return found;
}
