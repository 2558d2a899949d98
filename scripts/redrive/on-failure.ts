/**
 * The redrive of an asynchronous invocation's on-failure queue, without I/O. Each message is the invocation record
 * Lambda writes once an event's retries are spent ("Capturing records of Lambda asynchronous invocations", Lambda
 * developer guide):
 *
 *   { "version": "1.0", "timestamp", "requestContext": { "requestId", "functionArn", "condition":
 *     "RetriesExhausted" | "EventAgeExceeded", "approximateInvokeCount" }, "requestPayload": <the event>,
 *     "responseContext": { "statusCode", "executedVersion", "functionError" }, "responsePayload": <the error> }
 *
 * The function is invoked again with `requestPayload`, asynchronously, as its event source did: a failure is retried
 * by Lambda and ends in this queue again as a new record. Only then is the record deleted, so a run that stops half
 * way leaves every record it did not re-invoke. A record that cannot be re-invoked — not such a record, another
 * function's, or without `requestPayload` (Lambda drops the payload from a record over the destination's size limit)
 * — is reported and kept. A record whose references are all gone (references.ts) is reported with them and deleted:
 * there is nothing left to process, and a later run would find nothing either.
 */
import type { HeldQueue, QueueMessage } from './sqs-queue';

export interface AsyncRecord {
  requestId: string;
  condition: string;
  payload: unknown;
  /** The last error, as the function reported it. */
  error?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `functionArn` is `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`. */
const functionNameOf = (arn: string): string | undefined => arn.split(':')[6];

/** The record in a message body, or why it is not one of `functionName`'s. */
export function parseAsyncRecord(body: string, functionName: string): AsyncRecord | { malformed: string } {
  let record: unknown;
  try {
    record = JSON.parse(body);
  } catch {
    return { malformed: 'not JSON' };
  }
  if (!isObject(record) || !isObject(record.requestContext)) return { malformed: 'not an asynchronous invocation record (no requestContext)' };
  const { requestId, functionArn, condition } = record.requestContext;
  if (typeof requestId !== 'string' || typeof functionArn !== 'string' || typeof condition !== 'string') {
    return { malformed: 'not an asynchronous invocation record (requestContext without requestId, functionArn or condition)' };
  }
  const name = functionNameOf(functionArn);
  if (name !== functionName) return { malformed: `a record of ${name ?? functionArn}, not of ${functionName}` };
  if (!('requestPayload' in record) || record.requestPayload === undefined) {
    return { malformed: 'the record has no requestPayload (Lambda leaves it out of a record over the destination size limit)' };
  }
  const response = record.responsePayload;
  const error = isObject(response) && typeof response.errorMessage === 'string' ? response.errorMessage : undefined;
  return { requestId, condition, payload: record.requestPayload, ...(error === undefined ? {} : { error }) };
}

/**
 * What an event refers to that may be gone: the event to invoke with (only what is still there), and what is gone.
 * `payload` undefined: all of it is gone. Throws when it cannot tell (the record is then kept).
 */
export type References = (payload: unknown) => Promise<{ payload: unknown; gone: string[] } | { malformed: string }>;

/** AWS accepts an asynchronous invocation (`accepted`: its outcome comes later); locally it is run to the end. */
export type Reinvoked = 'accepted' | 'succeeded' | 'failed-again';

export interface OnFailureDeps {
  queue: HeldQueue;
  functionName: string;
  references?: References;
  reinvoke(payload: unknown): Promise<Reinvoked>;
  /** List what would happen; invoke and delete nothing. */
  dryRun?: boolean;
}

export interface OnFailureSummary {
  functionName: string;
  dryRun: boolean;
  /** Re-invoked and deleted (in a dry run: would be). `gone`: references left out of the event. */
  reinvoked: { messageId: string; requestId: string; condition: string; outcome: Reinvoked | 'dry-run'; gone: string[] }[];
  /** Deleted without an invocation: everything the event referred to is gone. */
  gone: { messageId: string; requestId: string; keys: string[] }[];
  /** Still in the queue, with why. */
  kept: { messageId: string; requestId?: string; reason: string }[];
}

export async function redriveOnFailure(deps: OnFailureDeps): Promise<OnFailureSummary> {
  const dryRun = deps.dryRun ?? false;
  const summary: OnFailureSummary = { functionName: deps.functionName, dryRun, reinvoked: [], gone: [], kept: [] };
  const messages = await deps.queue.receiveAll();
  const kept: QueueMessage[] = [];
  // Deleted one by one right after it is settled: a run that stops leaves at most one record it already re-invoked.
  const settle = async (message: QueueMessage) => (dryRun ? kept.push(message) : deps.queue.delete([message]));
  for (const message of messages) {
    const { messageId } = message;
    const record = parseAsyncRecord(message.body, deps.functionName);
    if ('malformed' in record) {
      summary.kept.push({ messageId, reason: record.malformed });
      kept.push(message);
      continue;
    }
    const { requestId, condition } = record;
    try {
      const checked = deps.references ? await deps.references(record.payload) : { payload: record.payload, gone: [] };
      if ('malformed' in checked) {
        summary.kept.push({ messageId, requestId, reason: checked.malformed });
        kept.push(message);
      } else if (checked.payload === undefined) {
        summary.gone.push({ messageId, requestId, keys: checked.gone });
        await settle(message);
      } else {
        const outcome = dryRun ? 'dry-run' : await deps.reinvoke(checked.payload);
        summary.reinvoked.push({ messageId, requestId, condition, outcome, gone: checked.gone });
        await settle(message);
      }
    } catch (error) {
      summary.kept.push({ messageId, requestId, reason: error instanceof Error ? error.message : String(error) });
      kept.push(message);
    }
  }
  await deps.queue.release(kept);
  return summary;
}

/** Anything left for another run: kept records, or (locally) an invocation that failed again into the queue. */
export const onFailureSettled = (summary: OnFailureSummary): boolean =>
  summary.kept.length === 0 && summary.reinvoked.every((r) => r.outcome !== 'failed-again');

/** The lines the operator reads. */
export function formatOnFailure(queueName: string, summary: OnFailureSummary): string {
  const verb = summary.dryRun ? 'would re-invoke' : 're-invoked';
  const lines = [
    `${queueName} → ${summary.functionName}${summary.dryRun ? ' (dry run: nothing invoked or deleted)' : ''}`,
    `  ${summary.reinvoked.length} ${verb}${summary.dryRun ? '' : ' and deleted'}`,
  ];
  for (const r of summary.reinvoked) {
    const outcome =
      r.outcome === 'accepted'
        ? 'accepted by Lambda (a new failure comes back to this queue after its retries)'
        : r.outcome === 'failed-again'
          ? 'failed again: a new record is in the queue'
          : r.outcome === 'succeeded'
            ? 'succeeded'
            : 'not invoked';
    lines.push(`    ${r.messageId} request ${r.requestId} (${r.condition}): ${outcome}`);
    for (const key of r.gone) lines.push(`      gone, left out of the event: ${key}`);
  }
  lines.push(`  ${summary.gone.length} with everything they refer to gone${summary.dryRun ? ' (would be deleted)' : ', deleted'}`);
  for (const g of summary.gone) lines.push(`    ${g.messageId} request ${g.requestId}: ${g.keys.join(', ')}`);
  lines.push(`  ${summary.kept.length} kept in the queue`);
  for (const k of summary.kept) lines.push(`    ${k.messageId}${k.requestId ? ` request ${k.requestId}` : ''}: ${k.reason}`);
  return lines.join('\n');
}
