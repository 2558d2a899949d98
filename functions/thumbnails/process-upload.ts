/**
 * The use case: one uploaded object → thumbnails in the thumbnails bucket → one event. Plain values and ports, so it
 * is tested without AWS; the handler gives it the S3/SNS adapters.
 */
import { parseUploadKey, thumbnailsPrefix } from '../lib/photo-keys';
import { RejectedInput, renderThumbnails, type Thumbnail, type ThumbnailOptions } from './thumbnails';

export interface UploadSource {
  /** Size in bytes, without downloading (HeadObject); undefined when there is no such object. */
  size(key: string): Promise<number | undefined>;
  /** The object's bytes; a RejectedInput `missing` when it is gone. */
  read(key: string): Promise<Uint8Array>;
}

export interface ThumbnailSink {
  write(key: string, body: Buffer, contentType: string, cacheControl: string): Promise<void>;
}

export interface EventPublisher {
  publish(event: ThumbnailEvent): Promise<void>;
}

export interface ThumbnailOutput {
  key: string;
  url: string;
  format: Thumbnail['format'];
  contentType: string;
  /** The configured width (in the key); `width` is smaller when the original is. */
  requestedWidth: number;
  width: number;
  height: number;
  bytes: number;
}

export interface ThumbnailsReady {
  type: 'thumbnails.ready';
  source: { bucket: string; key: string; bytes: number };
  owner: string;
  outputs: ThumbnailOutput[];
}

export interface ThumbnailsFailed {
  type: 'thumbnails.failed';
  source: { bucket: string; key: string };
  /** Undefined when the key does not follow the upload scheme. */
  owner?: string;
  reason: RejectedInput['reason'];
  message: string;
}

export type ThumbnailEvent = ThumbnailsReady | ThumbnailsFailed;

export interface ProcessOptions extends ThumbnailOptions {
  /** Largest upload processed; HeadObject is checked before anything is downloaded. */
  maxInputBytes: number;
  /** Where thumbnails are served, e.g. `https://d123.cloudfront.net` (no trailing slash). */
  publicBaseUrl: string;
}

export interface Ports {
  uploads: UploadSource;
  thumbnails: ThumbnailSink;
  events: EventPublisher;
}

/** Thumbnails never change under a key (a new upload gets a new uuid), so caches may keep them for a year. */
export const THUMBNAIL_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** S3 event keys are URL-encoded with `+` for spaces (S3 event message structure, "object key"). */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** `thumbnails/<owner>/<uuid>/w<width>.<format>` — stable, so a front end can build the URLs it needs. */
export function thumbnailKey(owner: string, id: string, width: number, format: string): string {
  return `${thumbnailsPrefix(owner, id)}w${width}.${format}`;
}

export async function processUpload(
  source: { bucket: string; key: string },
  options: ProcessOptions,
  ports: Ports,
): Promise<ThumbnailEvent> {
  // The key scheme (functions/lib/photo-keys.ts) is shared with the photos consumer, which checks events against it.
  const parsed = parseUploadKey(source.key);
  const owner = parsed?.owner;
  const id = parsed?.id;
  const reject = async (error: RejectedInput): Promise<ThumbnailsFailed> => {
    const event: ThumbnailsFailed = { type: 'thumbnails.failed', source, owner, reason: error.reason, message: error.message };
    await ports.events.publish(event);
    return event;
  };

  if (owner === undefined || id === undefined) {
    return reject(new RejectedInput('unexpected_key', 'The key does not follow uploads/<owner>/<name>'));
  }
  const size = await ports.uploads.size(source.key);
  // S3 is strongly consistent for reads after writes, so an object that is not there now never will be: a retry
  // cannot help (the user deleted it before it was processed).
  if (size === undefined) return reject(new RejectedInput('missing', 'The upload no longer exists'));
  if (size === 0) return reject(new RejectedInput('empty', 'The upload is empty'));
  if (size > options.maxInputBytes) {
    return reject(new RejectedInput('too_large', `${size} bytes exceeds the limit of ${options.maxInputBytes}`));
  }

  let rendered: Thumbnail[];
  try {
    rendered = await renderThumbnails(await ports.uploads.read(source.key), options);
  } catch (error) {
    if (error instanceof RejectedInput) return reject(error);
    throw error;
  }

  const outputs = await Promise.all(
    rendered.map(async (thumbnail): Promise<ThumbnailOutput> => {
      const key = thumbnailKey(owner, id, thumbnail.requestedWidth, thumbnail.format);
      await ports.thumbnails.write(key, thumbnail.body, thumbnail.contentType, THUMBNAIL_CACHE_CONTROL);
      return {
        key,
        url: `${options.publicBaseUrl}/${key.split('/').map(encodeURIComponent).join('/')}`,
        format: thumbnail.format,
        contentType: thumbnail.contentType,
        requestedWidth: thumbnail.requestedWidth,
        width: thumbnail.width,
        height: thumbnail.height,
        bytes: thumbnail.body.length,
      };
    }),
  );
  const event: ThumbnailsReady = { type: 'thumbnails.ready', source: { ...source, bytes: size }, owner, outputs };
  await ports.events.publish(event);
  return event;
}
