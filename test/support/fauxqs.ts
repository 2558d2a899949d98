/**
 * A real fauxqs (the local SNS + SQS) for tests of the stand-ins that poll or feed queues: the stack's own launcher
 * (scripts/local/messaging/fauxqs-server.mjs) as a child process on a free loopback port — fauxqs is ESM-only, which
 * Jest's CommonJS runtime cannot load in-process on Node 20.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { portAcceptsConnections, waitUntil } from '../../scripts/local/common/processes';
import { localClientConfig } from '../../scripts/local/ports';

export interface Fauxqs {
  url: string;
  sqs: SQSClient;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startFauxqs(): Promise<Fauxqs> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(__dirname, '../../scripts/local/messaging/fauxqs-server.mjs')], {
    env: { ...process.env, FAUXQS_PORT: String(port), AWS_REGION: 'us-east-1' },
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await waitUntil('fauxqs', () => portAcceptsConnections('127.0.0.1', port), { timeoutMs: 20_000 });
  const url = `http://127.0.0.1:${port}`;
  const sqs = new SQSClient(localClientConfig(url));
  return {
    url,
    sqs,
    async stop() {
      sqs.destroy();
      child.kill('SIGTERM');
      await exited;
    },
  };
}
