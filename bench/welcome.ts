/**
 * Welcome mail throughput: one 100-record stream batch through the real batch handler (Powertools batch +
 * idempotency, the SES v2 client configured as in functions/lib/clients/sesv2.ts) against an SES stand-in that takes
 * realistic time per call and enforces a send rate, answering 429 TooManyRequestsException ("Maximum sending rate
 * exceeded") above it. The baseline is the ideal for that rate: records / rate.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { sesv2Config } from '../functions/lib/clients/sesv2';
import { welcomeBatchHandler } from '../functions/welcome/batch';
import { pacedMailer, SesMailer } from '../functions/welcome/mailer';
import { InMemorySubscriberStore, lambdaContext, memoryPersistence, streamRecord, subscriberItem, RecordingDeadLetters } from '../test/support/subscriptions';
import type { BenchTable } from './run';

const RECORDS = 100;
/** A typical production SES account's maximum send rate (sandbox accounts have 1/s). */
const SEND_RATE = 14;
/** Time SES takes to answer one SendEmail, measured from a Lambda in the same region (order of magnitude). */
const LATENCY_MS = 60;

/** SES v2 SendEmail with a token bucket of SEND_RATE per second (burst of one second's worth). */
async function sesStandIn(rate: number, latencyMs: number): Promise<{ server: Server; url: string; stats: { accepted: number; throttled: number } }> {
  const stats = { accepted: 0, throttled: 0 };
  let tokens = rate;
  let refilledAt = Date.now();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        const now = Date.now();
        tokens = Math.min(rate, tokens + ((now - refilledAt) / 1000) * rate);
        refilledAt = now;
        if (tokens < 1) {
          stats.throttled += 1;
          res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' });
          res.end(JSON.stringify({ message: 'Maximum sending rate exceeded.' }));
          return;
        }
        tokens -= 1;
        stats.accepted += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ MessageId: `bench-${stats.accepted}` }));
      }, latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, stats };
}

async function runOnce(label: string, clientConfig: ConstructorParameters<typeof SESv2Client>[0], paced: boolean) {
  const ses = await sesStandIn(SEND_RATE, LATENCY_MS);
  const client = new SESv2Client({ ...clientConfig, endpoint: ses.url, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
  const handler = welcomeBatchHandler({
    mailer: paced ? pacedMailer(new SesMailer(client, 'Blog <hello@blog.example.com>', 'bench'), SEND_RATE) : new SesMailer(client, 'Blog <hello@blog.example.com>', 'bench'),
    store: new InMemorySubscriberStore(),
    settings: { unsubscribeBaseUrl: 'https://api.example.com/subscriptions', siteUrl: 'https://blog.example.com/' },
    persistenceStore: memoryPersistence(),
    deadLetters: new RecordingDeadLetters(),
    idempotencyTtlSeconds: 3600,
  });
  const records = Array.from({ length: RECORDS }, (_, i) => streamRecord(subscriberItem(i + 1)));
  // Let the stand-in's bucket start full, as an idle account's does.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const started = performance.now();
  let failed: number;
  try {
    failed = (await handler({ Records: records }, lambdaContext())).batchItemFailures.length;
  } catch {
    failed = RECORDS; // the invocation itself failed
  }
  const seconds = (performance.now() - started) / 1000;
  client.destroy();
  await new Promise((resolve) => ses.server.close(resolve));
  return { label, seconds, sent: RECORDS - failed, failed, throttled: ses.stats.throttled };
}

export async function welcomeBench(): Promise<BenchTable> {
  const idealSeconds = RECORDS / SEND_RATE;
  const runs = [
    await runOnce('paced at the send rate + adaptive retry (as deployed)', sesv2Config(), true),
    await runOnce('adaptive retry alone', sesv2Config(), false),
    await runOnce('SDK defaults (standard retry, 3 attempts)', { retryMode: 'standard', maxAttempts: 3 }, false),
  ];
  return {
    title: `Welcome mail: ${RECORDS}-record batch, SES stand-in at ${SEND_RATE}/s, ${LATENCY_MS} ms per call`,
    headers: ['client', 'seconds', 'sent', 'failed', '429s', 'records/s', 'vs ideal'],
    rows: [
      ['ideal (records / send rate)', idealSeconds.toFixed(2), RECORDS, 0, 0, SEND_RATE.toFixed(1), '1.00'],
      ...runs.map((run) => [
        run.label,
        run.seconds.toFixed(2),
        run.sent,
        run.failed,
        run.throttled,
        (run.sent / run.seconds).toFixed(1),
        // A run that failed records has not done the work: its rate would flatter it.
        run.failed > 0 ? 'n/a' : (run.sent / run.seconds / SEND_RATE).toFixed(2),
      ]),
    ],
    notes: ['target: ≥ 0.80 of ideal with no record failed; failed records would be retried by the event source'],
  };
}
