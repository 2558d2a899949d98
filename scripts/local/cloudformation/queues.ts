/**
 * The template's queues, topics and SQS subscriptions in fauxqs: AWS::SQS::Queue, AWS::SNS::Topic and
 * AWS::SNS::Subscription (CloudFormation), the references between them resolved as CloudFormation resolves them.
 */
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { resourcesOfType, type ServiceConfig } from '../service-config';
import { localArn, physicalName, resolve, type Lookup } from '../common/intrinsics';
import { conditionHolds } from './conditions';

export interface LocalQueue {
  url: string;
  arn: string;
}

/** Queue attributes CloudFormation and CreateQueue share; the rest (tags, KMS) means nothing locally. */
const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'FifoQueue',
  'ContentBasedDeduplication',
] as const;

/**
 * Creates the queues, topics and SQS subscriptions of resources/*.yml in the SNS/SQS emulator, resolving the
 * references between them (RedrivePolicy → dead-letter queue, Subscription → topic and queue).
 */
export async function createMessaging(
  config: ServiceConfig,
  sqs: SQSClient,
  sns: SNSClient,
): Promise<{ queues: Map<string, LocalQueue>; topics: Map<string, string> }> {
  const queues = new Map<string, LocalQueue>();
  const topics = new Map<string, string>();
  const lookup = messagingLookup(queues, topics);
  const queueArn = (value: unknown, where: string): string => {
    const arn = resolve(value, lookup);
    if (arn.startsWith('arn:aws:sqs:')) return arn;
    throw new Error(`${where}: ${JSON.stringify(value)} is not a queue ARN`);
  };
  // Dead-letter queues first, so that a RedrivePolicy can name them.
  const definitions = resourcesOfType(config, 'AWS::SQS::Queue').sort(
    ([, a], [, b]) => Number(Boolean(a.Properties?.RedrivePolicy)) - Number(Boolean(b.Properties?.RedrivePolicy)),
  );
  for (const [logicalId, resource] of definitions) {
    const props = resource.Properties ?? {};
    const attributes: Record<string, string> = {};
    for (const name of QUEUE_ATTRIBUTES) if (props[name] !== undefined) attributes[name] = scalar(props[name]);
    const redrive = props.RedrivePolicy as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown } | undefined;
    if (redrive) {
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: queueArn(redrive.deadLetterTargetArn, `${logicalId}.RedrivePolicy`),
        maxReceiveCount: Number(redrive.maxReceiveCount),
      });
    }
    const name = physicalName(config, logicalId, resource, 'QueueName');
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    queues.set(logicalId, { url: QueueUrl!, arn: localArn('sqs', name) });
  }

  for (const [logicalId, resource] of resourcesOfType(config, 'AWS::SNS::Topic')) {
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: physicalName(config, logicalId, resource, 'TopicName') }),
    );
    topics.set(logicalId, TopicArn!);
  }

  for (const [logicalId, resource] of resourcesOfType(config, 'AWS::SNS::Subscription')) {
    // A subscription whose Condition fails on this stage is not created (the ops alerts' email, '' locally).
    const condition = (resource as { Condition?: unknown }).Condition;
    if (typeof condition === 'string' && !conditionHolds(config, condition, logicalId)) continue;
    const props = resource.Properties ?? {};
    if (props.Protocol !== 'sqs') throw new Error(`${logicalId}: only sqs subscriptions run locally`);
    const topicArn = resolve(props.TopicArn, lookup);
    if (![...topics.values()].includes(topicArn)) throw new Error(`${logicalId}: TopicArn must reference a topic of this stack`);
    const attributes: Record<string, string> = {};
    if (props.RawMessageDelivery !== undefined) attributes.RawMessageDelivery = scalar(props.RawMessageDelivery);
    if (props.FilterPolicy !== undefined) attributes.FilterPolicy = JSON.stringify(props.FilterPolicy);
    await sns.send(
      new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: queueArn(props.Endpoint, `${logicalId}.Endpoint`), Attributes: attributes }),
    );
  }
  return { queues, topics };
}

function scalar(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`expected a plain value, got ${JSON.stringify(value)}`);
}

/**
 * What Ref and Fn::GetAtt return for the queues and topics made so far ("AWS::SQS::Queue" / "AWS::SNS::Topic",
 * Return values): a queue's Ref is its URL, a topic's its ARN.
 */
export function messagingLookup(queues: ReadonlyMap<string, LocalQueue>, topics: ReadonlyMap<string, string>): Lookup {
  const lastPart = (arn: string) => arn.slice(arn.lastIndexOf(':') + 1);
  return (logicalId, attribute = 'Ref') => {
    const queue = queues.get(logicalId);
    const topic = topics.get(logicalId);
    const values: Record<string, string> = queue
      ? { Ref: queue.url, QueueUrl: queue.url, Arn: queue.arn, QueueName: lastPart(queue.arn) }
      : topic
        ? { Ref: topic, TopicArn: topic, TopicName: lastPart(topic) }
        : {};
    return values[attribute];
  };
}
