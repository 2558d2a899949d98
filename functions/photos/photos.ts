/**
 * The photos consumer's use case: one thumbnails event (`thumbnails.ready` / `thumbnails.failed`, published by the
 * thumbnails function, functions/thumbnails/process-upload.ts) → the status of the photo it names in PhotosTable.
 *
 * POST /uploads writes the photo `pending` before it signs the upload; this only updates that item, never creates
 * one, so a photo deleted meanwhile is not brought back. Events may come twice (SQS is at-least-once) and in any order
 * (a second upload to the same presigned key gives a second event), so the result is decided by a precedence, not by
 * arrival: ready > failed > pending. A `failed` never replaces a `ready`, a `ready` replaces a `failed`, and an event
 * whose status the photo already has changes nothing. The store applies it in one conditional write, so it holds
 * under concurrent deliveries too.
 */
import * as z from 'zod/mini';
import { parseUploadKey, thumbnailsPrefix } from '../lib/photo-keys';
import type { PhotoStatus, StoredThumbnail } from '../lib/photo-records';

/** The statuses an event's status may replace: a status replaces only those of lower precedence. */
export const REPLACES: Readonly<Record<Exclude<PhotoStatus, 'pending'>, readonly PhotoStatus[]>> = {
  ready: ['pending', 'failed'],
  failed: ['pending'],
};

/** A photo item's key in PhotosTable: the owner's Cognito `sub` and the uuid of the upload key. */
export interface PhotoKey {
  owner: string;
  photoId: string;
}

/** What an event says became of the upload. */
export type PhotoResult =
  | { status: 'ready'; original: { bytes: number }; thumbnails: StoredThumbnail[] }
  | { status: 'failed'; reason: string };

/**
 * - `recorded`: the photo now has the event's result.
 * - `kept`: the photo already had this status or a higher one (`status`): nothing changed.
 * - `unknown`: there is no such photo (deleted, expired unsigned, or never made by POST /uploads): nothing was written.
 */
export type RecordOutcome = { kind: 'recorded' } | { kind: 'kept'; status: string | undefined } | { kind: 'unknown' };

/** The port to PhotosTable; DynamoDbPhotoStore is the adapter. */
export interface PhotoStore {
  /** Sets `result` on the existing photo if, and only if, its status is one of `replaces`, in one atomic write. */
  record(photo: PhotoKey, result: PhotoResult, replaces: readonly PhotoStatus[], at: Date): Promise<RecordOutcome>;
}

/**
 * A message no retry can make readable: not JSON, not a thumbnails event, or an event about objects outside the
 * photo's own keys. It is left to fail, so the queue dead-letters it after its receives (not dropped: a message this
 * consumer refuses may be one a fixed consumer reads, and the dead-letter queue gives it back unchanged).
 */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
}

/** What one event asks for: a result for a photo, or nothing (it names no photo POST /uploads could have made). */
export type PhotoEvent =
  | { kind: 'photo'; photo: PhotoKey; result: PhotoResult }
  | { kind: 'no-photo'; key: string; why: string };

/** POST /uploads names uploads with crypto.randomUUID(): lower case. */
const PHOTO_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const text = z.string().check(z.minLength(1), z.maxLength(1024));
const count = z.int().check(z.nonnegative());
const side = z.int().check(z.positive());

/**
 * The events as functions/thumbnails/process-upload.ts writes them (ThumbnailsReady, ThumbnailsFailed; raw SNS
 * delivery, so the body is the event). Fields this consumer does not use may come and go (z.object drops them). The
 * reason is any code-like string, not the producer's list: a reason added there must not dead-letter its events here
 * (the front end shows unknown codes in general words).
 */
const ReadySchema = z.object({
  type: z.literal('thumbnails.ready'),
  owner: text,
  source: z.object({ bucket: text, key: text, bytes: count }),
  outputs: z
    .array(z.object({ key: text, format: z.string().check(z.regex(/^[a-z0-9]{1,10}$/)), contentType: text, width: side, height: side, bytes: count }))
    .check(z.minLength(1), z.maxLength(100)),
});
const FailedSchema = z.object({
  type: z.literal('thumbnails.failed'),
  owner: z.optional(text),
  source: z.object({ bucket: text, key: text }),
  reason: z.string().check(z.regex(/^[a-z][a-z0-9_]{0,63}$/)),
});
const EventSchema = z.discriminatedUnion('type', [ReadySchema, FailedSchema]);

/** `outputs[1].width` for zod's issue path. */
const where = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}${at === '' ? '' : '.'}${String(key)}`), '') || 'the event';

export function parseThumbnailsEvent(body: string): PhotoEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedEventError('message body is not JSON');
  }
  const parsed = EventSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedEventError(`not a thumbnails event: ${issue ? `${where(issue.path)} (${issue.code})` : 'invalid'}`);
  }
  const event = parsed.data;
  const upload = parseUploadKey(event.source.key);

  if (event.type === 'thumbnails.failed') {
    // The thumbnails function reports an object outside the upload scheme as `unexpected_key`, without an owner: a
    // true report about no photo.
    if (upload === undefined) return { kind: 'no-photo', key: event.source.key, why: 'the key does not follow uploads/<owner>/<name>' };
    if (event.owner !== undefined && event.owner !== upload.owner) throw new MalformedEventError('owner is not the owner in the key');
    if (!PHOTO_ID.test(upload.id)) return { kind: 'no-photo', key: event.source.key, why: 'the name is not a photo id of POST /uploads' };
    return { kind: 'photo', photo: { owner: upload.owner, photoId: upload.id }, result: { status: 'failed', reason: event.reason } };
  }

  // A ready event always names an upload of the scheme: the thumbnails function wrote its thumbnails from it.
  if (upload === undefined) throw new MalformedEventError('thumbnails.ready for a key outside uploads/<owner>/<name>');
  if (event.owner !== upload.owner) throw new MalformedEventError('owner is not the owner in the key');
  // The photo item's thumbnails are what DELETE /photos/{id} deletes: never a key outside this photo's own folder.
  const prefix = thumbnailsPrefix(upload.owner, upload.id);
  if (event.outputs.some(({ key }) => !key.startsWith(prefix) || key.slice(prefix.length).includes('/'))) {
    throw new MalformedEventError(`a thumbnail key is outside ${prefix}`);
  }
  if (!PHOTO_ID.test(upload.id)) return { kind: 'no-photo', key: event.source.key, why: 'the name is not a photo id of POST /uploads' };
  return {
    kind: 'photo',
    photo: { owner: upload.owner, photoId: upload.id },
    result: {
      status: 'ready',
      original: { bytes: event.source.bytes },
      thumbnails: event.outputs.map(({ width, height, format, contentType, bytes, key }) => ({ width, height, format, contentType, bytes, key })),
    },
  };
}

export interface RecordDeps {
  store: PhotoStore;
  now: () => Date;
}

/** One message → the photo's new status. Throws MalformedEventError, or the store's error (transient: retried). */
export async function recordThumbnailsEvent(body: string, deps: RecordDeps): Promise<{ event: PhotoEvent; outcome?: RecordOutcome }> {
  const event = parseThumbnailsEvent(body);
  if (event.kind === 'no-photo') return { event };
  const outcome = await deps.store.record(event.photo, event.result, REPLACES[event.result.status], deps.now());
  return { event, outcome };
}
