/**
 * EventBridge schedule rules → Lambda, locally: the `schedule` events of serverless.yml (rules.ts) run at the times
 * of their expressions (expressions.ts, scheduler.ts) and invoke their function as EventBridge does — asynchronously
 * (common/invoke.ts invokeAsync: Lambda's retries, then the function's on-failure destination), through
 * serverless-offline's Lambda API. `POST <url>/rules/<name>/trigger` runs a rule now (endpoint.ts). Log in
 * logs/schedules.log.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import http from 'node:http';
import { resources } from '../cloudformation';
import { listen } from '../common/http-server';
import { invokeAsync } from '../common/invoke';
import { localClientConfig } from '../ports';
import type { StandIn } from '../stand-in';
import { scheduleEndpoint } from './endpoint';
import { scheduleRules } from './rules';
import { startScheduler } from './scheduler';

export const schedules: StandIn = {
  name: 'schedules',
  title: 'Starting the schedule rules (EventBridge)',
  row: { label: 'Schedules', rank: 10 },
  async start(ctx) {
    const { queues } = ctx.use(resources);
    const rules = scheduleRules(ctx.config, queues);
    const lambda = new LambdaClient({ ...localClientConfig(ctx.env.AWS_ENDPOINT_URL_LAMBDA), maxAttempts: 1 });
    const scheduler = startScheduler(rules, (rule, event) => invokeAsync(rule.target, event, { lambda, sqs: ctx.clients.sqs, log: ctx.log }), ctx.log);
    const endpoint = await listen(http.createServer(scheduleEndpoint(scheduler)), ctx.host, ctx.ports.schedules).catch(async (error: unknown) => {
      await scheduler.stop();
      throw error;
    });
    return {
      url: endpoint.url,
      note: `(${rules.length} rule${rules.length === 1 ? '' : 's'}; POST /rules/<name>/trigger runs one now)`,
      stop: async () => {
        await scheduler.stop();
        await endpoint.close();
        lambda.destroy();
      },
    };
  },
};
