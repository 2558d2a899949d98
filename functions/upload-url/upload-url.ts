/**
 * The upload-url use case: a signed-in user asks to upload one image; the answer is a presigned POST that S3 itself
 * holds to the declared type and size, for a key the server chooses. Each one counts against the user's uploads of
 * the UTC day and is recorded as a `pending` photo, which the photos consumer completes from the thumbnails events.
 */
import { ForbiddenError, QuotaExceededError, TooLargeError, UnsupportedTypeError, ValidationError } from '../lib/errors';
import type { UploadLedger } from '../lib/photo-records';
import { quotaWindow } from './quota';

/**
 * Content types a browser may declare, and the extension of the key. The thumbnails function sniffs the bytes again:
 * this list only spares users an upload that would be refused. HEIC/HEIF (iPhone photos) are decoded by the thumbnails
 * function's WebAssembly libheif; SVG never (scripts, external references).
 */
export const UPLOAD_TYPES: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'image/heic': 'heic',
  'image/heif': 'heif',
};

export interface UploadRequest {
  contentType: string;
  /** The file's size in bytes; the presigned POST allows exactly up to this many. */
  size: number;
}

export interface PresignedUpload {
  url: string;
  fields: Record<string, string>;
}

export interface Presigner {
  presignPost(input: { key: string; contentType: string; maxBytes: number; expiresSeconds: number }): Promise<PresignedUpload>;
}

export interface UploadUrlOptions {
  maxBytes: number;
  expiresSeconds: number;
  /** Presigned POSTs one user may get per UTC day. */
  uploadsPerDay: number;
}

/** A photo that was signed for but never uploaded stays listed (pending) this long after its POST expired. */
const PENDING_GRACE_SECONDS = 24 * 60 * 60;

export interface UploadUrl {
  /** The photo's id (GET /photos/{id}): the <uuid> of the key. */
  id: string;
  key: string;
  upload: PresignedUpload;
  expiresAt: string;
  maxBytes: number;
}

export function parseUploadRequest(body: unknown): UploadRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('invalid_request', 'Body must be a JSON object with contentType and size');
  }
  const { contentType, size } = body as Record<string, unknown>;
  if (typeof contentType !== 'string' || contentType === '') {
    throw new ValidationError('invalid_request', 'contentType is required');
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1) {
    throw new ValidationError('invalid_request', 'size must be a positive integer (bytes)');
  }
  return { contentType: contentType.trim().toLowerCase(), size };
}

export async function createUploadUrl(
  owner: string,
  request: UploadRequest,
  options: UploadUrlOptions,
  deps: { presigner: Presigner; ledger: UploadLedger; newId: () => string; now: () => Date },
): Promise<UploadUrl> {
  const extension = UPLOAD_TYPES[request.contentType];
  if (extension === undefined) {
    throw new UnsupportedTypeError('unsupported_media_type', `contentType must be one of ${Object.keys(UPLOAD_TYPES).join(', ')}`);
  }
  if (request.size > options.maxBytes) throw new TooLargeError('payload_too_large', `size exceeds the limit of ${options.maxBytes} bytes`);
  // The owner comes from the verified token; it is a path segment, so anything else than a Cognito sub is refused.
  if (!/^[A-Za-z0-9-]{1,128}$/.test(owner)) throw new ForbiddenError('forbidden', 'The token has no usable subject');

  // Counted before anything is signed, and only for a request that would be signed: a refused type or size costs
  // nothing. A failure after this (the record, the signing) costs the user one of the day's uploads, never more.
  const now = deps.now();
  const { counter, retryAfterSeconds } = quotaWindow(now, options.uploadsPerDay);
  if (!(await deps.ledger.countUpload(owner, counter))) {
    throw new QuotaExceededError(
      'upload_quota_exceeded',
      `You can upload ${options.uploadsPerDay} photos a day; more from 00:00 UTC`,
      retryAfterSeconds,
    );
  }

  const id = deps.newId();
  const key = `uploads/${owner}/${id}.${extension}`;
  const expiresMs = now.getTime() + options.expiresSeconds * 1000;
  // Recorded before the URL exists, so no upload can arrive for a photo the table does not know.
  await deps.ledger.addPending({
    owner,
    photoId: id,
    status: 'pending',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    uploadKey: key,
    contentType: request.contentType,
    expiresAt: Math.ceil(expiresMs / 1000) + PENDING_GRACE_SECONDS,
  });
  const upload = await deps.presigner.presignPost({
    key,
    contentType: request.contentType,
    maxBytes: request.size,
    expiresSeconds: options.expiresSeconds,
  });
  return { id, key, upload, expiresAt: new Date(expiresMs).toISOString(), maxBytes: request.size };
}
