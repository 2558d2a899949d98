/**
 * The upload-url use case: a signed-in user asks to upload one image; the answer is a presigned POST that S3 itself
 * holds to the declared type and size, for a key the server chooses.
 */
import { ForbiddenError, TooLargeError, UnsupportedTypeError, ValidationError } from '../lib/errors';

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
}

export interface UploadUrl {
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
  deps: { presigner: Presigner; newId: () => string; now: () => Date },
): Promise<UploadUrl> {
  const extension = UPLOAD_TYPES[request.contentType];
  if (extension === undefined) {
    throw new UnsupportedTypeError('unsupported_media_type', `contentType must be one of ${Object.keys(UPLOAD_TYPES).join(', ')}`);
  }
  if (request.size > options.maxBytes) throw new TooLargeError('payload_too_large', `size exceeds the limit of ${options.maxBytes} bytes`);
  // The owner comes from the verified token; it is a path segment, so anything else than a Cognito sub is refused.
  if (!/^[A-Za-z0-9-]{1,128}$/.test(owner)) throw new ForbiddenError('forbidden', 'The token has no usable subject');

  const key = `uploads/${owner}/${deps.newId()}.${extension}`;
  const upload = await deps.presigner.presignPost({
    key,
    contentType: request.contentType,
    maxBytes: request.size,
    expiresSeconds: options.expiresSeconds,
  });
  const expiresAt = new Date(deps.now().getTime() + options.expiresSeconds * 1000).toISOString();
  return { key, upload, expiresAt, maxBytes: request.size };
}
