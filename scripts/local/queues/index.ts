/**
 * SQS → Lambda, locally: a poller (poller.ts) per `sqs` event of serverless.yml, doing what Lambda's SQS event source
 * mapping does, with the settings of subscriptions.ts, on the queues of resources/*.yml in fauxqs, invoking the
 * function through serverless-offline's Lambda API (the same bundle and handler as the HTTP routes). Log in
 * logs/queues.log.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { resources } from '../cloudformation';
import { invoke } from '../common/invoke';
import { localClientConfig } from '../ports';
import type { StandIn } from '../stand-in';
import { startQueuePoller } from './poller';
import { queueSubscriptions } from './subscriptions';

export const queuePollers: StandIn = {
  name: 'queues',
  title: 'Starting SQS pollers (event source mappings)',
  async start(ctx) {
    const { queues } = ctx.use(resources);
    const subscriptions = queueSubscriptions(ctx.config, queues);
    // One attempt per Invoke: what a failed invocation comes to is the poller's to decide (Lambda's rules).
    const lambda = new LambdaClient({ ...localClientConfig(ctx.env.AWS_ENDPOINT_URL_LAMBDA), maxAttempts: 1 });
    const pollers = subscriptions.map((subscription) =>
      startQueuePoller(subscription, { sqs: ctx.clients.sqs, invoke: (event) => invoke(lambda, subscription.functionName, event), log: ctx.log }),
    );
    return {
      stop: async () => {
        await Promise.all(pollers.map((poller) => poller.stop()));
        lambda.destroy();
      },
    };
  },
};
