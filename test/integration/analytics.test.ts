/**
 * Beacons through the local pipeline as a browser sends them: POST /events on the local API (front →
 * serverless-offline → the events function) → kinesis-local → the local Firehose (the analyticsTransform function, its
 * partition keys, Parquet through the Glue table) → the IngestionBucket of the local S3. The rows are read back with
 * DuckDB. Also: what the API refuses never reaches the stream, no object holds the reader's address, and a Kinesis
 * outage is a 503 the beacon can retry, with nothing lost once Kinesis is back.
 */
import { GetObjectCommand, ListObjectsCommand } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { portAcceptsConnections, spawnManaged, waitUntil } from '../../scripts/local/common/processes';
import { kinesisLocalProcess } from '../../scripts/local/kinesis';
import { HOST } from '../../scripts/local/ports';
import type { AnalyticsEvent } from '../support/analytics-events';
import { apiUrl, ports, s3, stateDir } from './local';

jest.setTimeout(120_000);

const BUCKET = 'serverless-blog-local-ingestion-bucket';
/** The reader's address: the API front connects from the caller's own loopback address, so this is the sourceIp. */
const READER_IP = '127.0.0.77';
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const FIREFOX_MOBILE = 'Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0';
const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** POST /events from READER_IP (node:http: a local address, and ports fetch refuses at some offsets). */
function post(body: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${apiUrl}/events`,
      {
        method: 'POST',
        localAddress: READER_IP,
        headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': CHROME, 'content-length': String(Buffer.byteLength(body)), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pageView = (path: string, extra: Record<string, unknown> = {}) => ({
  eventId: randomUUID(),
  type: 'page_view',
  path,
  clientTime: new Date().toISOString(),
  ...extra,
});
const beacon = (...events: unknown[]) => JSON.stringify({ events });

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function keys(prefix = ''): Promise<string[]> {
  const out: string[] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await s3.send(new ListObjectsCommand({ Bucket: BUCKET, Prefix: prefix, ...(marker ? { Marker: marker } : {}) }));
    out.push(...(page.Contents ?? []).map((object) => object.Key!));
    if (!page.IsTruncated || out.length === 0) return out;
    marker = out.at(-1);
  }
}

const objectBytes = async (key: string): Promise<Buffer> =>
  Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());

/** A row of the events table, with the key of the object that holds it. */
type EventRow = AnalyticsEvent & { key: string };

describe('analytics: beacons → Kinesis → Firehose → Parquet in the ingestion bucket', () => {
  let duckdb: DuckDBInstance;
  let connection: DuckDBConnection;
  const downloads = mkdtempSync(path.join(tmpdir(), 'ingestion-'));

  beforeAll(async () => {
    duckdb = await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    connection = await duckdb.connect();
  });
  afterAll(() => {
    connection.closeSync();
    duckdb.closeSync();
  });

  /** Every row of every Parquet object under events/, with the key of its object. */
  async function rows(): Promise<EventRow[]> {
    const files = new Map<string, string>();
    for (const key of (await keys('events/')).filter((k) => k.endsWith('.parquet'))) {
      const file = path.join(downloads, `${key.replaceAll('/', '_')}`);
      writeFileSync(file, await objectBytes(key));
      files.set(file, key);
    }
    if (files.size === 0) return [];
    const list = [...files.keys()].map((file) => `'${file}'`).join(', ');
    const result = await connection.runAndReadAll(
      `SELECT * REPLACE (strftime(client_time, '%Y-%m-%dT%H:%M:%S.%g') AS client_time, strftime(received_at, '%Y-%m-%dT%H:%M:%S.%g') AS received_at)
       FROM read_parquet([${list}], filename = true)`,
    );
    return result.getRowObjectsJson().map((row) => ({ ...(row as unknown as EventRow), key: files.get(row.filename as string)! }));
  }

  /** Waits until every event id has a row (and the buffers had time to write a wrong extra one), then the rows of them. */
  async function rowsOf(eventIds: readonly string[], timeoutMs = 60_000): Promise<EventRow[]> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = (await rows()).filter((row) => eventIds.includes(row.event_id));
      if (eventIds.every((id) => found.some((row) => row.event_id === id))) return found;
      if (Date.now() > until) throw new Error(`rows for ${eventIds.length - new Set(found.map((r) => r.event_id)).size} event(s) did not arrive`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  it('stores page views as Parquet rows under events/dt=…/hour=…/: one row per event, bots and repeats dropped', async () => {
    // Prepare
    const session = randomUUID();
    const home = pageView('/', { sessionId: session });
    const post1 = pageView('/posts/hello-serverless.html', { sessionId: session, referrer: 'https://News.Example.org/front?x=1' });
    const again = { ...post1 }; // the same event twice in one beacon (a retried send)
    const mobile = pageView('/posts/second.html');
    const crawled = pageView('/posts/crawled.html');
    const malformed = pageView('/posts/x.html', { type: 'page_click' });

    // Act
    const answers = [
      await post(beacon(home, post1, again)),
      await post(beacon(mobile), { 'user-agent': FIREFOX_MOBILE }),
      await post(beacon(crawled), { 'user-agent': BOT }),
      await post(beacon(pageView('/ok.html'), malformed)),
    ];
    const stored = await rowsOf([home.eventId, post1.eventId, mobile.eventId]);
    // One more buffer interval (5 s locally): a second copy or the bot's row would have been written by then.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    const all = await rows();

    // Assess
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 400]);
    expect(JSON.parse(answers[0]!.body)).toEqual({ status: 'accepted', count: 3 });
    expect(JSON.parse(answers[3]!.body)).toEqual({ error: { code: 'invalid_event', message: expect.stringMatching(/events\[1\]\.type/) as string } });
    const ours = all.filter((row) => [home, post1, mobile, crawled, malformed].some((e) => e.eventId === row.event_id) || row.path === '/ok.html');
    expect(ours.map((row) => row.event_id).sort()).toEqual([home.eventId, post1.eventId, mobile.eventId].sort());
    expect(stored).toHaveLength(3);
    const byId = new Map(ours.map((row) => [row.event_id, row]));
    expect(byId.get(post1.eventId)).toMatchObject({
      event_type: 'page_view',
      path: '/posts/hello-serverless.html',
      target: null,
      referrer_host: 'news.example.org',
      session_id: session,
      client_time: post1.clientTime.replace('Z', ''),
      ip_prefix: '127.0.0.0/24',
      browser: 'chrome',
      device: 'desktop',
    });
    expect(byId.get(mobile.eventId)).toMatchObject({ browser: 'firefox', device: 'mobile', session_id: null, referrer_host: null });
    for (const row of ours) {
      // The partition is the API's time of the request, as the object's prefix says.
      const received = new Date(`${row.received_at}Z`);
      expect(row.key).toMatch(
        new RegExp(`^events/dt=${received.toISOString().slice(0, 10)}/hour=${received.toISOString().slice(11, 13)}/serverless-blog-local-analytics-1-\\d{4}(-\\d{2}){5}-[0-9a-f-]{36}\\.parquet$`),
      );
      expect(Math.abs(received.getTime() - Date.now())).toBeLessThan(120_000);
      expect(row.ip_hash).toMatch(/^[0-9a-f]{32}$/);
    }
    // One reader, one day: one hash.
    expect(new Set(ours.map((row) => row.ip_hash)).size).toBe(1);
  });

  it('keeps no byte of the reader’s address anywhere in the bucket (events, and errors if any)', async () => {
    // Prepare
    const event = pageView('/posts/privacy.html');
    expect((await post(beacon(event))).status).toBe(202);
    await rowsOf([event.eventId]);

    // Act: every object as bytes, Parquet also as its values, error documents also their decoded rawData
    const found: string[] = [];
    for (const key of await keys()) {
      const bytes = await objectBytes(key);
      const texts = [bytes.toString('latin1')];
      if (key.endsWith('.parquet')) {
        const file = path.join(downloads, 'scan.parquet');
        writeFileSync(file, bytes);
        const values = await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
        texts.push(JSON.stringify(values.getRowObjectsJson()));
      } else {
        for (const line of bytes.toString().split('\n').filter(Boolean)) {
          const raw = (JSON.parse(line) as { rawData?: string }).rawData;
          if (raw) texts.push(Buffer.from(raw, 'base64').toString('latin1'));
        }
      }
      if (texts.some((text) => text.includes(READER_IP))) found.push(key);
    }

    // Assess
    expect(found).toEqual([]);
  });

  it.each([
    ['an empty body', '', 400, 'body_required'],
    ['null', 'null', 400, 'body_not_object'],
    ['no events', '{"events":[]}', 400, 'invalid_events'],
    ['26 events', beacon(...Array.from({ length: 26 }, () => pageView('/'))), 400, 'invalid_events'],
    ['a body over 8 KB', beacon(pageView(`/${'a'.repeat(9000)}`)), 413, 'payload_too_large'],
    ['not JSON', '{"events":', 400, 'invalid_json'],
  ])('answers %s with a 4xx in the stable error shape', async (_, body, status, code) => {
    // Act
    const answer = await post(body);

    // Assess
    expect(answer.status).toBe(status);
    expect(JSON.parse(answer.body)).toEqual({ error: { code, message: expect.any(String) as string } });
  });

  it('answers 503 events_unavailable while Kinesis is down; nothing accepted is lost, and a retried beacon is stored once', async () => {
    // Prepare: an event accepted before the outage. kinesis-local saves its records every second (kinesis/index.ts):
    // one accepted in the last second before a hard kill would be lost with it, unlike on Kinesis, so the test waits
    // that second out. Then Kinesis goes away at once (SIGKILL), as a crashed emulator or a cut network would.
    const before = pageView('/before-outage.html');
    expect((await post(beacon(before))).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const logDir = path.join(stateDir, 'logs');
    const pid = Number(readFileSync(path.join(logDir, 'kinesis.pid'), 'utf8'));
    process.kill(-pid, 'SIGKILL');
    await waitUntil('kinesis-local stopped', async () => !alive(pid));

    // Act
    const during = pageView('/during-outage.html');
    const refused = await post(beacon(during));
    const spec = kinesisLocalProcess(ports, stateDir, HOST);
    const restarted = spawnManaged({ name: 'kinesis-restarted', ...spec, env: { ...process.env, ...spec.env }, logDir });
    // It outlives this file on purpose; global-teardown stops it by its pid file.
    restarted.child.unref();
    await waitUntil('kinesis-local restarted', () => portAcceptsConnections(HOST, ports.kinesis), { process: restarted });
    let retried = await post(beacon(during));
    // The first requests after the restart may meet the stream still loading its saved records.
    for (let i = 0; i < 10 && retried.status === 503; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      retried = await post(beacon(during));
    }
    const stored = await rowsOf([before.eventId, during.eventId], 90_000);

    // Assess
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('2');
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'events_unavailable' } });
    expect(retried.status).toBe(202);
    expect(stored.map((row) => row.path).sort()).toEqual(['/before-outage.html', '/during-outage.html']);
  });
});
