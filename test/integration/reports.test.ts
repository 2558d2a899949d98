/**
 * The analytics pipeline end to end on the local stack, as an admin sees it: beacons through the local API → Kinesis →
 * Firehose → Parquet in the ingestion bucket → S3 notification on ReportsQueue → the reports function (its SQS event
 * source) → Athena (DuckDB) → the reporting bucket → GET /reports/{name}. The counts must be exact.
 *
 * Other tests of the run send beacons too (analytics.test, the samples of invoke-local): this one uses paths, a
 * premium key and a referrer host no one else sends, and readers' addresses no one else uses (127.1.x.y); for the
 * day-wide reports (visitors, uploads) it compares with a rebuild taken just before its beacons.
 */
import { DeleteMessageCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { HOST, LOCAL_S3_CREDENTIALS, LOCAL_REGION } from '../../scripts/local/ports';
import { createUser, type TestUser } from './cognito';
import { apiUrl, ports } from './local';

jest.setTimeout(240_000);

const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const BOT = 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)';
/** The rule of the reports' schedule event, named as scripts/local/schedules/rules.ts names it. */
const RULE = 'serverless-blog-local-ReportsEventsRuleSchedule1';
const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_S3_CREDENTIALS, endpoint: `http://${HOST}:${ports.messaging}` });

type Row = Record<string, string | number | null>;

/** POST /events from `ip` (a loopback address: the API front sees the connection's own address, as API Gateway does). */
function post(ip: string, events: unknown[], userAgent = CHROME): Promise<number> {
  const body = JSON.stringify({ events });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${apiUrl}/events`,
      { method: 'POST', localAddress: ip, headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': userAgent, 'content-length': String(Buffer.byteLength(body)) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function report(admin: TestUser, name: string): Promise<{ status: number; rows: Row[] }> {
  const response = await fetch(`${apiUrl}/reports/${name}`, { headers: { authorization: `Bearer ${admin.accessToken}` } });
  return { status: response.status, rows: response.status === 200 ? ((await response.json()) as Row[]) : [] };
}

const today = () => new Date().toISOString().slice(0, 10);
const visitorsToday = (rows: Row[]) => Number(rows.find((row) => row.dt === today())?.visitors ?? 0);
const uploadsToday = (rows: Row[]) => rows.find((row) => row.dt === today()) ?? { uploads: 0, uploaders: 0 };

const DEAD_LETTERS = 'serverless-blog-local-reports-dead-letter-queue';
const queueUrl = async (name: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;

async function messagesIn(queue: string): Promise<number> {
  const QueueUrl = await queueUrl(queue);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes?.ApproximateNumberOfMessages) + Number(Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe('reports: beacons → … → GET /reports/{name}, exact counts', () => {
  let admin: TestUser;
  let reader: TestUser;

  beforeAll(async () => {
    [admin, reader] = await Promise.all([createUser({ groups: ['admins'] }), createUser()]);
  });
  afterAll(() => sqs.destroy());

  it('rebuilds the reports from new objects on its own (S3 → SQS → reports) and counts every kept event once', async () => {
    // Prepare: the day's totals so far, by a rebuild now (the schedule rule, run at once)
    const triggered = await fetch(`http://${HOST}:${ports.schedules}/rules/${RULE}/trigger`, { method: 'POST' });
    expect(await triggered.json()).toMatchObject({ succeeded: true });
    const before = { visitors: visitorsToday((await report(admin, 'unique-visitors')).rows), uploads: uploadsToday((await report(admin, 'uploads')).rows) };
    const deadLettersBefore = await messagesIn(DEAD_LETTERS);

    const run = randomUUID().slice(0, 8);
    const postA = `/posts/report-${run}-a.html`;
    const postB = `/posts/report-${run}-b.html`;
    const host = `ref-${run}.example.net`;
    const target = `premium/report-${run}.jpg`;
    const readers = [1, 2, 3].map((n) => `127.1.${Math.floor(Math.random() * 200) + 1}.${n * 10 + Math.floor(Math.random() * 9)}`);
    const event = (type: string, path: string, extra: Record<string, string> = {}) => ({ eventId: randomUUID(), type, path, clientTime: new Date().toISOString(), ...extra });
    const viewA1 = event('page_view', postA, { referrer: `https://${host}/story` });
    const beacons: [string, unknown[], string?][] = [
      [readers[0]!, [viewA1, event('page_view', postA, { referrer: `https://${host.toUpperCase()}/other?q=1` }), event('page_view', postB)]],
      [readers[1]!, [event('page_view', postA), event('premium_open', '/premium.html', { target }), event('photo_upload', '/photos.html')]],
      [readers[2]!, [event('page_view', postB, { referrer: `https://${host}/` }), event('premium_open', '/premium.html', { target })]],
      // The first beacon's first event again (a browser's resend): counted once.
      [readers[2]!, [viewA1]],
      // A crawler: dropped by the transform, in no report.
      [readers[0]!.replace(/\.\d+$/, '.250'), [event('page_view', postA), event('photo_upload', '/photos.html')], BOT],
    ];

    // Act
    const statuses = [];
    for (const [ip, events, userAgent] of beacons) statuses.push(await post(ip, events, userAgent));

    // Assess: the views of our posts, as the reports function rebuilt them after the new objects were announced
    expect(statuses).toEqual([202, 202, 202, 202, 202]);
    const deadline = Date.now() + 180_000;
    let views: Row[];
    for (;;) {
      views = (await report(admin, 'views-per-post')).rows.filter((row) => row.path === postA || row.path === postB);
      if (views.length === 2 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    expect(views).toEqual([
      { dt: today(), path: postA, views: 3 },
      { dt: today(), path: postB, views: 2 },
    ]);
    const referrers = (await report(admin, 'top-referrers')).rows.filter((row) => row.referrer_host === host);
    expect(referrers).toEqual([{ dt: today(), referrer_host: host, views: 3 }]);
    const plays = (await report(admin, 'premium-plays')).rows.filter((row) => row.target === target);
    expect(plays).toEqual([{ dt: today(), target, plays: 2 }]);
    expect(visitorsToday((await report(admin, 'unique-visitors')).rows)).toBe(before.visitors + 3);
    expect(uploadsToday((await report(admin, 'uploads')).rows)).toEqual({
      dt: today(),
      uploads: Number(before.uploads.uploads) + 1,
      uploaders: Number(before.uploads.uploaders) + 1,
    });
    // Every announcement was handled: nothing dead-lettered.
    expect(await messagesIn(DEAD_LETTERS)).toBe(deadLettersBefore);
  });

  it('dead-letters a message on the queue that is no S3 notification at once, whole, with the reason (no retry loop)', async () => {
    // Prepare
    const body = `not a notification ${randomUUID()}`;

    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: await queueUrl('serverless-blog-local-reports-queue'), MessageBody: body }));

    // Assess: within the batch window and one invocation — not after five receives of the visibility timeout (1140 s)
    const deadline = Date.now() + 60_000;
    type Letter = { condition?: string; reason?: string; record?: { body?: string; attributes?: { ApproximateReceiveCount?: string } } };
    let letter: Letter | undefined;
    while (!letter && Date.now() < deadline) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: await queueUrl(DEAD_LETTERS), WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      for (const message of Messages ?? []) {
        const parsed = JSON.parse(message.Body!) as Letter;
        if (parsed.record?.body !== body) continue;
        letter = parsed;
        await sqs.send(new DeleteMessageCommand({ QueueUrl: await queueUrl(DEAD_LETTERS), ReceiptHandle: message.ReceiptHandle! }));
      }
    }
    expect(letter).toMatchObject({ condition: 'MalformedRecord', reason: 'message body is not JSON', record: { body, attributes: { ApproximateReceiveCount: '1' } } });
  });

  it('answers a reader who is not an admin 403 not_admin, an unknown report 404, an encoded path 404, and no token 401', async () => {
    const asAdmin = { headers: { authorization: `Bearer ${admin.accessToken}` } };
    const asReader = await fetch(`${apiUrl}/reports/views-per-post`, { headers: { authorization: `Bearer ${reader.accessToken}` } });
    const unknown = await fetch(`${apiUrl}/reports/no-such-report`, asAdmin);
    const encoded = await fetch(`${apiUrl}/reports/..%2Freports%2Fviews-per-post`, asAdmin);
    const anonymous = await fetch(`${apiUrl}/reports/views-per-post`);

    expect([asReader.status, unknown.status, encoded.status, anonymous.status]).toEqual([403, 404, 404, 401]);
    expect(await asReader.json()).toMatchObject({ error: { code: 'not_admin' } });
    expect(await unknown.json()).toMatchObject({ error: { code: 'report_not_found' } });
  });
});
