/**
 * SNS and SQS: fauxqs, an emulator of both APIs on one port ("Amazon SQS API Reference", "Amazon SNS API Reference"),
 * run on the stack's host only by fauxqs-server.mjs (its own CLI listens on every interface). Queues, topics and
 * subscriptions come from the template (cloudformation/).
 */
import path from 'node:path';
import { localUrl } from '../ports';
import { portAcceptsConnections, waitUntil } from '../common/processes';
import type { StandIn } from '../stand-in';

export const messaging: StandIn = {
  name: 'messaging',
  title: 'Starting SNS + SQS (fauxqs)',
  row: { label: 'SNS + SQS', rank: 7 },
  env: (ports) => ({
    AWS_ENDPOINT_URL_SQS: localUrl(ports.messaging),
    AWS_ENDPOINT_URL_SNS: localUrl(ports.messaging),
    LOCAL_MESSAGING_PORT: String(ports.messaging),
  }),
  async start(ctx) {
    const proc = ctx.spawn({
      command: process.execPath,
      args: [path.join(__dirname, 'fauxqs-server.mjs')],
      env: { ...ctx.env, FAUXQS_PORT: String(ctx.ports.messaging) },
    });
    await waitUntil('fauxqs', () => portAcceptsConnections(ctx.host, ctx.ports.messaging), { process: proc });
    return { url: localUrl(ctx.ports.messaging), stop: () => proc.stop() };
  },
};
