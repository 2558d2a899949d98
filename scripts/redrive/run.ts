/**
 * One queue of REDRIVE_QUEUES redriven on a stage: the queues, the function and its settings found in the stack, the
 * checks that the table still says what the stack does, then dead-letter.ts or on-failure.ts. What differs between
 * AWS and the local stack comes in `RedriveContext` (scripts/redrive.ts makes both).
 */
import {
  GetQueueAttributesCommand,
  ListMessageMoveTasksCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { functionName, onFailureQueueOf } from '../local/common/intrinsics';
import type { ServiceConfig } from '../local/service-config';
import { formatMove, moveLocally, moveSettled, moveWithTask, type MoveTask } from './dead-letter';
import { formatOnFailure, onFailureSettled, redriveOnFailure, type Reinvoked } from './on-failure';
import { REDRIVE_QUEUES, type RedriveQueueName } from './queues';
import { uploadReferences } from './references';
import { sqsQueue } from './sqs-queue';

/** A function to invoke again, with the on-failure queue its failures go to. */
export interface ReinvokeTarget {
  functionKey: string;
  functionName: string;
  queueLogicalId: string;
  queueUrl: string;
}

export interface RedriveContext {
  config: ServiceConfig;
  sqs: SQSClient;
  /** The URL of a queue of the stage's stack, by logical id. */
  queueUrl(logicalId: string): Promise<string>;
  /** true: SQS message move tasks (AWS); false: the same moves made message by message (fauxqs has no tasks). */
  moveTasks: boolean;
  /** Invokes the function asynchronously with `payload`. */
  reinvoke(target: ReinvokeTarget, payload: unknown): Promise<Reinvoked>;
  /** The function's environment as deployed. */
  functionEnv(functionKey: string): Promise<Record<string, string>>;
  objectExists(bucket: string, key: string): Promise<boolean>;
  dryRun: boolean;
  /** How long to follow a move task before reporting it as still running. */
  followMs: number;
  pollMs?: number;
}

export interface RedriveResult {
  text: string;
  /** Nothing is left that this run could not move. */
  settled: boolean;
}

/** Holding dead letters only to list them: short, so a run that dies leaves them hidden from a move task briefly. */
const INSPECT_HOLD_SECONDS = 60;

async function queueArn(sqs: SQSClient, url: string, withRedrivePolicy = false): Promise<{ arn: string; redrivePolicy?: string }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: withRedrivePolicy ? ['QueueArn', 'RedrivePolicy'] : ['QueueArn'] }),
  );
  if (!Attributes.QueueArn) throw new Error(`${url} has no QueueArn`);
  return { arn: Attributes.QueueArn, redrivePolicy: Attributes.RedrivePolicy };
}

export async function redrive(name: RedriveQueueName, ctx: RedriveContext): Promise<RedriveResult> {
  const entry = REDRIVE_QUEUES[name];
  if (entry.kind === 'dead-letter') {
    const [dlqUrl, sourceUrl] = await Promise.all([ctx.queueUrl(name), ctx.queueUrl(entry.source)]);
    const [dlq, source] = await Promise.all([queueArn(ctx.sqs, dlqUrl), queueArn(ctx.sqs, sourceUrl, true)]);
    // Fail closed: a table that no longer says what the stack does would move messages to the wrong queue.
    const target = (JSON.parse(source.redrivePolicy ?? '{}') as { deadLetterTargetArn?: string }).deadLetterTargetArn;
    if (target !== dlq.arn) throw new Error(`${entry.source}'s RedrivePolicy does not name ${name} (${target ?? 'none'}); scripts/redrive/queues.ts is out of date`);

    const summary = ctx.moveTasks
      ? await moveWithTask({
          list: async () => {
            const { Results = [] } = await ctx.sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlq.arn, MaxResults: 10 }));
            return Results.map(
              (r): MoveTask => ({
                status: r.Status ?? 'UNKNOWN',
                taskHandle: r.TaskHandle,
                startedTimestamp: r.StartedTimestamp,
                approximateNumberOfMessagesMoved: r.ApproximateNumberOfMessagesMoved,
                approximateNumberOfMessagesToMove: r.ApproximateNumberOfMessagesToMove,
                failureReason: r.FailureReason,
              }),
            );
          },
          start: async () => {
            const { TaskHandle } = await ctx.sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: source.arn }));
            return TaskHandle ?? '';
          },
          deadLetters: sqsQueue(ctx.sqs, dlqUrl, INSPECT_HOLD_SECONDS),
          dryRun: ctx.dryRun,
          followMs: ctx.followMs,
          pollMs: ctx.pollMs,
        })
      : await moveLocally({
          deadLetters: sqsQueue(ctx.sqs, dlqUrl),
          sendToSource: async (message) => {
            const attributes = Object.fromEntries(
              Object.entries(message.attributes).map(([key, value]) => [
                key,
                { DataType: value.DataType, StringValue: value.StringValue, BinaryValue: value.BinaryValue },
              ]),
            );
            const { MessageId } = await ctx.sqs.send(
              new SendMessageCommand({
                QueueUrl: sourceUrl,
                MessageBody: message.body,
                ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
              }),
            );
            return MessageId ?? '';
          },
          dryRun: ctx.dryRun,
        });
    return { text: formatMove(name, entry.source, summary), settled: moveSettled(summary) };
  }

  const { functionKey } = entry;
  const fn = ctx.config.functions[functionKey] as { destinations?: { onFailure?: unknown } } | undefined;
  if (!fn) throw new Error(`${functionKey} is not a function of serverless.yml; scripts/redrive/queues.ts is out of date`);
  const destination = onFailureQueueOf(fn.destinations?.onFailure, `${functionKey}: destinations.onFailure`);
  if (destination !== name) throw new Error(`${functionKey}'s on-failure destination is ${destination ?? 'none'}, not ${name}; scripts/redrive/queues.ts is out of date`);
  const queueUrl = await ctx.queueUrl(name);
  const target: ReinvokeTarget = { functionKey, functionName: functionName(ctx.config, functionKey), queueLogicalId: name, queueUrl };
  let references;
  if ('references' in entry && entry.references === 'uploads') {
    const bucket = (await ctx.functionEnv(functionKey)).UPLOADS_BUCKET;
    if (!bucket) throw new Error(`the ${functionKey} function has no UPLOADS_BUCKET; deploy the stage first`);
    references = uploadReferences(bucket, (key) => ctx.objectExists(bucket, key));
  }
  const summary = await redriveOnFailure({
    queue: sqsQueue(ctx.sqs, queueUrl),
    functionName: target.functionName,
    references,
    reinvoke: (payload) => ctx.reinvoke(target, payload),
    dryRun: ctx.dryRun,
  });
  return { text: formatOnFailure(name, summary), settled: onFailureSettled(summary) };
}
