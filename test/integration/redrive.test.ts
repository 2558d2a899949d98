/**
 * `npm run redrive -- --stage local <queue>` against the local stack, as an operator runs it (its own process): a
 * thumbnails event dead-lettered in ThumbnailsEventsDeadLetterQueue goes back to ThumbnailsEventsQueue and the photos
 * function records it; a failed thumbnails invocation is invoked again and its photo becomes ready, while a record
 * whose upload is gone is reported with its key.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { HOST, localClientConfig } from '../../scripts/local/ports';
import { runScript } from '../support/scripts';
import { dynamodb, ports, s3 } from './local';
import { eventually } from '../support/eventually';

const PHOTOS_TABLE = 'serverless-blog-local-photos-table';
const UPLOADS_BUCKET = 'serverless-blog-local-uploads-bucket';
const DEAD_LETTER_QUEUE = 'serverless-blog-local-thumbnails-events-dead-letter-queue';
const FAILED_INVOCATIONS_QUEUE = 'serverless-blog-local-thumbnails-failed-invocations-queue';
const THUMBNAILS_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:serverless-blog-local-thumbnails:$LATEST';

const db = DynamoDBDocumentClient.from(dynamodb);
const sqs = new SQSClient(localClientConfig(`http://${HOST}:${ports.messaging}`));
const queueUrl = async (name: string) => (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
const redrive = (...args: string[]) => runScript('scripts/redrive.ts', '--stage', 'local', ...args);

afterAll(() => sqs.destroy());

type PhotoItem = Record<string, unknown> & { status?: string; reason?: string };
const getPhoto = async (owner: string, photoId: string) =>
  (await db.send(new GetCommand({ TableName: PHOTOS_TABLE, Key: { owner, photoId }, ConsistentRead: true }))).Item as PhotoItem | undefined;

/** A photo as POST /uploads leaves it before its upload is processed. */
async function putPending(owner: string, photoId: string, key: string): Promise<void> {
  const now = new Date();
  await db.send(
    new PutCommand({
      TableName: PHOTOS_TABLE,
      Item: { owner, photoId, status: 'pending', createdAt: now.toISOString(), updatedAt: now.toISOString(), uploadKey: key, contentType: 'image/jpeg', expiresAt: Math.floor(now.getTime() / 1000) + 86_400 },
    }),
  );
}


async function held(name: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: await queueUrl(name), AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(Attributes.ApproximateNumberOfMessages) + Number(Attributes.ApproximateNumberOfMessagesNotVisible);
}

describe('npm run redrive on the local stack', () => {
  const owner = `redrive-${randomUUID()}`;

  it('moves a dead-lettered thumbnails event back to ThumbnailsEventsQueue, where the photos function records it', async () => {
    // Prepare: a pending photo, and the event for it in the dead-letter queue (as after five failed receives).
    const photoId = randomUUID();
    const key = `uploads/${owner}/${photoId}.png`;
    await putPending(owner, photoId, key);
    const event = { type: 'thumbnails.failed', source: { bucket: UPLOADS_BUCKET, key }, owner, reason: 'corrupt', message: 'not an image' };
    await sqs.send(new SendMessageCommand({ QueueUrl: await queueUrl(DEAD_LETTER_QUEUE), MessageBody: JSON.stringify(event) }));

    // Act
    const run = await redrive('ThumbnailsEventsDeadLetterQueue');

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('ThumbnailsEventsDeadLetterQueue → ThumbnailsEventsQueue');
    expect(run.stdout).toMatch(/\b1 moved, 0 not moved/);
    const photo = await eventually('the photo is recorded failed', async () => {
      const item = await getPhoto(owner, photoId);
      return item?.status === 'pending' ? undefined : item;
    });
    expect(photo).toMatchObject({ status: 'failed', reason: 'corrupt' });
    expect(await held(DEAD_LETTER_QUEUE)).toBe(0);

    // A second run has nothing to move.
    const again = await redrive('ThumbnailsEventsDeadLetterQueue');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing to move');
  }, 120_000);

  it('invokes thumbnails again for a failed invocation, and reports a record whose upload is gone', async () => {
    // Prepare: an upload processed once (its S3 event), whose result was then lost (the photo pending again), and its
    // invocation record in the failed-invocations queue; and a record for an upload deleted since.
    const photoId = randomUUID();
    const key = `uploads/${owner}/${photoId}.jpg`;
    await putPending(owner, photoId, key);
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
    await s3.send(new PutObjectCommand({ Bucket: UPLOADS_BUCKET, Key: key, Body: jpeg, ContentType: 'image/jpeg' }));
    await eventually('the upload is processed', async () => ((await getPhoto(owner, photoId))?.status === 'ready' ? true : undefined));
    await putPending(owner, photoId, key);
    const record = (objectKey: string, requestId: string) => ({
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: { requestId, functionArn: THUMBNAILS_ARN, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { Records: [{ eventVersion: '2.1', eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: UPLOADS_BUCKET }, object: { key: objectKey, size: jpeg.length } } }] },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'SNS unavailable' },
    });
    const queue = await queueUrl(FAILED_INVOCATIONS_QUEUE);
    const goneKey = `uploads/${owner}/${randomUUID()}.jpg`;
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify(record(key, 'request-present')) }));
    await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: JSON.stringify(record(goneKey, 'request-gone')) }));

    // Act
    const run = await redrive('ThumbnailsFailedInvocationsQueue');

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('request request-present (RetriesExhausted): succeeded');
    expect(run.stdout).toContain(`request request-gone: s3://${UPLOADS_BUCKET}/${goneKey}`);
    await eventually('the photo is ready again', async () => ((await getPhoto(owner, photoId))?.status === 'ready' ? true : undefined));
    expect(await held(FAILED_INVOCATIONS_QUEUE)).toBe(0);
  }, 120_000);
});
