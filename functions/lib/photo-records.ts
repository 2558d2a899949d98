/**
 * PhotosTable (resources/photos.yml): one item per upload a user was given a presigned POST for, keyed by the owner
 * (the Cognito sub) and the photo id (the <uuid> of `uploads/<owner>/<uuid>.<ext>`), and one upload counter per owner
 * and UTC day. POST /uploads writes an item `pending`; the photos consumer makes it `ready` or `failed`; the photo
 * routes read and delete it. The ports are what the cores use; DynamoDbPhotoStore is the adapter, made once per
 * container by the handlers.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from './errors';

export type PhotoStatus = 'pending' | 'ready' | 'failed';

/** One thumbnail as the consumer records it from the `thumbnails.ready` event. */
export interface StoredThumbnail {
  width: number;
  height: number;
  format: string;
  contentType: string;
  bytes: number;
  /** `thumbnails/<owner>/<photoId>/w<width>.<format>` in the thumbnails bucket. */
  key: string;
}

export interface PhotoItem {
  owner: string;
  photoId: string;
  status: PhotoStatus;
  /** When POST /uploads signed the upload (ISO 8601): the sort key of the byCreatedAt index. */
  createdAt: string;
  updatedAt: string;
  /** The original's key in the uploads bucket. */
  uploadKey: string;
  /** As the user declared it to POST /uploads. */
  contentType: string;
  /** Epoch seconds; only while pending (the presigned POST's expiry + 1 day): DynamoDB's TTL attribute. */
  expiresAt?: number;
  original?: { bytes: number };
  thumbnails?: StoredThumbnail[];
  /** A RejectionReason code of the thumbnails function, when failed. */
  reason?: string;
}

/** Where a page of the byCreatedAt index ends: the index key plus the table key, as DynamoDB's LastEvaluatedKey. */
export interface PageKey {
  owner: string;
  photoId: string;
  createdAt: string;
}

export interface Page {
  items: PhotoItem[];
  /** Set when DynamoDB stopped before the end of the owner's photos. */
  lastKey?: PageKey;
}

export const BY_CREATED_AT = 'byCreatedAt';

/** The ids POST /uploads gives photos, crypto.randomUUID()'s form: anything else names no photo. */
const PHOTO_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isPhotoId(value: unknown): value is string {
  return typeof value === 'string' && PHOTO_ID.test(value);
}

/**
 * A pending photo past its expiresAt was never uploaded. TTL deletes such items "within a few days" of the time, and
 * until then reads still return them ("Working with Time to Live", DynamoDB developer guide): readers leave them out.
 */
export function isLive(item: PhotoItem, nowSeconds: number): boolean {
  return item.expiresAt === undefined || item.expiresAt > nowSeconds;
}

/**
 * The one refusal of the photo routes: an unknown id, another user's, a malformed one (not a photo id at all) and a
 * pending photo whose upload never came are the same 404, so the answer tells nothing about other users' photos.
 */
export const photoNotFound = (): NotFoundError => new NotFoundError('not_found', 'No such photo');

export interface PhotoReader {
  get(owner: string, photoId: string): Promise<PhotoItem | undefined>;
}

export interface PhotoPages {
  /** Up to `limit` of the owner's photos, newest first, after `after` (exclusive). */
  page(owner: string, limit: number, after?: PageKey): Promise<Page>;
}

export interface PhotoRemover {
  remove(owner: string, photoId: string): Promise<void>;
}

export interface DailyCounter {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  limit: number;
  /** Epoch seconds when the counter may go (TTL). */
  expiresAt: number;
}

export interface UploadLedger {
  /** Counts one upload on the owner's counter for the day; false, counting nothing, when it already holds `limit`. */
  countUpload(owner: string, counter: DailyCounter): Promise<boolean>;
  /** Records a photo that was just signed for; its id must be new. */
  addPending(item: PhotoItem): Promise<void>;
}

export const counterId = (day: string): string => `quota#${day}`;

const isConditionFailure = (error: unknown): boolean =>
  error instanceof ConditionalCheckFailedException || (error as Error | undefined)?.name === 'ConditionalCheckFailedException';

/** `owner` and `status` are DynamoDB reserved words: every expression names attributes through placeholders. */
export class DynamoDbPhotoStore implements PhotoReader, PhotoPages, PhotoRemover, UploadLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(owner: string, photoId: string): Promise<PhotoItem | undefined> {
    // Strongly consistent: a photo is there as soon as POST /uploads answered (the web app polls it right away).
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { owner, photoId }, ConsistentRead: true }));
    return typeof Item?.createdAt === 'string' ? (Item as PhotoItem) : undefined;
  }

  async page(owner: string, limit: number, after?: PageKey): Promise<Page> {
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: BY_CREATED_AT,
        KeyConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
        ScanIndexForward: false,
        Limit: limit,
        ExclusiveStartKey: after,
        // A local secondary index can be read strongly consistent (a global one cannot): that is why it is local.
        ConsistentRead: true,
      }),
    );
    return { items: Items as PhotoItem[], ...(LastEvaluatedKey ? { lastKey: pageKey(LastEvaluatedKey) } : {}) };
  }

  async remove(owner: string, photoId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: { owner, photoId } }));
  }

  async countUpload(owner: string, { day, limit, expiresAt }: DailyCounter): Promise<boolean> {
    try {
      // One conditional write: DynamoDB applies the condition and the ADD atomically, so concurrent requests at
      // limit - 1 cannot both pass (read-then-write would let them).
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { owner, photoId: counterId(day) },
          UpdateExpression: 'SET #expiresAt = :expiresAt ADD #uploads :one',
          ConditionExpression: 'attribute_not_exists(#uploads) OR #uploads < :limit',
          ExpressionAttributeNames: { '#uploads': 'uploads', '#expiresAt': 'expiresAt' },
          ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':expiresAt': expiresAt },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async addPending(item: PhotoItem): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#photoId)',
        ExpressionAttributeNames: { '#photoId': 'photoId' },
      }),
    );
  }
}

function pageKey(key: Record<string, unknown>): PageKey {
  const { owner, photoId, createdAt } = key;
  if (typeof owner !== 'string' || typeof photoId !== 'string' || typeof createdAt !== 'string') {
    throw new Error(`Unexpected LastEvaluatedKey from ${BY_CREATED_AT}: ${Object.keys(key).join(', ')}`);
  }
  return { owner, photoId, createdAt };
}

/** A photo as the API answers it. */
export interface PhotoView {
  id: string;
  status: PhotoStatus;
  createdAt: string;
  contentType: string;
  reason?: string;
  original?: { bytes: number };
  thumbnails?: { width: number; height: number; format: string; bytes: number; url: string }[];
}

/**
 * The API's view of an item. Outputs only for `ready`, the reason only for `failed`: whatever else an item carries
 * from an earlier state is not this state's. A thumbnail's URL is built as the thumbnails function builds the ones it
 * announces (functions/thumbnails/process-upload.ts): the distribution's base URL and the key, segment by segment encoded.
 */
export function photoView(item: PhotoItem, thumbnailsBaseUrl: string): PhotoView {
  return {
    id: item.photoId,
    status: item.status,
    createdAt: item.createdAt,
    contentType: item.contentType,
    ...(item.status === 'failed' && item.reason !== undefined ? { reason: item.reason } : {}),
    ...(item.status === 'ready' && item.original !== undefined ? { original: { bytes: item.original.bytes } } : {}),
    ...(item.status === 'ready' && item.thumbnails !== undefined
      ? {
          thumbnails: item.thumbnails.map(({ width, height, format, bytes, key }) => ({
            width,
            height,
            format,
            bytes,
            url: `${thumbnailsBaseUrl}/${key.split('/').map(encodeURIComponent).join('/')}`,
          })),
        }
      : {}),
  };
}
