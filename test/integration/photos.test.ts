/**
 * My photos on the local stack: an upload's outcome reaches its photo item in PhotosTable through the real chain —
 * POST /uploads, the browser's presigned POST, the S3 event, the thumbnails function, SNS, ThumbnailsEventsQueue, the
 * SQS poller (Lambda's event source mapping) and the photos function. Also the store's precedence on DynamoDB Local
 * itself (the unit tests use a fake), and what the queue does with messages the function acknowledges or refuses.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { REPLACES, type PhotoResult } from '../../functions/photos/photos';
import { DynamoDbPhotoStore } from '../../functions/photos/store';
import { HOST, localClientConfig } from '../../scripts/local/ports';
import { createUser, decode, type TestUser } from './cognito';
import { apiUrl, dynamodb, ports, siteUrl } from './local';
import { until } from '../support/eventually';

const PHOTOS_TABLE = 'serverless-blog-local-photos-table';
const EVENTS_QUEUE = 'serverless-blog-local-thumbnails-events-queue';
const DEAD_LETTER_QUEUE = 'serverless-blog-local-thumbnails-events-dead-letter-queue';

const db = DynamoDBDocumentClient.from(dynamodb);
const sqs = new SQSClient(localClientConfig(`http://${HOST}:${ports.messaging}`));
const queueUrl = async (name: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;

type PhotoItem = Record<string, unknown> & { status?: string; updatedAt?: string };

const getPhoto = async (owner: string, photoId: string): Promise<PhotoItem | undefined> =>
  (await db.send(new GetCommand({ TableName: PHOTOS_TABLE, Key: { owner, photoId }, ConsistentRead: true }))).Item as PhotoItem | undefined;

/**
 * The pending item as POST /uploads writes it (the design of issue 15); written here only if absent, so the test
 * holds whether or not the stack's POST /uploads already writes it.
 */
async function putPending(owner: string, photoId: string, key: string, contentType: string): Promise<void> {
  const now = new Date();
  try {
    await db.send(
      new PutCommand({
        TableName: PHOTOS_TABLE,
        Item: {
          owner,
          photoId,
          status: 'pending',
          createdAt: now.toISOString(),
          updatedAt: now.toISOString(),
          uploadKey: key,
          contentType,
          expiresAt: Math.floor(now.getTime() / 1000) + 300 + 86_400,
        },
        ConditionExpression: 'attribute_not_exists(photoId)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/** POST /uploads, the pending item, then the file posted with the presigned form, as the browser does. */
async function upload(user: TestUser, owner: string, bytes: Buffer, contentType: string): Promise<{ key: string; photoId: string }> {
  const response = await fetch(`${apiUrl}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.idToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ contentType, size: bytes.length }),
  });
  expect(response.status).toBe(201);
  const { key, upload: form } = (await response.json()) as { key: string; upload: { url: string; fields: Record<string, string> } };
  const photoId = /^uploads\/[^/]+\/([0-9a-f-]{36})\.\w+$/.exec(key)?.[1] ?? '(none)';
  await putPending(owner, photoId, key, contentType);
  const data = new FormData();
  for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
  data.append('file', new Blob([bytes], { type: contentType }), 'photo');
  const posted = await fetch(form.url, { method: 'POST', body: data, headers: { origin: siteUrl } });
  expect(posted.status).toBe(204);
  return { key, photoId };
}

/** Reads the photo until it is no longer pending. */
async function settled(owner: string, photoId: string, timeoutMs = 30_000): Promise<PhotoItem> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const item = await getPhoto(owner, photoId);
    if (item !== undefined && item.status !== 'pending') return item;
    if (Date.now() > deadline) throw new Error(`photo ${photoId} still ${item?.status ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function queueCounts(name: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: await queueUrl(name), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes.ApproximateNumberOfMessages), inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible) };
}


describe('an upload → its photo in PhotosTable', () => {
  let user: TestUser;
  let owner: string;
  beforeAll(async () => {
    user = await createUser();
    owner = String(decode(user.idToken).payload.sub);
  }, 30_000);

  it('a JPEG becomes ready with its original size and each thumbnail, which the edge serves; the expiry goes', async () => {
    // Prepare: a 1600×1200 photo
    const photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: { r: 30, g: 90, b: 160 } } }).jpeg().toBuffer();

    // Act
    const { key, photoId } = await upload(user, owner, photo, 'image/jpeg');
    const item = await settled(owner, photoId);

    // Assess: the record
    expect(item).toMatchObject({ owner, photoId, status: 'ready', uploadKey: key, contentType: 'image/jpeg', original: { bytes: photo.length } });
    expect(item).not.toHaveProperty('expiresAt');
    expect(item).not.toHaveProperty('reason');
    const thumbnails = item.thumbnails as { width: number; height: number; format: string; contentType: string; bytes: number; key: string }[];
    expect(thumbnails.map(({ width, height, format, key: thumbnailKey }) => [width, height, format, thumbnailKey])).toEqual([
      [160, 120, 'webp', `thumbnails/${owner}/${photoId}/w160.webp`],
      [480, 360, 'webp', `thumbnails/${owner}/${photoId}/w480.webp`],
      [1200, 900, 'webp', `thumbnails/${owner}/${photoId}/w1200.webp`],
    ]);
    // Assess: each thumbnail it names is there, as the page will fetch it
    for (const thumbnail of thumbnails) {
      const response = await fetch(`${siteUrl}/${thumbnail.key}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(thumbnail.contentType);
      expect((await response.arrayBuffer()).byteLength).toBe(thumbnail.bytes);
    }
  }, 60_000);

  it('a text file posted as a JPEG becomes failed with the reason code, and has no thumbnails', async () => {
    // Act
    const { photoId } = await upload(user, owner, Buffer.from('this is not a photo'), 'image/jpeg');
    const item = await settled(owner, photoId);

    // Assess
    expect(item).toMatchObject({ status: 'failed', reason: 'unsupported_format' });
    expect(item).not.toHaveProperty('thumbnails');
    expect(item).not.toHaveProperty('expiresAt');
  }, 60_000);
});

describe('the DynamoDB store, on DynamoDB Local', () => {
  const store = new DynamoDbPhotoStore(db, PHOTOS_TABLE);
  const owner = `store-test-${randomUUID()}`;
  const ready = (photoId: string): PhotoResult => ({
    status: 'ready',
    original: { bytes: 1234 },
    thumbnails: [{ width: 160, height: 120, format: 'webp', contentType: 'image/webp', bytes: 99, key: `thumbnails/${owner}/${photoId}/w160.webp` }],
  });
  const failed: PhotoResult = { status: 'failed', reason: 'corrupt' };
  const record = (photoId: string, result: PhotoResult, at = new Date()) => store.record({ owner, photoId }, result, REPLACES[result.status], at);

  it('ends ready whichever of a ready and a failed event for one photo lands first, even at the same time', async () => {
    // Prepare: twenty pending photos
    const ids = Array.from({ length: 20 }, () => randomUUID());
    await Promise.all(ids.map((id) => putPending(owner, id, `uploads/${owner}/${id}.jpg`, 'image/jpeg')));

    // Act: both events of each photo at once, half of them failed first
    const outcomes = await Promise.all(
      ids.map((id, index) => Promise.all(index % 2 === 0 ? [record(id, ready(id)), record(id, failed)] : [record(id, failed), record(id, ready(id))])),
    );

    // Assess
    for (const id of ids) {
      const item = await getPhoto(owner, id);
      expect(item).toMatchObject({ status: 'ready', original: { bytes: 1234 } });
      expect(item).not.toHaveProperty('reason');
      expect(item).not.toHaveProperty('expiresAt');
    }
    // The ready event always wrote; the failed one only when it came first.
    for (const pair of outcomes) expect(pair.map(({ kind }) => kind)).toContain('recorded');
  });

  it('changes nothing on a redelivered event, nor on a failed event after ready, and tells what the photo is', async () => {
    // Prepare
    const id = randomUUID();
    await putPending(owner, id, `uploads/${owner}/${id}.jpg`, 'image/jpeg');
    expect(await record(id, ready(id), new Date('2026-12-01T10:00:00Z'))).toEqual({ kind: 'recorded' });
    const before = await getPhoto(owner, id);

    // Act
    const again = await record(id, ready(id), new Date('2026-12-01T10:05:00Z'));
    const late = await record(id, failed, new Date('2026-12-01T10:06:00Z'));

    // Assess
    expect([again, late]).toEqual([
      { kind: 'kept', status: 'ready' },
      { kind: 'kept', status: 'ready' },
    ]);
    expect(await getPhoto(owner, id)).toEqual(before);
  });

  it('creates no item for a photo that does not exist (deleted, or never signed)', async () => {
    const id = randomUUID();
    expect(await record(id, ready(id))).toEqual({ kind: 'unknown' });
    expect(await record(id, failed)).toEqual({ kind: 'unknown' });
    expect(await getPhoto(owner, id)).toBeUndefined();
  });
});

describe('ThumbnailsEventsQueue and the photos function', () => {
  const owner = `queue-test-${randomUUID()}`;

  it('acknowledges an event for an unknown photo: deleted from the queue at once, nothing written', async () => {
    // Prepare
    const photoId = randomUUID();
    const event = { type: 'thumbnails.failed', source: { bucket: 'b', key: `uploads/${owner}/${photoId}.png` }, owner, reason: 'corrupt', message: 'x' };
    await until('the queue is idle', async () => Object.values(await queueCounts(EVENTS_QUEUE)).every((count) => count === 0));

    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: await queueUrl(EVENTS_QUEUE), MessageBody: JSON.stringify(event) }));

    // Assess: gone without waiting out a visibility timeout, and no photo made
    await until('the event is deleted', async () => Object.values(await queueCounts(EVENTS_QUEUE)).every((count) => count === 0), 15_000);
    expect(await getPhoto(owner, photoId)).toBeUndefined();
  }, 60_000);

  it('refuses a malformed message until the queue moves it, unchanged, to its dead-letter queue after five receives', async () => {
    // Prepare: a visibility timeout of 1 s instead of 60, so the five receives take seconds, not minutes
    const url = await queueUrl(EVENTS_QUEUE);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '1' } }));
    const body = `not an event ${randomUUID()}`;
    try {
      // Act
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));

      // Assess: in the dead-letter queue as it was sent, and no longer on the queue
      const deadLetters = await queueUrl(DEAD_LETTER_QUEUE);
      let found: { body?: string } | undefined;
      await until(
        'the message is dead-lettered',
        async () => {
          const { Messages = [] } = await sqs.send(
            new ReceiveMessageCommand({ QueueUrl: deadLetters, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
          );
          for (const message of Messages) {
            if (message.Body !== body) continue;
            found = { body: message.Body };
            await sqs.send(new DeleteMessageCommand({ QueueUrl: deadLetters, ReceiptHandle: message.ReceiptHandle }));
          }
          return found !== undefined;
        },
        45_000,
      );
      expect(found?.body).toBe(body);
      expect(await queueCounts(EVENTS_QUEUE)).toEqual({ visible: 0, inFlight: 0 });
    } finally {
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: Attributes?.VisibilityTimeout ?? '60' } }));
    }
  }, 90_000);
});

afterAll(() => {
  sqs.destroy();
  db.destroy();
});
