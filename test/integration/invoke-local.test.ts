/**
 * Every sample in events/ as the README's "Debug a function with `sls invoke local`" runs it:
 * `sls invoke local --stage local -f <fn> --path events/…`, a real framework process against the stack of global-setup
 * (its endpoints in the environment, where `npm start` puts them through .env.local). The samples build on each other
 * in the README's order: registration records the reader, plan makes them premium, signedUrl then signs for them.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { loadServiceConfig, ROOT } from '../../scripts/local/service-config';
import { sampleImage, SAMPLE_IMAGE_KEY } from '../../scripts/publish/sample-media';
import { dynamodb, s3, sesUrl, siteUrl } from './local';

// One framework process per call, each a few seconds of CPU on a shared 2-core machine: generous, never asserted.
jest.setTimeout(300_000);

const USERS_TABLE = 'serverless-blog-local-users-table';
const SUBSCRIBERS_TABLE = 'serverless-blog-local-subscribers-table';
const PHOTOS_TABLE = 'serverless-blog-local-photos-table';
const PREMIUM_BUCKET = 'serverless-blog-local-premium-bucket';
const UPLOADS_BUCKET = 'serverless-blog-local-uploads-bucket';
const THUMBNAILS_BUCKET = 'serverless-blog-local-thumbnails-bucket';
const REPORTING_BUCKET = 'serverless-blog-local-reporting-bucket';
/** The reader of events/cognito/post-confirmation.json, whom the plan and premium samples name. */
const READER = '2f6b8c5e-0d4a-4b1e-9a57-1c2d3e4f5a6b';
/** The owner in the keys of events/s3/*.json and events/http/post-uploads.json. */
const WRITER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
/** The unsubscribe token of the samples (events/http/*-unsubscribe.json, events/dynamodb/subscriber-insert.json). */
const SAMPLE_TOKEN = 'sample-token-for-invoke-local-0000000000000';

interface Invocation {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the framework prints last: the function's result (pretty-printed JSON), or its error. */
  result: unknown;
  /** The function's structured log lines (Powertools, one JSON object per line). */
  logs: Record<string, unknown>[];
  seconds: number;
}

const calls: { fn: string; event: string; seconds: number }[] = [];

/** `npx sls invoke local --stage local -f <fn> --path <event>` (or `--data <json>`), from the project folder. */
function invoke(fn: string, event: { path: string } | { data: unknown }, env: Record<string, string> = {}): Promise<Invocation> {
  const source = [
    ...('path' in event ? ['--path', event.path] : ['--data', JSON.stringify(event.data)]),
    ...Object.entries(env).flatMap(([name, value]) => ['--env', `${name}=${value}`]),
  ];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'sls'), ['invoke', 'local', '--stage', 'local', '-f', fn, ...source], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const seconds = (Date.now() - started) / 1000;
      calls.push({ fn, event: 'path' in event ? event.path : '--data', seconds });
      const lines = stdout.split('\n');
      // The printed result: an object or an array, its first line unindented (nested lines are indented).
      const start = Math.max(lines.lastIndexOf('{'), lines.lastIndexOf('['));
      const result: unknown = start === -1 ? undefined : JSON.parse(lines.slice(start).join('\n'));
      // Powertools Logger writes warnings and errors to stderr, the rest to stdout.
      const logs = [...lines, ...stderr.split('\n')]
        .filter((line) => line.startsWith('{"level"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, stdout, stderr, result, logs, seconds });
    });
  });
}

interface HttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  cookies?: string[];
}

/** The function's answer as API Gateway would send it; fails with the whole output when there is none. */
function answer(run: Invocation): HttpResult & { json: () => unknown } {
  const result = run.result as HttpResult | undefined;
  if (run.code !== 0 || typeof result?.statusCode !== 'number') {
    throw new Error(`no HTTP result (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
  return { ...result, json: () => JSON.parse(result.body ?? '') as unknown };
}

const sample = (file: string) => JSON.parse(readFileSync(path.join(ROOT, 'events', file), 'utf8')) as Record<string, unknown>;

/** GET through the local edge (node:http: some offsets put a port on fetch's "bad ports" list). */
function edgeGet(url: string, cookie?: string): Promise<{ status: number; type: string | undefined; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: cookie ? { cookie } : {} }, (res) => {
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], bytes }));
      })
      .on('error', reject);
  });
}

async function userItem(userId: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: USERS_TABLE, Key: { userId: { S: userId } }, ConsistentRead: true }));
  return Item && unmarshall(Item);
}

async function subscriber(email: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await dynamodb.send(new GetItemCommand({ TableName: SUBSCRIBERS_TABLE, Key: { email: { S: email } }, ConsistentRead: true }));
  return Item && unmarshall(Item);
}

/** The id of the owner's newest photo, as GET /photos would list it first. */
async function newestPhoto(owner: string): Promise<string> {
  const { Items = [] } = await dynamodb.send(
    new QueryCommand({
      TableName: PHOTOS_TABLE,
      IndexName: 'byCreatedAt',
      KeyConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: { ':owner': { S: owner } },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const id = Items[0]?.photoId?.S;
  if (id === undefined) throw new Error(`${owner} has no photo`);
  return id;
}

describe('sls invoke local with the samples of events/', () => {
  beforeAll(async () => {
    // What `npm start` publishes and the global-setup stack does not: the premium sample photo (scripts/publish-site.ts)
    const image = await sampleImage();
    await s3.send(new PutObjectCommand({ Bucket: PREMIUM_BUCKET, Key: image.key, Body: image.body, ContentType: image.contentType }));
  });

  afterAll(() => {
    const sorted = calls.map((call) => call.seconds).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    console.log(`sls invoke local: ${calls.length} calls, median ${median.toFixed(1)} s, longest ${(sorted.at(-1) ?? 0).toFixed(1)} s`);
  });

  it('health: GET /health answers 200 with the stage', async () => {
    const run = answer(await invoke('health', { path: 'events/http/get-health.json' }));

    expect(run.statusCode).toBe(200);
    expect(run.json()).toEqual({ status: 'ok', stage: 'local', version: expect.any(String) as string });
  });

  it('registration: the post-confirmation trigger returns its event and records the reader as a free user', async () => {
    const run = await invoke('registration', { path: 'events/cognito/post-confirmation.json' });

    expect(run.code).toBe(0);
    expect(run.result).toEqual(sample('cognito/post-confirmation.json'));
    expect(await userItem(READER)).toMatchObject({ userId: READER, email: 'reader@example.com', plan: 'free' });
  });

  it('me: GET /me answers 200 with the caller from the token claims', async () => {
    const run = answer(await invoke('me', { path: 'events/http/get-me.json' }));

    expect(run.statusCode).toBe(200);
    expect(run.json()).toEqual({ userId: READER, email: 'reader@example.com', groups: [] });
  });

  it('plan: an admin PUT /users/{userId}/plan makes the registered reader premium', async () => {
    const run = answer(await invoke('plan', { path: 'events/http/put-user-plan.json' }));

    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ userId: READER, plan: 'premium' });
    expect(await userItem(READER)).toMatchObject({ plan: 'premium' });
  });

  it('signedUrl: POST /premium/url signs a URL for the premium sample photo that the local edge serves', async () => {
    const run = answer(await invoke('signedUrl', { path: 'events/http/post-premium-url.json' }));

    expect(run.statusCode).toBe(200);
    const { url, expiresAt } = run.json() as { url: string; expiresAt: string };
    expect(url.startsWith(`${siteUrl}/${SAMPLE_IMAGE_KEY}?`)).toBe(true);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    expect(await edgeGet(url)).toMatchObject({ status: 200, type: 'image/jpeg' });
    expect((await edgeGet(`${siteUrl}/${SAMPLE_IMAGE_KEY}`)).status).toBe(403);
  });

  it('signedUrl: POST /premium/cookies sets the three CloudFront cookies for premium/samples/, which open the photo', async () => {
    const run = answer(await invoke('signedUrl', { path: 'events/http/post-premium-cookies.json' }));

    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ folder: 'premium/samples/' });
    const cookies = run.cookies ?? [];
    expect(cookies.map((cookie) => cookie.split('=')[0]).sort()).toEqual(['CloudFront-Key-Pair-Id', 'CloudFront-Policy', 'CloudFront-Signature']);
    expect(cookies.every((cookie) => cookie.includes('Path=/premium/samples/'))).toBe(true);
    const header = cookies.map((cookie) => cookie.split(';')[0]).join('; ');
    expect(await edgeGet(`${siteUrl}/${SAMPLE_IMAGE_KEY}`, header)).toMatchObject({ status: 200, type: 'image/jpeg' });
  });

  it('subscribe: POST /subscriptions answers 202 and stores the address', async () => {
    const run = answer(await invoke('subscribe', { path: 'events/http/post-subscription.json' }));

    expect(run.statusCode).toBe(202);
    expect(run.json()).toEqual({ status: 'accepted' });
    expect(await subscriber('reader@example.com')).toMatchObject({ email: 'reader@example.com', name: 'Ada' });
  });

  it('unsubscribe: DELETE answers 404 for the sample token, and 204 with the token of a real subscription', async () => {
    // Act: the sample as shipped; no subscription has its token
    const shipped = answer(await invoke('unsubscribe', { path: 'events/http/delete-subscription.json' }));

    // Assess
    expect(shipped.statusCode).toBe(404);
    expect(shipped.json()).toEqual({ error: { code: 'subscription_not_found', message: expect.any(String) as string } });

    // Act: the README's recipe, the token of the address the subscribe sample stored
    const { token } = (await subscriber('reader@example.com')) as { token: string };
    const event = sample('http/delete-subscription.json');
    const real = answer(await invoke('unsubscribe', {
      data: { ...event, rawPath: `/subscriptions/${token}`, pathParameters: { token } },
    }));

    // Assess
    expect(real.statusCode).toBe(204);
    expect(await subscriber('reader@example.com')).toBeUndefined();
  });

  it('unsubscribe: GET of the mail link answers the confirm page, which changes nothing', async () => {
    const run = answer(await invoke('unsubscribe', { path: 'events/http/get-unsubscribe.json' }));

    expect(run.statusCode).toBe(200);
    expect(run.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(run.body).toContain('<form method="post">');
  });

  it('unsubscribe: POST of the mail link (one-click) answers the done page', async () => {
    const run = answer(await invoke('unsubscribe', { path: 'events/http/post-unsubscribe.json' }));

    expect(run.statusCode).toBe(200);
    expect(run.body).toContain('You are unsubscribed');
  });

  it('welcome: the stream record sends one welcome mail through the SES emulator, with the unsubscribe link', async () => {
    const run = await invoke('welcome', { path: 'events/dynamodb/subscriber-insert.json' });

    expect(run.code).toBe(0);
    expect(run.result).toEqual({ batchItemFailures: [] });
    const { emails } = (await (await fetch(`${sesUrl}/store`)).json()) as { emails: { destination: { to: string[] }; body: { text?: string } }[] };
    const welcome = emails.filter((mail) => mail.body.text?.includes(`/subscriptions/${SAMPLE_TOKEN}/unsubscribe`));
    expect(welcome.map((mail) => mail.destination.to)).toEqual([['reader@example.com']]);
  });

  it('mailFeedback: the SNS sample (SES hard bounce) suppresses the subscribed reader, once', async () => {
    // Prepare: the unsubscribe test removed the reader; the subscribe sample adds them again.
    const before = await invoke('mailFeedback', { path: 'events/sns/ses-bounce.json' });
    answer(await invoke('subscribe', { path: 'events/http/post-subscription.json' }));

    // Act
    const first = await invoke('mailFeedback', { path: 'events/sns/ses-bounce.json' });
    const again = await invoke('mailFeedback', { path: 'events/sns/ses-bounce.json' });

    // Assess
    const outcome = (run: { result?: unknown }) => (run.result as { recipients: { outcome: string }[] }[])[0]?.recipients[0]?.outcome;
    expect([before, first, again].map((run) => run.code)).toEqual([0, 0, 0]);
    expect([outcome(before), outcome(first), outcome(again)]).toEqual(['unknown', 'suppressed', 'alreadySuppressed']);
    expect(await subscriber('reader@example.com')).toMatchObject({ suppression: { reason: 'bounce', detail: 'Permanent/General: 5.1.1 smtp; 550 5.1.1 user unknown' } });
  });

  it('upload-url: POST /uploads answers 201 with a presigned POST for the signed-in writer', async () => {
    const run = answer(await invoke('upload-url', { path: 'events/http/post-uploads.json' }));

    expect(run.statusCode).toBe(201);
    const { key, upload } = run.json() as { key: string; upload: { url: string; fields: Record<string, string> } };
    expect(key).toMatch(new RegExp(`^uploads/${WRITER}/[0-9a-f-]{36}\\.jpg$`));
    expect(upload.url).toContain(UPLOADS_BUCKET);
    expect(upload.fields).toMatchObject({ key, 'Content-Type': 'image/jpeg', Policy: expect.any(String) as string, 'X-Amz-Signature': expect.any(String) as string });
  });

  it('listPhotos: GET /photos lists the writer\'s photos, the one the upload-url sample signed for as pending', async () => {
    const run = answer(await invoke('listPhotos', { path: 'events/http/get-photos.json' }));

    expect(run.statusCode).toBe(200);
    const { photos } = run.json() as { photos: { id: string; status: string }[] };
    expect(photos.length).toBeGreaterThan(0);
    expect(photos[0]).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/) as string, status: 'pending' });
  });

  it('getPhoto: GET /photos/{id} answers 404 not_found for the sample id, and the photo for an id of the listing', async () => {
    // Act: the sample as shipped, then the README's recipe with the writer's newest photo
    const shipped = answer(await invoke('getPhoto', { path: 'events/http/get-photo.json' }));
    const id = await newestPhoto(WRITER);
    const event = sample('http/get-photo.json');
    const real = answer(await invoke('getPhoto', { data: { ...event, rawPath: `/photos/${id}`, pathParameters: { id } } }));

    // Assess
    expect(shipped.statusCode).toBe(404);
    expect(shipped.json()).toEqual({ error: { code: 'not_found', message: 'No such photo' } });
    expect(real.statusCode).toBe(200);
    expect(real.json()).toMatchObject({ id, status: 'pending' });
  });

  it('deletePhoto: DELETE /photos/{id} answers 404 for the sample id, and 204 for an id of the listing, which is then gone', async () => {
    // Act
    const shipped = answer(await invoke('deletePhoto', { path: 'events/http/delete-photo.json' }));
    const id = await newestPhoto(WRITER);
    const event = sample('http/delete-photo.json');
    const real = answer(await invoke('deletePhoto', { data: { ...event, rawPath: `/photos/${id}`, pathParameters: { id } } }));

    // Assess
    expect(shipped.statusCode).toBe(404);
    expect(real.statusCode).toBe(204);
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: PHOTOS_TABLE, Key: { owner: { S: WRITER }, photoId: { S: id } }, ConsistentRead: true }));
    expect(Item).toBeUndefined();
  });

  it('thumbnails: without the photo, reports the upload missing and succeeds (nothing to retry)', async () => {
    const run = await invoke('thumbnails', { path: 'events/s3/object-created.json' });

    expect(run.code).toBe(0);
    expect(run.logs).toEqual(expect.arrayContaining([expect.objectContaining({ message: 'upload rejected', reason: 'missing' })]));
  });

  it('thumbnails: with a topic that does not exist, prints the error by its name with frames in the TypeScript sources', async () => {
    // Act: the missing photo's thumbnails.failed event goes to a topic the local SNS does not have
    const run = await invoke('thumbnails', { path: 'events/s3/object-created.json' }, {
      THUMBNAILS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:no-such-topic',
    });

    // Assess: the SDK's own error class by name (not a minified one), frames in the sources
    expect(run.code).toBe(1);
    const error = run.result as { errorType: string; errorMessage: string; stackTrace: string[] };
    expect(error.errorType).toMatch(/^NotFound(Exception)?$/);
    expect(error.stackTrace).toEqual(expect.arrayContaining([expect.stringMatching(/\(.*functions\/thumbnails\/adapters\.ts:\d+:\d+\)$/)]));
    expect(error.stackTrace).toEqual(expect.arrayContaining([expect.stringMatching(/\(.*functions\/thumbnails\/handler\.ts:\d+:\d+\)$/)]));
  });

  it.each([
    ['events/s3/object-created.json', `uploads/${WRITER}/sample.jpg`, `thumbnails/${WRITER}/sample/`],
    ['events/s3/object-created-spaces.json', `uploads/${WRITER}/My holiday ✓.jpg`, `thumbnails/${WRITER}/My holiday ✓/`],
  ])('thumbnails: %s, once the photo is at its key, makes the three thumbnails', async (file, key, folder) => {
    // Prepare: the README's step, the premium sample photo copied to the sample's key
    await s3.send(new CopyObjectCommand({ Bucket: UPLOADS_BUCKET, Key: key, CopySource: `${PREMIUM_BUCKET}/${SAMPLE_IMAGE_KEY}` }));

    // Act
    const run = await invoke('thumbnails', { path: file });

    // Assess: the function's own log line, and the thumbnails in their bucket
    expect(run.code).toBe(0);
    expect(run.logs).toEqual(expect.arrayContaining([expect.objectContaining({ message: 'thumbnails ready', key, outputs: 3 })]));
    for (const width of [160, 480, 1200]) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: THUMBNAILS_BUCKET, Key: `${folder}w${width}.webp` }));
      expect(head.ContentType).toBe('image/webp');
    }
  });

  it('photos: the SQS sample acknowledges both events while the photos do not exist, then records ready and failed', async () => {
    // Prepare: the sample's two photos, of the writer
    const photos = ['5f1c2d3e-0000-4000-8000-000000000001', '5f1c2d3e-0000-4000-8000-000000000002'];
    const key = (photoId: string) => ({ owner: { S: WRITER }, photoId: { S: photoId } });

    // Act / Assess: unknown photos, acknowledged, nothing written
    const before = await invoke('photos', { path: 'events/sqs/thumbnails-events.json' });
    expect(before.code).toBe(0);
    expect(before.result).toEqual({ batchItemFailures: [] });
    expect(before.logs.filter((line) => String(line.message).startsWith('no such photo'))).toHaveLength(2);
    for (const photoId of photos) expect((await dynamodb.send(new GetItemCommand({ TableName: PHOTOS_TABLE, Key: key(photoId) }))).Item).toBeUndefined();

    // Act: with the pending items POST /uploads would have written
    for (const photoId of photos) {
      await dynamodb.send(
        new PutItemCommand({ TableName: PHOTOS_TABLE, Item: { ...key(photoId), status: { S: 'pending' }, createdAt: { S: '2026-12-01T10:00:00.000Z' } } }),
      );
    }
    const after = await invoke('photos', { path: 'events/sqs/thumbnails-events.json' });

    // Assess
    expect(after.result).toEqual({ batchItemFailures: [] });
    const items = await Promise.all(
      photos.map(async (photoId): Promise<Record<string, unknown>> => {
        const { Item } = await dynamodb.send(new GetItemCommand({ TableName: PHOTOS_TABLE, Key: key(photoId) }));
        return unmarshall(Item ?? {});
      }),
    );
    expect(items.map((item) => [item.status, item.reason, (item.thumbnails as unknown[] | undefined)?.length])).toEqual([
      ['ready', undefined, 3],
      ['failed', 'unsupported_format', undefined],
    ]);
  });

  it('getReport: GET /reports/{name} answers 404 report_not_built before the first rebuild, then the stored report', async () => {
    // Prepare: the report not built (the stack is shared: the pipeline's own tests may have built it already)
    await s3.send(new DeleteObjectCommand({ Bucket: REPORTING_BUCKET, Key: 'reports/views-per-post.json' }));

    // Act: the sample as shipped, an admin's token
    const before = answer(await invoke('getReport', { path: 'events/http/get-report.json' }));

    // Assess
    expect(before.statusCode).toBe(404);
    expect(before.json()).toEqual({ error: { code: 'report_not_built', message: expect.any(String) as string } });

    // Prepare: a report where the reports function writes it (functions/lib/reports.ts)
    const rows = [{ day: '2026-11-22', path: '/posts/hello.html', views: 3 }];
    await s3.send(new PutObjectCommand({ Bucket: REPORTING_BUCKET, Key: 'reports/views-per-post.json', Body: JSON.stringify(rows), ContentType: 'application/json; charset=utf-8' }));

    // Act
    const after = answer(await invoke('getReport', { path: 'events/http/get-report.json' }));

    // Assess
    expect(after.statusCode).toBe(200);
    expect(after.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(after.json()).toEqual(rows);
  });

  it('events: the sample beacon is put on the local Kinesis stream (202, two events)', async () => {
    // Act
    const run = answer(await invoke('events', { path: 'events/http/post-events.json' }));

    // Assess
    expect(run.statusCode).toBe(202);
    expect(run.json()).toEqual({ status: 'accepted', count: 2 });
  });

  it('analyticsTransform: the sample batch, with the key the local Secrets Manager serves: Ok, Ok, Dropped ×2, ProcessingFailed', async () => {
    // Act
    const run = await invoke('analyticsTransform', { path: 'events/firehose/analytics-transform.json' });

    // Assess: every recordId answered once, in order
    expect(run.code).toBe(0);
    const { records } = run.result as { records: { recordId: string; result: string }[] };
    expect(records.map((record) => record.result)).toEqual(['Ok', 'Ok', 'Dropped', 'Dropped', 'ProcessingFailed']);
    const sent = (sample('firehose/analytics-transform.json').records as { recordId: string }[]).map((record) => record.recordId);
    expect(records.map((record) => record.recordId)).toEqual(sent);
  });

  it('reports: the SQS sample rebuilds every report on the local Athena (test event ignored); the scheduled one too', async () => {
    // Prepare: no report yet (the stack is shared with the pipeline's own tests, which build them)
    const names = ['views-per-post', 'unique-visitors', 'top-referrers', 'premium-plays', 'uploads'];
    await Promise.all(names.map((name) => s3.send(new DeleteObjectCommand({ Bucket: REPORTING_BUCKET, Key: `reports/${name}.json` }))));

    // Act
    const batch = await invoke('reports', { path: 'events/sqs/ingestion-objects-created.json' });
    const scheduled = await invoke('reports', { path: 'events/eventbridge/scheduled.json' });

    // Assess: no record to retry, and every report written where GET /reports/{name} reads it
    expect(batch.code).toBe(0);
    expect(batch.result).toEqual({ batchItemFailures: [] });
    expect(scheduled.code).toBe(0);
    for (const name of names) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: REPORTING_BUCKET, Key: `reports/${name}.json` }));
      expect(head.ContentType).toBe('application/json; charset=utf-8');
    }
  });

  it('README: the section lists every function of serverless.yml and every sample in events/', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('## Debug a function with `sls invoke local`');
    const section = readme.slice(start, readme.indexOf('\n## ', start + 3));
    const commands = [...section.matchAll(/npx sls invoke local --stage local -f (\S+) --path (events\/\S+\.json)/g)];
    const samples = readdirSync(path.join(ROOT, 'events'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.json'))
      .map((file) => `events/${file.split(path.sep).join('/')}`);
    const { functions } = await loadServiceConfig('local');

    expect(new Set(commands.map(([, fn]) => fn))).toEqual(new Set(Object.keys(functions)));
    expect(new Set(commands.map(([, , file]) => file))).toEqual(new Set(samples));
  });
});
