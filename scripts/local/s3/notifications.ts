/**
 * The notification configurations of the template's buckets ("Amazon S3 Event Notifications", Amazon S3 User Guide;
 * AWS::S3::Bucket NotificationConfiguration): which events of which keys go to which function or queue. What S3
 * would refuse when the configuration is put, the local stack refuses at start — a target that is not a function or
 * queue of the stack, a queue whose policy does not let S3 send to it (queue-policy.ts), a filter other than one
 * prefix and one suffix, and two configurations of one bucket that overlap ("Configuration is ambiguously defined").
 * SNS topics and EventBridge as targets are not emulated, so they stop the stack too.
 */
import { resourcesOfType, type ServiceConfig } from '../service-config';
import { functionKeyOf, getAttOf, type Lookup } from '../common/intrinsics';
import { asyncTarget, type AsyncTarget } from '../common/invoke';
import { configurationIdOf } from './messages';
import { s3MaySendTo } from './queue-policy';

export type NotificationTarget = ({ kind: 'function' } & AsyncTarget) | { kind: 'queue'; queueLogicalId: string; queueUrl: string; queueArn: string };

export interface S3Notification {
  bucketLogicalId: string;
  bucket: string;
  /** `s3:ObjectCreated:*`, `s3:ObjectCreated:Put`, … */
  event: string;
  prefix: string;
  suffix: string;
  configurationId: string;
  target: NotificationTarget;
}

interface Configuration {
  Event?: unknown;
  Filter?: { S3Key?: { Rules?: { Name?: unknown; Value?: unknown }[] } };
  Function?: unknown;
  Queue?: unknown;
}

/** An event type as S3 names them: `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, `s3:ReducedRedundancyLostObject`. */
const EVENT_TYPE = /^s3:[A-Za-z]+(:[A-Za-z]+|:\*)?$/;

/** The filter's prefix and suffix; S3 takes their values URL-encoded ("Configuring event notifications using object key name filtering"). */
function keyFilter(filter: Configuration['Filter'], where: string): { prefix: string; suffix: string } {
  const found: Record<string, string> = {};
  for (const rule of filter?.S3Key?.Rules ?? []) {
    const name = typeof rule.Name === 'string' ? rule.Name.toLowerCase() : '';
    if ((name !== 'prefix' && name !== 'suffix') || name in found || typeof rule.Value !== 'string') {
      throw new Error(`${where}: a key filter has at most one prefix and one suffix rule, each with a string value`);
    }
    found[name] = decodeURIComponent(rule.Value.replace(/\+/g, ' '));
  }
  return { prefix: found.prefix ?? '', suffix: found.suffix ?? '' };
}

/** Two event types of which one event can be both (`s3:ObjectCreated:*` and `s3:ObjectCreated:Put`). */
function eventsOverlap(a: string, b: string): boolean {
  const [typeA, detailA] = a.split(':').slice(1);
  const [typeB, detailB] = b.split(':').slice(1);
  return typeA === typeB && (detailA === detailB || detailA === '*' || detailB === '*');
}

/** S3 refuses two configurations that one key could match for one event ("Cannot have overlapping suffixes in two rules if the prefixes are overlapping for the same event type"). */
function overlap(a: S3Notification, b: S3Notification): boolean {
  const prefixes = a.prefix.startsWith(b.prefix) || b.prefix.startsWith(a.prefix);
  const suffixes = a.suffix.endsWith(b.suffix) || b.suffix.endsWith(a.suffix);
  return eventsOverlap(a.event, b.event) && prefixes && suffixes;
}

export function s3Notifications(
  config: ServiceConfig,
  bucketNames: ReadonlyMap<string, string>,
  queues: ReadonlyMap<string, { url: string; arn: string }>,
  lookup: Lookup,
): S3Notification[] {
  const all: S3Notification[] = [];
  for (const [bucketId, resource] of resourcesOfType(config, 'AWS::S3::Bucket')) {
    const notification = (resource.Properties?.NotificationConfiguration ?? {}) as Record<string, unknown>;
    const other = Object.keys(notification).filter((key) => key !== 'LambdaConfigurations' && key !== 'QueueConfigurations');
    if (other.length > 0) throw new Error(`${bucketId}: ${other.join(', ')} of NotificationConfiguration are not emulated locally`);
    const bucket = bucketNames.get(bucketId) ?? bucketId;
    const entries = [
      ...((notification.LambdaConfigurations ?? []) as Configuration[]).map((entry) => ({ entry, kind: 'function' as const })),
      ...((notification.QueueConfigurations ?? []) as Configuration[]).map((entry) => ({ entry, kind: 'queue' as const })),
    ];
    const ofBucket: S3Notification[] = [];
    for (const { entry, kind } of entries) {
      const where = `${bucketId} NotificationConfiguration`;
      if (typeof entry.Event !== 'string' || !EVENT_TYPE.test(entry.Event)) throw new Error(`${where}: ${JSON.stringify(entry.Event)} is not an S3 event type`);
      let target: NotificationTarget;
      if (kind === 'function') {
        const functionKey = functionKeyOf(config, entry.Function);
        if (!functionKey) throw new Error(`${where}: notification target ${JSON.stringify(entry.Function)} is not a function of this service`);
        target = { kind, ...asyncTarget(config, functionKey, queues) };
      } else {
        const queueId = getAttOf(entry.Queue)?.attribute === 'Arn' ? getAttOf(entry.Queue)?.logicalId : undefined;
        const queue = queueId === undefined ? undefined : queues.get(queueId);
        if (!queueId || !queue) throw new Error(`${where}: notification target ${JSON.stringify(entry.Queue)} is not a queue of this stack (!GetAtt <Queue>.Arn)`);
        if (!s3MaySendTo(config, { logicalId: queueId, arn: queue.arn }, { name: bucket, arn: `arn:aws:s3:::${bucket}` }, lookup)) {
          throw new Error(`${where}: the policy of ${queueId} does not let S3 send ${bucketId}'s notifications (an AWS::SQS::QueuePolicy allowing sqs:SendMessage to s3.amazonaws.com)`);
        }
        target = { kind, queueLogicalId: queueId, queueUrl: queue.url, queueArn: queue.arn };
      }
      const { prefix, suffix } = keyFilter(entry.Filter, where);
      const id = kind === 'function' ? (target as AsyncTarget).functionKey : (target as { queueLogicalId: string }).queueLogicalId;
      const found: S3Notification = { bucketLogicalId: bucketId, bucket, event: entry.Event, prefix, suffix, configurationId: configurationIdOf([bucketId, entry.Event, prefix, suffix, id]), target };
      const clash = ofBucket.find((earlier) => overlap(earlier, found));
      if (clash) throw new Error(`${where}: configurations for ${clash.event} and ${found.event} overlap (prefix "${prefix}", suffix "${suffix}"); S3 refuses that`);
      ofBucket.push(found);
    }
    all.push(...ofBucket);
  }
  return all;
}

/** Whether `notification` takes an event of that name (without `s3:`) on that key of its bucket. */
export function matches(notification: S3Notification, event: { bucket: string; eventName: string; key: string }): boolean {
  const [type] = event.eventName.split(':');
  return (
    event.bucket === notification.bucket &&
    (notification.event === `s3:${event.eventName}` || notification.event === `s3:${type}:*`) &&
    event.key.startsWith(notification.prefix) &&
    event.key.endsWith(notification.suffix)
  );
}
