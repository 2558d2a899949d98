/**
 * SNS → Lambda, locally: each `sns` event of serverless.yml (subscriptions.ts) gets a queue subscribed to its topic in
 * fauxqs and a delivery loop (delivery.ts) that invokes the function asynchronously through serverless-offline's
 * Lambda API, as SNS invokes it. Log in logs/topics.log.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { resources } from '../cloudformation';
import { localClientConfig } from '../ports';
import type { StandIn } from '../stand-in';
import { startTopicDelivery, type TopicDelivery } from './delivery';
import { topicSubscriptions } from './subscriptions';

/** Long enough for an invocation and Lambda's two retries (common/invoke.ts), so a message is not received twice. */
const DELIVERY_VISIBILITY_SECONDS = 300;

export const topicDeliveries: StandIn = {
  name: 'topics',
  title: 'Subscribing functions to their SNS topics',
  async start(ctx) {
    const { topics, queues } = ctx.use(resources);
    const subscriptions = topicSubscriptions(ctx.config, topics, queues);
    // One attempt per Invoke: invokeAsync decides what a failure comes to (Lambda's rules).
    const lambda = new LambdaClient({ ...localClientConfig(ctx.env.AWS_ENDPOINT_URL_LAMBDA), maxAttempts: 1 });
    const deliveries: TopicDelivery[] = [];
    for (const subscription of subscriptions) {
      const { QueueUrl } = await ctx.clients.sqs.send(
        new CreateQueueCommand({ QueueName: subscription.deliveryQueueName, Attributes: { VisibilityTimeout: String(DELIVERY_VISIBILITY_SECONDS) } }),
      );
      const { Attributes } = await ctx.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
      const { SubscriptionArn } = await ctx.clients.sns.send(
        new SubscribeCommand({
          TopicArn: subscription.topicArn,
          Protocol: 'sqs',
          Endpoint: Attributes?.QueueArn,
          Attributes: subscription.filterPolicy === undefined ? {} : { FilterPolicy: JSON.stringify(subscription.filterPolicy) },
        }),
      );
      ctx.log(`${subscription.functionKey} subscribed to ${subscription.topicLogicalId} (${SubscriptionArn})`);
      deliveries.push(
        startTopicDelivery({ queueUrl: QueueUrl!, subscriptionArn: SubscriptionArn ?? '', target: subscription.target, sqs: ctx.clients.sqs, lambda, log: ctx.log }),
      );
    }
    return {
      stop: async () => {
        await Promise.all(deliveries.map((delivery) => delivery.stop()));
        lambda.destroy();
      },
    };
  },
};
