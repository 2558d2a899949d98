/**
 * The photo flow on the local stack, as a signed-in user and a subscriber see it: POST /uploads → presigned POST from
 * the browser → S3 event → thumbnails function → thumbnails through the edge, and an event on the topic. The events
 * are read from a queue of the test's own, subscribed to the topic as ThumbnailsEventsQueue is (raw delivery): that
 * queue is the photos function's, whose poller takes its messages (test/integration/photos.test.ts).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, DeleteMessageCommand, DeleteQueueCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import sharp from 'sharp';
import { HOST, LOCAL_REGION, LOCAL_S3_CREDENTIALS } from '../../scripts/local/ports';
import { createUser, type TestUser } from './cognito';
import { apiUrl, ports, s3, siteUrl } from './local';

const THUMBNAILS_BUCKET = 'serverless-blog-local-thumbnails-bucket';
const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_S3_CREDENTIALS, endpoint: `http://${HOST}:${ports.messaging}` });
const sns = new SNSClient({ region: LOCAL_REGION, credentials: LOCAL_S3_CREDENTIALS, endpoint: `http://${HOST}:${ports.messaging}` });

interface UploadUrl {
  key: string;
  upload: { url: string; fields: Record<string, string> };
}

async function requestUpload(user: TestUser, body: unknown): Promise<Response> {
  return fetch(`${apiUrl}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.idToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** What a browser does with the presigned POST: a multipart form, the file last. */
async function postFile(upload: UploadUrl['upload'], bytes: Buffer, contentType: string): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append('file', new Blob([bytes], { type: contentType }), 'photo');
  return fetch(upload.url, { method: 'POST', body: form, headers: { origin: siteUrl } });
}

async function upload(user: TestUser, bytes: Buffer, contentType: string): Promise<string> {
  const response = await requestUpload(user, { contentType, size: bytes.length });
  expect(response.status).toBe(201);
  const { key, upload: form } = (await response.json()) as UploadUrl;
  const posted = await postFile(form, bytes, contentType);
  expect(posted.status).toBe(204);
  return key;
}

const queueUrl = async (name: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;

/** Receives from a queue until a message satisfies `match` (deleting it), or gives up after `timeoutMs`. */
async function waitForMessage<T>(queue: string, match: (body: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const url = await queueUrl(queue);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const message of Messages) {
      const body = JSON.parse(message.Body ?? '{}') as T;
      if (match(body)) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
        return body;
      }
    }
  }
  throw new Error(`no matching message on ${queue} within ${timeoutMs} ms`);
}

interface ReadyEvent {
  type: string;
  owner: string;
  source: { key: string };
  reason?: string;
  outputs: { key: string; url: string; width: number; height: number; bytes: number }[];
}
const THUMBNAILS_TOPIC = 'arn:aws:sns:us-east-1:000000000000:serverless-blog-local-thumbnails-topic';
const EVENTS_QUEUE = `thumbnails-test-events-${process.pid}`;

describe('photo upload → thumbnails', () => {
  let user: TestUser;
  let subscription: string | undefined;
  beforeAll(async () => {
    user = await createUser();
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: EVENTS_QUEUE }));
    const queueArn = `arn:aws:sqs:${LOCAL_REGION}:000000000000:${EVENTS_QUEUE}`;
    expect(QueueUrl).toBeDefined();
    ({ SubscriptionArn: subscription } = await sns.send(
      new SubscribeCommand({ TopicArn: THUMBNAILS_TOPIC, Protocol: 'sqs', Endpoint: queueArn, Attributes: { RawMessageDelivery: 'true' } }),
    ));
  }, 30_000);
  afterAll(async () => {
    if (subscription) await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscription }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: await queueUrl(EVENTS_QUEUE) }));
  });

  it('turns an uploaded photo into thumbnails served by the edge, and announces them on the queue', async () => {
    // Prepare: a 2000×1500 photo
    const photo = await sharp({ create: { width: 2000, height: 1500, channels: 3, background: { r: 10, g: 120, b: 60 } } })
      .jpeg()
      .toBuffer();

    // Act
    const key = await upload(user, photo, 'image/jpeg');
    const event = await waitForMessage<ReadyEvent>(EVENTS_QUEUE, (body) => body.source?.key === key);

    // Assess: the event
    expect(event.type).toBe('thumbnails.ready');
    expect(key).toMatch(new RegExp(`^uploads/${event.owner}/[0-9a-f-]{36}\\.jpg$`));
    expect(event.outputs.map(({ width, height }) => [width, height])).toEqual([
      [160, 120],
      [480, 360],
      [1200, 900],
    ]);
    // Assess: each thumbnail through the local edge (the CloudFront stand-in), as a browser fetches it
    for (const output of event.outputs) {
      expect(output.url.startsWith(`${siteUrl}/thumbnails/`)).toBe(true);
      const response = await fetch(output.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/webp');
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const body = Buffer.from(await response.arrayBuffer());
      expect(body.length).toBe(output.bytes);
      const metadata = await sharp(body).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', output.width, output.height]);
    }
  }, 60_000);

  it('turns a HEIC (an iPhone photo) into the same thumbnails, and a HEIC cut short into a corrupt failure', async () => {
    // Prepare: a 64×48 HEIC of four coloured quadrants (test/fixtures/heic/README.md), and the same cut off in its data
    const heic = readFileSync(path.join(__dirname, '..', 'fixtures', 'heic', 'quadrants.heic'));
    const cut = heic.subarray(0, heic.indexOf('mdat') + 30);

    // Act
    const key = await upload(user, heic, 'image/heic');
    const cutKey = await upload(user, cut, 'image/heic');
    const event = await waitForMessage<ReadyEvent>(EVENTS_QUEUE, (body) => body.source?.key === key);
    const failed = await waitForMessage<ReadyEvent>(EVENTS_QUEUE, (body) => body.source?.key === cutKey);

    // Assess: never enlarged, WebP through the edge, the top-left quadrant still red (decoded, not a blank)
    expect(key).toMatch(/\.heic$/);
    expect(event.type).toBe('thumbnails.ready');
    expect(event.outputs.map(({ width, height }) => [width, height])).toEqual([
      [64, 48],
      [64, 48],
      [64, 48],
    ]);
    const response = await fetch(event.outputs[0]?.url ?? '');
    expect([response.status, response.headers.get('content-type')]).toEqual([200, 'image/webp']);
    const { data } = await sharp(Buffer.from(await response.arrayBuffer())).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const [r = 0, g = 255, b = 255] = data.subarray((4 * 64 + 4) * 3);
    expect([r > 180, g < 80, b < 80]).toEqual([true, true, true]);
    // Assess: the damaged one is reported, not retried, and nothing was written
    expect(failed).toMatchObject({ type: 'thumbnails.failed', reason: 'corrupt' });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: THUMBNAILS_BUCKET, Prefix: cutKey.replace(/^uploads\//, 'thumbnails/').replace(/\.heic$/, '/') }));
    expect(listed.KeyCount ?? 0).toBe(0);
  }, 60_000);

  it('reports a text file posted as a JPEG on the queue, with the reason, and makes no thumbnails', async () => {
    // Act
    const key = await upload(user, Buffer.from('this is not a photo'), 'image/jpeg');
    const event = await waitForMessage<ReadyEvent>(EVENTS_QUEUE, (body) => body.source?.key === key);

    // Assess
    expect(event).toMatchObject({ type: 'thumbnails.failed', reason: 'unsupported_format' });
    const prefix = key.replace(/^uploads\//, 'thumbnails/').replace(/\.jpg$/, '/');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: THUMBNAILS_BUCKET, Prefix: prefix }));
    expect(listed.KeyCount ?? 0).toBe(0);
  }, 60_000);

  it('fits a 100×20000 PNG into the 2400 px box, and announces a 1×20000 one as failed with unsupported_dimensions', async () => {
    // Prepare: both taller than WebP holds (16383 px); the second would be 0.12 px wide at 160×2400
    const strip = (width: number) =>
      sharp({ create: { width, height: 20_000, channels: 3, background: { r: 10, g: 120, b: 60 } } })
        .png()
        .toBuffer();

    // Act
    const tallKey = await upload(user, await strip(100), 'image/png');
    const thinKey = await upload(user, await strip(1), 'image/png');
    const tall = await waitForMessage<ReadyEvent>(EVENTS_QUEUE, (body) => body.source?.key === tallKey);
    const thin = await waitForMessage<ReadyEvent>(EVENTS_QUEUE, (body) => body.source?.key === thinKey);

    // Assess: thumbnails inside the box, as served by the edge
    expect(tall.type).toBe('thumbnails.ready');
    expect(tall.outputs.map(({ width, height }) => [width, height])).toEqual([
      [12, 2400],
      [12, 2400],
      [12, 2400],
    ]);
    for (const output of tall.outputs) {
      const response = await fetch(output.url);
      expect(response.status).toBe(200);
      const metadata = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual(['webp', 12, 2400]);
    }
    // Assess: the thin one is a failure event with its reason, and nothing was written
    expect(thin).toMatchObject({ type: 'thumbnails.failed', reason: 'unsupported_dimensions' });
    const prefix = thinKey.replace(/^uploads\//, 'thumbnails/').replace(/\.png$/, '/');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: THUMBNAILS_BUCKET, Prefix: prefix }));
    expect(listed.KeyCount ?? 0).toBe(0);
  }, 60_000);

  it('refuses an upload URL without a token (401) and for SVG (415)', async () => {
    // Act
    const anonymous = await fetch(`${apiUrl}/uploads`, { method: 'POST', body: JSON.stringify({ contentType: 'image/png', size: 10 }) });
    const svg = await requestUpload(user, { contentType: 'image/svg+xml', size: 10 });

    // Assess
    expect(anonymous.status).toBe(401);
    expect(svg.status).toBe(415);
    expect(await svg.json()).toEqual({ error: { code: 'unsupported_media_type', message: expect.any(String) as string } });
  });

  it('lets the blog origin post to the uploads bucket, and no other origin (CORS)', async () => {
    // Prepare
    const png = await sharp({ create: { width: 20, height: 20, channels: 3, background: 'white' } }).png().toBuffer();
    const response = await requestUpload(user, { contentType: 'image/png', size: png.length });
    const { key, upload: form } = (await response.json()) as UploadUrl;

    // Act
    const posted = await postFile(form, png, 'image/png');
    await waitForMessage<ReadyEvent>(EVENTS_QUEUE, (body) => body.source?.key === key); // let the flow finish
    const strangerPreflight = await fetch(form.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });

    // Assess (s3rver answers an allowed preflight with `*`, so the POST's own header is the check)
    expect(posted.status).toBe(204);
    expect(posted.headers.get('access-control-allow-origin')).toBe(siteUrl);
    expect(strangerPreflight.status).toBe(403);
  });

  it('holds a presigned POST to its signed policy, as S3 does: a larger file or another Content-Type is refused, nothing stored', async () => {
    // Prepare: an upload URL for 100 bytes of PNG
    const response = await requestUpload(user, { contentType: 'image/png', size: 100 });
    const { key, upload: form } = (await response.json()) as UploadUrl;
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'white', noise: { type: 'gaussian', mean: 128, sigma: 30 } } })
      .png()
      .toBuffer();
    expect(png.length).toBeGreaterThan(100);

    // Act
    const tooLarge = await postFile(form, png, 'image/png');
    const otherType = await postFile({ ...form, fields: { ...form.fields, 'Content-Type': 'image/svg+xml' } }, png.subarray(0, 50), 'image/svg+xml');
    const unsigned = await postFile({ url: form.url, fields: { key, 'Content-Type': 'image/png' } }, png.subarray(0, 50), 'image/png');

    // Assess: S3's codes, readable by the blog's page (CORS headers on the error, as S3 sends them)
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.headers.get('access-control-allow-origin')).toBe(siteUrl);
    expect(await tooLarge.text()).toContain('<Code>EntityTooLarge</Code>');
    expect(otherType.status).toBe(403);
    expect(await otherType.text()).toContain('Policy Condition failed: ["eq","$Content-Type","image/png"]');
    expect(unsigned.status).toBe(403);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: new URL(form.url).pathname.split('/')[1], Prefix: key }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });

  it('retries a failing invocation twice, then puts the event on the failed-invocations queue', async () => {
    // Prepare: the thumbnails bucket is gone, so every attempt fails (a transient failure, as far as the function knows)
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: THUMBNAILS_BUCKET }));
    for (const object of listed.Contents ?? []) await s3.send(new DeleteObjectCommand({ Bucket: THUMBNAILS_BUCKET, Key: object.Key }));
    await s3.send(new DeleteBucketCommand({ Bucket: THUMBNAILS_BUCKET }));
    try {
      const photo = await sharp({ create: { width: 400, height: 300, channels: 3, background: 'white' } }).png().toBuffer();

      // Act
      const key = await upload(user, photo, 'image/png');
      const record = await waitForMessage<{
        requestContext: { condition: string; approximateInvokeCount: number };
        requestPayload: { Records: { s3: { object: { key: string } } }[] };
      }>('serverless-blog-local-thumbnails-failed-invocations-queue', (body) => body.requestPayload?.Records?.[0]?.s3.object.key === key);

      // Assess
      expect(record.requestContext).toMatchObject({ condition: 'RetriesExhausted', approximateInvokeCount: 3 });
    } finally {
      await s3.send(new CreateBucketCommand({ Bucket: THUMBNAILS_BUCKET }));
    }
  }, 60_000);
});

afterAll(() => {
  sqs.destroy();
  sns.destroy();
});
