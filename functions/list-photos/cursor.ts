/**
 * The opaque cursor of GET /photos: base64url of the JSON of where the previous page ended (the byCreatedAt index's
 * key). Not signed: whatever a caller puts in it, the query stays in the caller's own partition, so a forged cursor
 * can only skip through their own photos. What is checked is what DynamoDB would otherwise refuse with a 500: the
 * shape, the owner (ExclusiveStartKey must be in the queried partition), and sizes.
 */
import { ValidationError } from '../lib/errors';
import { isPhotoId, type PageKey } from '../lib/photo-records';

/** A real cursor is ~170 characters (a sub, a uuid, a timestamp); anything far longer is not one. */
const MAX_CURSOR_LENGTH = 512;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** As Date.prototype.toISOString writes createdAt. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function encodeCursor(key: PageKey): string {
  return Buffer.from(JSON.stringify({ owner: key.owner, photoId: key.photoId, createdAt: key.createdAt })).toString('base64url');
}

export function decodeCursor(cursor: string, owner: string): PageKey {
  const invalid = () => new ValidationError('invalid_cursor', 'cursor is not one that GET /photos gave you');
  if (cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) throw invalid();
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid();
  const fields = value as Record<string, unknown>;
  if (Object.keys(fields).sort().join() !== 'createdAt,owner,photoId') throw invalid();
  const { photoId, createdAt } = fields;
  if (fields.owner !== owner || !isPhotoId(photoId)) throw invalid();
  if (typeof createdAt !== 'string' || !ISO_TIME.test(createdAt) || Number.isNaN(Date.parse(createdAt))) throw invalid();
  return { owner, photoId, createdAt };
}
