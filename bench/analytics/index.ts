/**
 * `npm run bench -- analytics`: the data set of dataset.ts (100 000 events, seeded) through the local pipeline of
 * `npm start` — a stack of its own, fresh, on port offset BENCH_PORT_OFFSET (default 2400). Measured in one run:
 * - ingest: the `events` function (invoked as API Gateway invokes it, through the local Lambda API, so the route's
 *   throttle — a setting, not code — stays out) against raw PutRecords of the same records to the same stream, on the
 *   same requests, side by side in chunks so the machine's drift hits both;
 * - transform: the `analyticsTransform` function invoked with Firehose's events against its pure core
 *   (transformRecords + toFirehoseResult) called in this process on the same batches;
 * - freshness: from the API's receipt of each event (receivedAt) to the first listing of the bucket that shows the
 *   object holding it (the local Athena reads the bucket at each query, so listed = queryable), p50 and p95;
 * - report build: one rebuild of every report (the `reports` function, invoked as the schedule invokes it);
 * and the reports it built are compared with the ones dataset.ts counted, exactly.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { isbot } from 'isbot';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { toFirehoseResult, transformRecords } from '../../functions/analytics-transform/analytics-transform';
import { ipHasher } from '../../functions/analytics-transform/anonymise';
import { browserFamily, deviceClass } from '../../functions/analytics-transform/user-agent';
import { toStreamRecords } from '../../functions/events/events';
import { REPORT_NAMES } from '../../functions/lib/reports';
import { localKinesisClient } from '../../scripts/local/kinesis';
import { localClientConfig, localS3ClientConfig } from '../../scripts/local/ports';
import { param, ROOT } from '../../scripts/local/service-config';
import { startLocalStack } from '../../scripts/local/stack';
import type { BenchTable } from '../run';
import { makeDataset, type DatasetEvent, type DatasetRequest } from './dataset';

const SERVICE = 'serverless-blog-local';
const STREAM = `${SERVICE}-analytics-stream`;
const INGESTION = `${SERVICE}-ingestion-bucket`;
const REPORTING = `${SERVICE}-reporting-bucket`;
/** Requests in flight at once, on both ingest paths. */
const CONCURRENCY = 4;
/** What Firehose hands the transform at once, as deployed: up to 1 MB of records (processor BufferSizeInMBs 1). */
const TRANSFORM_BATCH_BYTES = 1024 * 1024;
const TRANSFORM_SAMPLE = 20_000;

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/** The events as the browser sends them: clientTime stamped at the first send, kept for a resend. */
const clientTimes = new Map<string, string>();
const withClientTime = (events: DatasetEvent[]) =>
  events.map((event) => {
    if (!clientTimes.has(event.eventId)) clientTimes.set(event.eventId, new Date().toISOString());
    return { ...event, clientTime: clientTimes.get(event.eventId)! };
  });

/** The HTTP API's event for POST /events from the request's reader (events/http/post-events.json's shape). */
function apiEvent(request: DatasetRequest, now: Date): Record<string, unknown> {
  const body = JSON.stringify({ events: withClientTime(request.events) });
  return {
    version: '2.0',
    routeKey: 'POST /events',
    rawPath: '/events',
    rawQueryString: '',
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-length': String(Buffer.byteLength(body)), 'user-agent': request.userAgent },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: '127.0.0.1',
      http: { method: 'POST', path: '/events', protocol: 'HTTP/1.1', sourceIp: request.sourceIp, userAgent: request.userAgent },
      requestId: randomUUID(),
      routeKey: 'POST /events',
      stage: '$default',
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}

async function invokeJson(lambda: LambdaClient, functionName: string, event: unknown): Promise<unknown> {
  const answer = await lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(event)) }));
  const payload = JSON.parse(Buffer.from(answer.Payload ?? []).toString() || 'null') as unknown;
  if (answer.FunctionError) throw new Error(`${functionName}: ${answer.FunctionError} ${JSON.stringify(payload)}`);
  return payload;
}

async function putRecords(kinesis: KinesisClient, records: { partitionKey: string; data: string }[]): Promise<void> {
  let pending = records;
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt === 10) throw new Error(`PutRecords: ${pending.length} records still refused`);
    const answer = await kinesis.send(
      new PutRecordsCommand({ StreamName: STREAM, Records: pending.map((r) => ({ PartitionKey: r.partitionKey, Data: Buffer.from(r.data) })) }),
    );
    pending = pending.filter((_, i) => answer.Records?.[i]?.ErrorCode);
  }
}

async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    out.push(...(page.Contents ?? []).map((o) => ({ key: o.Key!, size: o.Size ?? 0 })));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

const bytesOf = async (s3: S3Client, bucket: string, key: string) =>
  Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray());

/**
 * Events in the data set: 100 000 by default. kinesis-local slows down as its stream fills (measured here, 4 shards:
 * ~650 records/s into an empty stream, ~130/s past 25 000 records, ~60/s with its persistence on), so the full set
 * takes hours on it; ANALYTICS_BENCH_EVENTS=<n> runs a smaller seeded set with the same mix.
 */
const EVENTS = Number(process.env.ANALYTICS_BENCH_EVENTS ?? 100_000);

export async function analyticsBench(): Promise<BenchTable> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const dataset = makeDataset(EVENTS);
  const offset = Number(process.env.BENCH_PORT_OFFSET ?? 2400);
  const stateDir = path.join(ROOT, '.local', 'bench-analytics');
  console.error(`analytics: starting a local stack (offset ${offset}, ${stateDir})…`);
  const stack = await startLocalStack({ portOffset: offset, stateDir, fresh: true });
  const lambda = new LambdaClient({ ...localClientConfig(stack.env.AWS_ENDPOINT_URL_LAMBDA), maxAttempts: 1 });
  const s3 = new S3Client(localS3ClientConfig(stack.env.AWS_ENDPOINT_URL_S3));
  const kinesis = localKinesisClient(stack.env.AWS_ENDPOINT_URL_KINESIS);
  const work = mkdtempSync(path.join(tmpdir(), 'bench-analytics-'));
  const day = new Date().toISOString().slice(0, 10);

  // Freshness: the first time a listing shows each object.
  const firstSeen = new Map<string, number>();
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const now = Date.now();
      for (const { key } of await listAll(s3, INGESTION, 'events/').catch(() => [])) if (!firstSeen.has(key)) firstSeen.set(key, now);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();

  try {
    // --- ingest: the function and raw PutRecords, on the same chunks of requests ---
    const chunks: DatasetRequest[][] = [];
    for (let i = 0; i < dataset.requests.length; i += 200) chunks.push(dataset.requests.slice(i, i + 200));
    const fn = { ms: 0, events: 0 };
    const raw = { ms: 0, events: 0 };
    const fnOnSampled = { ms: 0, events: 0 };
    const statuses = new Map<number, number>();
    for (const [index, chunk] of chunks.entries()) {
      const sampled = index % 4 === 0;
      const baseline = async () => {
        // What the function would write for the requests it accepts, as raw PutRecords of the same size.
        const batches = chunk.filter((r) => !r.refused).map((r) => toStreamRecords(withClientTime(r.events), { receivedAt: new Date(), sourceIp: r.sourceIp, userAgent: r.userAgent }));
        const began = performance.now();
        await inParallel(batches, CONCURRENCY, (records) => putRecords(kinesis, records));
        raw.ms += performance.now() - began;
        raw.events += batches.reduce((n, b) => n + b.length, 0);
      };
      const throughFunction = async () => {
        const began = performance.now();
        await inParallel(chunk, CONCURRENCY, async (request) => {
          const answer = (await invokeJson(lambda, `${SERVICE}-events`, apiEvent(request, new Date()))) as { statusCode: number };
          statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
          const expected = request.refused ? 400 : 202;
          if (answer.statusCode !== expected) throw new Error(`POST /events answered ${answer.statusCode}, expected ${expected}: ${JSON.stringify(answer)}`);
        });
        const ms = performance.now() - began;
        const events = chunk.filter((r) => !r.refused).reduce((n, r) => n + r.events.length, 0);
        fn.ms += ms;
        fn.events += events;
        if (sampled) {
          fnOnSampled.ms += ms;
          fnOnSampled.events += events;
        }
      };
      // The stream slows as it fills: the two take turns going first.
      if (sampled && index % 8 === 0) await baseline();
      await throughFunction();
      if (sampled && index % 8 !== 0) await baseline();
    }
    // The records no ingest would write: a faulty producer on the same stream.
    await putRecords(kinesis, dataset.malformedRecords.map((data, i) => ({ partitionKey: `malformed-${i}`, data })));
    const ingestDone = Date.now();
    console.error(`analytics: ingested in ${seconds(fn.ms)} s; waiting for the delivery…`);

    // --- wait until every kept event and every malformed record is in the bucket ---
    const duckdb = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const db = await duckdb.connect();
    /** Each object's key → the file it was downloaded to, once. */
    const fetched = new Map<string, string>();
    const fetchNew = async (prefix: string) => {
      for (const { key } of await listAll(s3, INGESTION, prefix)) {
        if (fetched.has(key)) continue;
        const file = path.join(work, `${prefix.replace(/\W/g, '')}-${fetched.size}${key.endsWith('.parquet') ? '.parquet' : '.json'}`);
        writeFileSync(file, await bytesOf(s3, INGESTION, key));
        fetched.set(key, file);
      }
    };
    const count = async (sql: string) => Number((await db.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
    let distinct = 0;
    let failed = 0;
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      await fetchNew('events/');
      await fetchNew('errors/');
      distinct = await count(`SELECT count(DISTINCT event_id) FROM read_parquet('${work}/events*.parquet')`).catch(() => 0);
      failed = await count(`SELECT count(*) FROM read_json_auto('${work}/errors*.json', format = 'newline_delimited')`).catch(() => 0);
      if (distinct >= dataset.counts.kept && failed >= dataset.counts.malformed) break;
      if (Date.now() > deadline) throw new Error(`delivery incomplete after 15 min: ${distinct}/${dataset.counts.kept} events, ${failed}/${dataset.counts.malformed} errors`);
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const deliveredMs = Date.now() - ingestDone;
    watching = false;
    await watcher;
    await fetchNew('events/'); // an object the watcher listed after the last round above

    // Freshness per row: first listing of its object − receivedAt.
    const lags: number[] = [];
    for (const [key, seen] of firstSeen) {
      // Every object the watcher saw was downloaded while waiting for the delivery (events/ only holds Parquet).
      const rows = (await db.runAndReadAll(`SELECT epoch_ms(received_at) FROM read_parquet('${fetched.get(key)!}')`)).getRows();
      for (const [received] of rows) lags.push(seen - Number(received));
    }
    lags.sort((a, b) => a - b);

    // --- transform: the function against its core, on the same batches ---
    const key = randomBytes(32);
    const sample = dataset.requests
      .filter((r) => !r.refused)
      .flatMap((r) => toStreamRecords(withClientTime(r.events), { receivedAt: new Date(), sourceIp: r.sourceIp, userAgent: r.userAgent }))
      .slice(0, TRANSFORM_SAMPLE)
      .map((record, i) => ({ recordId: `r${i}`, approximateArrivalTimestamp: Date.now(), data: Buffer.from(record.data).toString('base64') }));
    const batches: (typeof sample)[] = [];
    let batch: typeof sample = [];
    let bytes = 0;
    for (const record of sample) {
      const size = Buffer.byteLength(record.data, 'base64');
      if (bytes + size > TRANSFORM_BATCH_BYTES && batch.length > 0) {
        batches.push(batch);
        batch = [];
        bytes = 0;
      }
      batch.push(record);
      bytes += size;
    }
    if (batch.length > 0) batches.push(batch);
    const deps = { ipHash: ipHasher(key), isBot: isbot, browserFamily, deviceClass };
    let began = performance.now();
    for (const records of batches) toFirehoseResult(transformRecords(records, deps));
    const coreMs = performance.now() - began;
    const firehoseEvent = (records: typeof sample) => ({
      invocationId: randomUUID(),
      deliveryStreamArn: `arn:aws:firehose:us-east-1:000000000000:deliverystream/${SERVICE}-analytics`,
      region: 'us-east-1',
      records,
    });
    await invokeJson(lambda, `${SERVICE}-analyticsTransform`, firehoseEvent(batches[0]!.slice(0, 1))); // warm: Init is not throughput
    began = performance.now();
    for (const records of batches) await invokeJson(lambda, `${SERVICE}-analyticsTransform`, firehoseEvent(records));
    const functionMs = performance.now() - began;

    // --- one rebuild of every report, then the reports against the data set's own counts ---
    const scheduled = { version: '0', id: randomUUID(), 'detail-type': 'Scheduled Event', source: 'aws.events', account: '000000000000', time: new Date().toISOString(), region: 'us-east-1', resources: [], detail: {} };
    began = performance.now();
    await invokeJson(lambda, `${SERVICE}-reports`, scheduled);
    const reportMs = performance.now() - began;
    if (new Date().toISOString().slice(0, 10) !== day) throw new Error('the run crossed midnight UTC: the expected reports assume one day; run it again');
    const expected = dataset.expected(day);
    const mismatched: string[] = [];
    for (const name of REPORT_NAMES) {
      const built = JSON.parse((await bytesOf(s3, REPORTING, `reports/${name}.json`)).toString()) as unknown;
      if (JSON.stringify(built) !== JSON.stringify(expected[name])) mismatched.push(name);
    }
    db.closeSync();
    duckdb.closeSync();

    const rate = (events: number, ms: number) => events / (ms / 1000);
    const interval = Number(param(stack.config, 'analyticsBufferSeconds'));
    return {
      title: `Analytics: ${dataset.total.toLocaleString('en')} seeded events through the local pipeline (${dataset.counts.bots} from bots, ${dataset.counts.repeated} resent, ${dataset.counts.refused} in refused requests, ${dataset.counts.malformed} malformed records)`,
      headers: ['measure', 'value', 'baseline', 'ratio', 'target'],
      rows: [
        ['ingest: events function vs raw PutRecords (events/s, same chunks)', rate(fnOnSampled.events, fnOnSampled.ms).toFixed(0), rate(raw.events, raw.ms).toFixed(0), (rate(fnOnSampled.events, fnOnSampled.ms) / rate(raw.events, raw.ms)).toFixed(2), '≥ 0.80'],
        ['ingest: all requests (events/s)', rate(fn.events, fn.ms).toFixed(0), '', '', ''],
        ['transform: function vs its core (records/s)', rate(sample.length, functionMs).toFixed(0), rate(sample.length, coreMs).toFixed(0), (coreMs / functionMs).toFixed(2), '≥ 0.70'],
        ['freshness p50 (s, receipt → listed in the bucket)', seconds(percentile(lags, 50)), `interval ${interval} s`, (percentile(lags, 50) / 1000 / interval).toFixed(2), ''],
        ['freshness p95 (s)', seconds(percentile(lags, 95)), `interval ${interval} s`, (percentile(lags, 95) / 1000 / interval).toFixed(2), '≤ 2.00'],
        ['delivery drained after the last PutRecords (s)', seconds(deliveredMs), '', '', ''],
        ['report build, all five (s)', seconds(reportMs), '', '', ''],
        ['reports equal to the data set’s counts', mismatched.length === 0 ? `${REPORT_NAMES.length}/${REPORT_NAMES.length}` : `NO: ${mismatched.join(', ')}`, '', '', 'all'],
      ],
      notes: [
        `statuses of POST /events: ${JSON.stringify(Object.fromEntries(statuses))}; rows delivered: ${distinct} distinct events (kept: ${dataset.counts.kept}), ${failed} error records (malformed: ${dataset.counts.malformed})`,
        `freshness over ${lags.length} delivered rows; the local stage buffers ${interval} s (analyticsBufferSeconds) and 1 s for the transform`,
        'ingest through the Lambda API, as API Gateway invokes the function: the route throttle (eventsRateLimit) is a setting, not code',
      ],
    };
  } finally {
    watching = false;
    await watcher.catch(() => undefined);
    lambda.destroy();
    s3.destroy();
    kinesis.destroy();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
