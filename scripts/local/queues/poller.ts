/**
 * One SQS event source mapping, polled as Lambda polls it ("Using Lambda with Amazon SQS", "Handling errors for an
 * SQS event source in Lambda", Lambda developer guide):
 * - Long polling; a batch is gathered until it holds batchSize messages, the batching window has passed since its
 *   first message, or its event would pass the 6 MB payload limit of a synchronous invocation ("Lambda continues to
 *   poll messages until …"). With no window, one receive is one batch.
 * - Up to `maximumConcurrency` batches in flight at once; no message is received while every slot is busy.
 * - The function is invoked synchronously with the batch. It succeeded: the batch is deleted. A function error, or an
 *   invocation that never reached the function: nothing is deleted, and every message comes back once the queue's
 *   visibility timeout ends. With ReportBatchItemFailures, only the messages it names stay (event.ts).
 * - Messages that match none of the filterPatterns are deleted without an invocation, as Lambda deletes them.
 * - A window longer than the queue's visibility timeout lets a gathered message be received again before its batch
 *   goes ("set the source queue's visibility timeout to at least six times the function timeout"): it counts that
 *   receive, as on AWS, and stays one record of the batch.
 * - After maxReceiveCount receives a message is moved to the dead-letter queue of the queue's RedrivePolicy — by the
 *   queue itself: fauxqs does it on receive, as SQS does (node_modules/fauxqs/dist/sqs/sqsStore.js, dequeue).
 *
 * Each long poll here lasts at most a second where Lambda's last 20: a receive cut short by stopping would hide the
 * messages it still got for the whole visibility timeout, so the poller waits for its receive to end instead, and a
 * short one keeps that wait short. How soon a message arrives is the same either way.
 * Stopping: no message is received any more; messages gathered and not yet handed to the function are made visible
 * again at once (ChangeMessageVisibility 0); batches in flight finish and are settled.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Invocation } from '../common/invoke';
import { oneLine } from '../common/log';
import { matchesPattern } from '../streams/filters';
import { batchOutcome, sqsRecord } from './event';
import type { QueueSubscription } from './subscriptions';

/** "up to the payload limit for synchronous invocation (6 MB)". */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** SQS returns at most 10 messages a receive. */
const MAX_RECEIVE = 10;

export interface PollerIo {
  sqs: SQSClient;
  /** One synchronous invocation of the mapping's function; throws when the Lambda API cannot be reached. */
  invoke: (event: SQSEvent) => Promise<Invocation>;
  log: (message: string) => void;
}

export interface QueuePoller {
  stop(): Promise<void>;
}

/** The record as filter patterns see it: a JSON body as its value, any other body as its text. */
function filterView(record: SQSRecord): unknown {
  try {
    return { ...record, body: JSON.parse(record.body) as unknown };
  } catch {
    return record;
  }
}

export function startQueuePoller(subscription: QueueSubscription, io: PollerIo, options: { pollWaitSeconds?: number } = {}): QueuePoller {
  const { functionKey, queueUrl, queueArn, batchSize, batchWindowMs } = subscription;
  const pollWait = options.pollWaitSeconds ?? 1;
  const log = (message: string) => io.log(`${functionKey} ← ${subscription.queueLogicalId}: ${message}`);
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let free = subscription.maximumConcurrency;
  let wake: (() => void) | undefined;

  const inChunks = async (messages: { receiptHandle: string }[], send: (entries: { Id: string; ReceiptHandle: string }[]) => Promise<{ Failed?: unknown[] }>) => {
    for (let start = 0; start < messages.length; start += MAX_RECEIVE) {
      const entries = messages.slice(start, start + MAX_RECEIVE).map((message, index) => ({ Id: String(index), ReceiptHandle: message.receiptHandle }));
      const { Failed = [] } = await send(entries);
      if (Failed.length > 0) log(`${Failed.length} message(s) could not be settled: ${JSON.stringify(Failed)}`);
    }
  };
  const remove = (records: SQSRecord[]) =>
    inChunks(records, (Entries) => io.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries })));
  const release = (messages: Message[]) =>
    inChunks(
      messages.map((message) => ({ receiptHandle: message.ReceiptHandle ?? '' })),
      (Entries) => io.sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: Entries.map((entry) => ({ ...entry, VisibilityTimeout: 0 })) })),
    );

  const gather = async (): Promise<Message[]> => {
    const batch: Message[] = [];
    let bytes = 0;
    let windowEnds: number | undefined;
    while (!stopping && batch.length < batchSize) {
      const remaining = windowEnds === undefined ? Number.POSITIVE_INFINITY : windowEnds - Date.now();
      if (remaining <= 0) break;
      const waitSeconds = Math.min(pollWait, Math.floor(remaining / 1000));
      let received: Message[];
      try {
        const answer = await io.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: Math.min(MAX_RECEIVE, batchSize - batch.length),
            WaitTimeSeconds: waitSeconds,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        received = answer.Messages ?? [];
      } catch (error) {
        if (!stopping) log(`receive failed: ${oneLine(error)}`);
        await sleep(Math.min(1000, remaining));
        continue;
      }
      const overflow: Message[] = [];
      for (const message of received) {
        // Received again within the window (its visibility timeout ended while the batch was gathered): one record,
        // with the newer receipt handle, the only one SQS still takes ("the most recently received receipt handle").
        const earlier = batch.findIndex((kept) => kept.MessageId === message.MessageId);
        if (earlier >= 0) {
          batch[earlier] = message;
          continue;
        }
        const size = Buffer.byteLength(JSON.stringify(sqsRecord(message, queueArn)));
        if (batch.length > 0 && bytes + size > MAX_PAYLOAD_BYTES) overflow.push(message);
        else {
          batch.push(message);
          bytes += size;
        }
      }
      if (overflow.length > 0) {
        await release(overflow);
        break;
      }
      if (batch.length > 0 && windowEnds === undefined) {
        if (batchWindowMs === 0) break;
        windowEnds = Date.now() + batchWindowMs;
      }
      if (received.length === 0 && waitSeconds === 0 && windowEnds !== undefined) await sleep(Math.min(50, Math.max(0, windowEnds - Date.now())));
    }
    return batch;
  };

  const deliver = async (batch: Message[]): Promise<void> => {
    const records = batch.map((message) => sqsRecord(message, queueArn));
    const patterns = subscription.filterPatterns;
    const wanted = patterns.length === 0 ? records : records.filter((record) => patterns.some((pattern) => matchesPattern(pattern, filterView(record))));
    if (wanted.length < records.length) {
      await remove(records.filter((record) => !wanted.includes(record)));
      log(`${records.length - wanted.length} message(s) matched no filter pattern: deleted`);
    }
    if (wanted.length === 0) return;
    let result: Invocation;
    try {
      result = await io.invoke({ Records: wanted });
    } catch (error) {
      log(`${wanted.length} message(s) not delivered, back after the visibility timeout: ${oneLine(error)}`);
      return;
    }
    const outcome = batchOutcome(result, wanted.map((record) => record.messageId), subscription.reportBatchItemFailures);
    await remove(wanted.filter((record) => !outcome.failed.has(record.messageId)));
    const failed = outcome.failed.size > 0 ? `, ${outcome.failed.size} back after the visibility timeout${outcome.reason ? ` (${outcome.reason})` : ''}` : '';
    log(`${wanted.length} message(s) delivered, ${wanted.length - outcome.failed.size} deleted${failed}`);
  };

  const loop = async (): Promise<void> => {
    log(`polling ${queueArn} (batch ${batchSize}, window ${batchWindowMs} ms, ${subscription.maximumConcurrency} at once)`);
    while (!stopping) {
      while (free === 0 && !stopping) await new Promise<void>((resolve) => (wake = resolve));
      if (stopping) break;
      let batch: Message[];
      try {
        batch = await gather();
        if (batch.length === 0) continue;
        if (stopping) {
          await release(batch);
          break;
        }
      } catch (error) {
        log(`polling failed: ${oneLine(error)}`);
        await sleep(1000);
        continue;
      }
      free -= 1;
      const run = deliver(batch)
        .catch((error: unknown) => log(`batch failed: ${oneLine(error)}`))
        .finally(() => {
          free += 1;
          inFlight.delete(run);
          wake?.();
        });
      inFlight.add(run);
    }
  };
  const running = loop();

  return {
    async stop() {
      stopping = true;
      wake?.();
      await running;
      await Promise.all([...inFlight]);
    },
  };
}
