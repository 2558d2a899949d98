import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { photosBatchHandler } from '../../../../functions/photos/batch';
import {
  MalformedEventError,
  parseThumbnailsEvent,
  recordThumbnailsEvent,
  type PhotoKey,
  type PhotoResult,
  type PhotoStore,
  type RecordOutcome,
} from '../../../../functions/photos/photos';
import type { PhotoStatus } from '../../../../functions/lib/photo-records';
import { processUpload, type Ports, type ThumbnailEvent } from '../../../../functions/thumbnails/process-upload';
import { jpeg } from '../thumbnails/images';

const sample = (): SQSEvent => JSON.parse(readFileSync(path.join(__dirname, '../../../../events/sqs/thumbnails-events.json'), 'utf8')) as SQSEvent;
const context = { functionName: 'photos-test', awsRequestId: 'request-1', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;

const OWNER = '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11';
const READY_ID = '5f1c2d3e-0000-4000-8000-000000000001';
const FAILED_ID = '5f1c2d3e-0000-4000-8000-000000000002';
const T0 = new Date('2026-12-01T10:00:00.000Z');

type Item = Record<string, unknown> & { status?: string };

/**
 * PhotosTable in memory, with the adapter's rule: the write applies only to an existing item whose status is one of
 * `replaces`, and a failed write reports the item as it is. `failing` makes the next writes throw, as DynamoDB does
 * when it throttles.
 */
function fakeStore(items: Record<string, Item> = {}) {
  const calls: { photo: PhotoKey; result: PhotoResult; replaces: readonly PhotoStatus[] }[] = [];
  const store: PhotoStore & { failing: Error | undefined } = {
    failing: undefined,
    async record(photo, result, replaces, at): Promise<RecordOutcome> {
      calls.push({ photo, result, replaces });
      if (this.failing) throw this.failing;
      const id = `${photo.owner}/${photo.photoId}`;
      const item = items[id];
      if (item === undefined) return { kind: 'unknown' };
      if (!replaces.includes(item.status as PhotoStatus)) return { kind: 'kept', status: item.status };
      const updated: Item = { ...item, ...result, updatedAt: at.toISOString() };
      delete updated.expiresAt;
      if (result.status === 'ready') delete updated.reason;
      items[id] = updated;
      return { kind: 'recorded' };
    },
  };
  return { store, items, calls };
}

const pending = (photoId: string): Item => ({ owner: OWNER, photoId, status: 'pending', createdAt: T0.toISOString(), expiresAt: 1_796_000_000 });
const bodies = () => sample().Records.map((record) => record.body);
const readyBody = () => bodies()[0] ?? '';
const failedBody = () => bodies()[1] ?? '';
/** The failed event of the fixture, for the photo of the ready one: both outcomes for one upload. */
const failedForReadyPhoto = () => failedBody().replaceAll(FAILED_ID, READY_ID);
const readyForFailedPhoto = () => readyBody().replaceAll(READY_ID, FAILED_ID);
const at = (seconds: number) => () => new Date(T0.getTime() + seconds * 1000);

describe('parseThumbnailsEvent', () => {
  it('reads a ready event as the photo of its upload key, with the original size and every thumbnail', () => {
    expect(parseThumbnailsEvent(readyBody())).toEqual({
      kind: 'photo',
      photo: { owner: OWNER, photoId: READY_ID },
      result: {
        status: 'ready',
        original: { bytes: 7340032 },
        thumbnails: [
          { width: 160, height: 120, format: 'webp', contentType: 'image/webp', bytes: 4711, key: `thumbnails/${OWNER}/${READY_ID}/w160.webp` },
          { width: 480, height: 360, format: 'webp', contentType: 'image/webp', bytes: 21034, key: `thumbnails/${OWNER}/${READY_ID}/w480.webp` },
          { width: 1200, height: 900, format: 'webp', contentType: 'image/webp', bytes: 98122, key: `thumbnails/${OWNER}/${READY_ID}/w1200.webp` },
        ],
      },
    });
  });

  it('reads a failed event as the photo with the reason code', () => {
    expect(parseThumbnailsEvent(failedBody())).toEqual({
      kind: 'photo',
      photo: { owner: OWNER, photoId: FAILED_ID },
      result: { status: 'failed', reason: 'unsupported_format' },
    });
  });

  it('takes a reason code it does not know (one the producer added later), not only today’s list', () => {
    const body = failedBody().replace('unsupported_format', 'heic_unsupported_profile');
    expect(parseThumbnailsEvent(body)).toMatchObject({ result: { status: 'failed', reason: 'heic_unsupported_profile' } });
  });

  it('knows events that name no photo: an object outside the upload scheme, or not named by POST /uploads', () => {
    // Prepare: what the thumbnails function publishes for an object an operator copied in
    const unexpected = JSON.stringify({ type: 'thumbnails.failed', source: { bucket: 'b', key: 'uploads/loose.jpg' }, reason: 'unexpected_key', message: 'x' });
    const named = failedBody().replaceAll(FAILED_ID, 'holiday photo');

    // Act / Assess
    expect(parseThumbnailsEvent(unexpected)).toEqual({ kind: 'no-photo', key: 'uploads/loose.jpg', why: expect.any(String) as string });
    expect(parseThumbnailsEvent(named)).toMatchObject({ kind: 'no-photo', key: `uploads/${OWNER}/holiday photo.jpg` });
  });

  it.each([
    ['not JSON', 'thumbnails ready', 'message body is not JSON'],
    ['JSON of another kind', '{"Records":[]}', 'not a thumbnails event: type (invalid_union)'],
    ['a ready event without outputs', () => readyBody().replace(/"outputs":\[.*\]/, '"outputs":[]'), 'not a thumbnails event: outputs (too_small)'],
    ['a ready event with a negative size', () => readyBody().replace('"bytes":4711', '"bytes":-1'), 'not a thumbnails event: outputs[0].bytes (too_small)'],
    ['a failed event without a reason', '{"type":"thumbnails.failed","source":{"bucket":"b","key":"uploads/o/x.jpg"}}', 'not a thumbnails event: reason (invalid_type)'],
    ['a ready event for a key outside the scheme', () => readyBody().replace(`uploads/${OWNER}/`, 'elsewhere/'), 'thumbnails.ready for a key outside uploads/<owner>/<name>'],
    ['an event whose owner is not the key’s', () => readyBody().replace(`"owner":"${OWNER}"`, '"owner":"someone-else"'), 'owner is not the owner in the key'],
    [
      'a ready event naming a thumbnail of another photo',
      () => readyBody().replace(`thumbnails/${OWNER}/${READY_ID}/w160.webp`, `thumbnails/${OWNER}/${FAILED_ID}/w160.webp`),
      `a thumbnail key is outside thumbnails/${OWNER}/${READY_ID}/`,
    ],
  ])('refuses %s as malformed, with the reason', (_, body, reason) => {
    const text = typeof body === 'function' ? body() : body;
    expect(() => parseThumbnailsEvent(text)).toThrow(new MalformedEventError(reason));
  });
});

describe('recordThumbnailsEvent: precedence ready > failed > pending', () => {
  it('makes a pending photo ready with its thumbnails and drops its expiry', async () => {
    // Prepare
    const { store, items } = fakeStore({ [`${OWNER}/${READY_ID}`]: pending(READY_ID) });

    // Act
    const { outcome } = await recordThumbnailsEvent(readyBody(), { store, now: at(5) });

    // Assess
    expect(outcome).toEqual({ kind: 'recorded' });
    const item = items[`${OWNER}/${READY_ID}`];
    expect(item).toMatchObject({ status: 'ready', original: { bytes: 7340032 }, createdAt: T0.toISOString(), updatedAt: '2026-12-01T10:00:05.000Z' });
    expect(item?.thumbnails).toHaveLength(3);
    expect(item).not.toHaveProperty('expiresAt');
  });

  it('keeps a ready photo ready when a failed event comes after it', async () => {
    // Prepare
    const { store, items } = fakeStore({ [`${OWNER}/${READY_ID}`]: pending(READY_ID) });
    await recordThumbnailsEvent(readyBody(), { store, now: at(5) });
    const ready = structuredClone(items[`${OWNER}/${READY_ID}`]);

    // Act
    const { outcome } = await recordThumbnailsEvent(failedForReadyPhoto(), { store, now: at(9) });

    // Assess
    expect(outcome).toEqual({ kind: 'kept', status: 'ready' });
    expect(items[`${OWNER}/${READY_ID}`]).toEqual(ready);
  });

  it('makes a failed photo ready when a ready event comes after it, without the old reason', async () => {
    // Prepare
    const { store, items } = fakeStore({ [`${OWNER}/${FAILED_ID}`]: pending(FAILED_ID) });
    await recordThumbnailsEvent(failedBody(), { store, now: at(5) });
    expect(items[`${OWNER}/${FAILED_ID}`]).toMatchObject({ status: 'failed', reason: 'unsupported_format' });

    // Act
    const { outcome } = await recordThumbnailsEvent(readyForFailedPhoto(), { store, now: at(9) });

    // Assess
    expect(outcome).toEqual({ kind: 'recorded' });
    expect(items[`${OWNER}/${FAILED_ID}`]).toMatchObject({ status: 'ready', updatedAt: '2026-12-01T10:00:09.000Z' });
    expect(items[`${OWNER}/${FAILED_ID}`]).not.toHaveProperty('reason');
  });

  it.each([
    ['ready', readyBody, READY_ID],
    ['failed', failedBody, FAILED_ID],
  ])('changes nothing when the %s event is delivered again', async (_, body, photoId) => {
    // Prepare
    const { store, items } = fakeStore({ [`${OWNER}/${photoId}`]: pending(photoId) });
    await recordThumbnailsEvent(body(), { store, now: at(5) });
    const first = structuredClone(items[`${OWNER}/${photoId}`]);

    // Act
    const { outcome } = await recordThumbnailsEvent(body(), { store, now: at(60) });

    // Assess: not even updatedAt moved
    expect(outcome).toMatchObject({ kind: 'kept' });
    expect(items[`${OWNER}/${photoId}`]).toEqual(first);
  });

  it('asks the store to replace only lower statuses: ready over pending or failed, failed over pending', async () => {
    const { store, calls } = fakeStore();
    await recordThumbnailsEvent(readyBody(), { store, now: at(1) });
    await recordThumbnailsEvent(failedBody(), { store, now: at(1) });
    expect(calls.map(({ result, replaces }) => [result.status, replaces])).toEqual([
      ['ready', ['pending', 'failed']],
      ['failed', ['pending']],
    ]);
  });

  it('creates nothing for an unknown or deleted photo', async () => {
    const { store, items } = fakeStore();
    const { outcome } = await recordThumbnailsEvent(readyBody(), { store, now: at(1) });
    expect(outcome).toEqual({ kind: 'unknown' });
    expect(items).toEqual({});
  });

  it('asks nothing of the store for an event that names no photo', async () => {
    const { store, calls } = fakeStore();
    const body = JSON.stringify({ type: 'thumbnails.failed', source: { bucket: 'b', key: 'uploads/x.jpg' }, reason: 'unexpected_key', message: 'x' });
    expect(await recordThumbnailsEvent(body, { store, now: at(1) })).toEqual({ event: expect.objectContaining({ kind: 'no-photo' }) as unknown });
    expect(calls).toEqual([]);
  });
});

describe('photosBatchHandler', () => {
  const record = (body: string, messageId: string): SQSRecord => ({ ...sample().Records[0]!, body, messageId });

  it('records every event of a batch and reports no failure', async () => {
    // Prepare
    const { store, items } = fakeStore({ [`${OWNER}/${READY_ID}`]: pending(READY_ID), [`${OWNER}/${FAILED_ID}`]: pending(FAILED_ID) });

    // Act
    const response = await photosBatchHandler({ store, now: at(3) })(sample(), context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect([items[`${OWNER}/${READY_ID}`]?.status, items[`${OWNER}/${FAILED_ID}`]?.status]).toEqual(['ready', 'failed']);
  });

  it('acknowledges events for unknown photos and events that name no photo (no retry could change them)', async () => {
    const { store } = fakeStore();
    const loose = JSON.stringify({ type: 'thumbnails.failed', source: { bucket: 'b', key: 'x.jpg' }, reason: 'unexpected_key', message: 'x' });
    const response = await photosBatchHandler({ store, now: at(3) })({ Records: [...sample().Records, record(loose, 'loose')] }, context);
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('fails only the record whose write failed (DynamoDB throttling), so SQS delivers it alone again', async () => {
    // Prepare: the store throttles the failed event's write only
    const { store, items } = fakeStore({ [`${OWNER}/${READY_ID}`]: pending(READY_ID), [`${OWNER}/${FAILED_ID}`]: pending(FAILED_ID) });
    const inner = store.record.bind(store);
    store.record = async (photo, ...rest) => {
      if (photo.photoId === FAILED_ID) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      return inner(photo, ...rest);
    };
    const event = sample();

    // Act
    const response = await photosBatchHandler({ store, now: at(3) })(event, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: event.Records[1]?.messageId }] });
    expect(items[`${OWNER}/${READY_ID}`]?.status).toBe('ready');
    expect(items[`${OWNER}/${FAILED_ID}`]?.status).toBe('pending');
  });

  it('reports every record when DynamoDB is down, instead of throwing the batch', async () => {
    const { store } = fakeStore();
    store.failing = new Error('connect ECONNREFUSED');
    const event = sample();
    const response = await photosBatchHandler({ store, now: at(3) })(event, context);
    expect(response.batchItemFailures.map(({ itemIdentifier }) => itemIdentifier)).toEqual(event.Records.map(({ messageId }) => messageId));
  });

  it('fails a malformed message, so the queue moves it to its dead-letter queue after its receives, and records the rest', async () => {
    // Prepare
    const { store, items } = fakeStore({ [`${OWNER}/${READY_ID}`]: pending(READY_ID) });

    // Act
    const response = await photosBatchHandler({ store, now: at(3) })({ Records: [record('{"type":"thumbnails.ready"}', 'bad'), sample().Records[0]!] }, context);

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(items[`${OWNER}/${READY_ID}`]?.status).toBe('ready');
  });
});

describe('the events the thumbnails function publishes', () => {
  /** processUpload with in-memory ports: the event it publishes, exactly as it goes on the topic. */
  async function published(key: string, bytes: Uint8Array): Promise<ThumbnailEvent> {
    const events: ThumbnailEvent[] = [];
    const ports: Ports = {
      uploads: { size: async () => bytes.length, read: async () => bytes },
      thumbnails: { write: async () => undefined },
      events: { publish: async (event) => void events.push(event) },
    };
    const options = { widths: [160, 480], formats: ['webp' as const], maxHeight: 2400, maxInputPixels: 40_000_000, quality: 80, maxInputBytes: 1_000_000, publicBaseUrl: 'https://d1.cloudfront.net' };
    await processUpload({ bucket: 'uploads', key }, options, ports);
    expect(events).toHaveLength(1);
    return events[0]!;
  }

  it('are read by the consumer: a JPEG becomes ready with its thumbnails, a text file failed with its reason', async () => {
    // Prepare
    const { store, items } = fakeStore({ [`${OWNER}/${READY_ID}`]: pending(READY_ID), [`${OWNER}/${FAILED_ID}`]: pending(FAILED_ID) });
    const good = await published(`uploads/${OWNER}/${READY_ID}.jpg`, await jpeg(800, 600));
    const bad = await published(`uploads/${OWNER}/${FAILED_ID}.jpg`, Buffer.from('not a picture'));

    // Act
    await recordThumbnailsEvent(JSON.stringify(good), { store, now: at(1) });
    await recordThumbnailsEvent(JSON.stringify(bad), { store, now: at(1) });

    // Assess
    expect(items[`${OWNER}/${READY_ID}`]).toMatchObject({
      status: 'ready',
      original: { bytes: expect.any(Number) as number },
      thumbnails: [
        { width: 160, height: 120, format: 'webp', contentType: 'image/webp', key: `thumbnails/${OWNER}/${READY_ID}/w160.webp` },
        { width: 480, height: 360, format: 'webp', contentType: 'image/webp', key: `thumbnails/${OWNER}/${READY_ID}/w480.webp` },
      ],
    });
    expect(items[`${OWNER}/${FAILED_ID}`]).toMatchObject({ status: 'failed', reason: 'unsupported_format' });
  });
});
