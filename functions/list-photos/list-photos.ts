/** GET /photos: the caller's photos, newest first, a page at a time. */
import { ValidationError } from '../lib/errors';
import { isLive, photoView, type PageKey, type PhotoItem, type PhotoPages, type PhotoView } from '../lib/photo-records';
import { decodeCursor, encodeCursor } from './cursor';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 50;
/**
 * Queries one request may make while it skips expired pending photos (never uploaded, not yet removed by TTL). Past
 * it the page is shorter and its cursor goes on from where the last query stopped.
 */
const MAX_QUERIES = 4;

export interface ListRequest {
  limit: number;
  after?: PageKey;
}

export interface PhotoList {
  photos: PhotoView[];
  nextCursor?: string;
}

/** `limit` (1–50, digits only) and `cursor` from the query string; any other parameter is ignored. */
export function parseListRequest(query: Readonly<Record<string, string | undefined>> | undefined, owner: string): ListRequest {
  const limitText = query?.limit;
  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined) {
    // Digits only: Number() would take "1e1", " 5", "0x10" and "" (0).
    limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) {
      throw new ValidationError('invalid_limit', `limit must be a whole number from 1 to ${MAX_LIMIT}`);
    }
  }
  const cursor = query?.cursor;
  return { limit, ...(cursor === undefined ? {} : { after: decodeCursor(cursor, owner) }) };
}

export async function listPhotos(
  owner: string,
  request: ListRequest,
  deps: { photos: PhotoPages; thumbnailsBaseUrl: string; now: () => Date },
): Promise<PhotoList> {
  const nowSeconds = deps.now().getTime() / 1000;
  // One more than the page: whether another page exists is known without an empty last page.
  const wanted = request.limit + 1;
  const live: PhotoItem[] = [];
  let after = request.after;
  let lastKey: PageKey | undefined;
  for (let query = 0; query < MAX_QUERIES && live.length < wanted; query++) {
    const page = await deps.photos.page(owner, wanted - live.length, after);
    live.push(...page.items.filter((item) => isLive(item, nowSeconds)));
    lastKey = page.lastKey;
    if (lastKey === undefined) break;
    after = lastKey;
  }

  const photos = live.slice(0, request.limit);
  const last = photos.at(-1);
  // More than a page: go on after its last photo. Less: either the end (no lastKey) or the queries stopped early
  // (expired photos skipped, or DynamoDB's 1 MB page), and the next page goes on from where they stopped.
  const next = live.length > request.limit && last !== undefined ? { owner, photoId: last.photoId, createdAt: last.createdAt } : lastKey;
  return {
    photos: photos.map((item) => photoView(item, deps.thumbnailsBaseUrl)),
    ...(next === undefined ? {} : { nextCursor: encodeCursor(next) }),
  };
}
