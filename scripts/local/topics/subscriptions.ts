/**
 * The framework's `sns` events of serverless.yml — a function subscribed to a topic ("Invoking Lambda functions with
 * Amazon SNS notifications", Lambda developer guide) — on topics of the stack. An `sns` event on a topic the local
 * stack does not have, or one it cannot deliver the same way (a subscription dead-letter queue), stops the stack.
 */
import { asyncTarget, type AsyncTarget } from '../common/invoke';
import { localPhysicalName } from '../common/intrinsics';
import type { ServiceConfig } from '../service-config';

export interface TopicSubscription {
  functionKey: string;
  topicLogicalId: string;
  topicArn: string;
  /** The SNS subscription's filter policy, applied by fauxqs as SNS applies it. */
  filterPolicy?: unknown;
  /** The queue the topic delivers to locally (fauxqs delivers to SQS only): `<service>-<stage>-<key>-sns-delivery`. */
  deliveryQueueName: string;
  /** The function's asynchronous settings: its retries and on-failure queue. */
  target: AsyncTarget;
}

export function topicSubscriptions(
  config: ServiceConfig,
  topics: ReadonlyMap<string, string>,
  queues: ReadonlyMap<string, { url: string }>,
): TopicSubscription[] {
  const found: TopicSubscription[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    for (const event of fn.events ?? []) {
      const declared = (event as { sns?: unknown }).sns;
      if (declared === undefined) continue;
      const where = `${functionKey}: sns event`;
      const sns = (typeof declared === 'string' ? { arn: declared } : declared) as Record<string, unknown>;
      if (sns.redrivePolicy !== undefined) throw new Error(`${where}: a subscription dead-letter queue is not emulated locally`);
      const topic = [...topics].find(([, arn]) => arn === sns.arn);
      if (!topic) {
        throw new Error(`${where}: ${JSON.stringify(sns.arn)} is not a topic of this stack (set the local param to its ARN, ${[...topics.values()].join(', ')})`);
      }
      found.push({
        functionKey,
        topicLogicalId: topic[0],
        topicArn: topic[1],
        ...(sns.filterPolicy === undefined ? {} : { filterPolicy: sns.filterPolicy }),
        deliveryQueueName: `${localPhysicalName(config, functionKey)}-sns-delivery`,
        target: asyncTarget(config, functionKey, queues),
      });
    }
  }
  return found;
}
