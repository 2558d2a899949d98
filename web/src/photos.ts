/**
 * The signed-in user's photos as GET /photos and GET /photos/{id} serve them, before any DOM: reading the answers
 * (a malformed one is refused, never half-shown), choosing the thumbnails to show, and waiting for an upload to be
 * processed — GET /photos/{id} again with back-off until the photos consumer has recorded `ready` or `failed`.
 * The DOM is photos-view.ts, the page's flow gallery.ts.
 */
import { ApiError } from './messages';

export type PhotoStatus = 'pending' | 'ready' | 'failed';

export interface PhotoThumbnail {
  width: number;
  height: number;
  format: string;
  bytes: number;
  /** On the distribution (`<siteUrl>/thumbnails/<owner>/<id>/w<width>.<format>`). */
  url: string;
}

export interface Photo {
  id: string;
  status: PhotoStatus;
  /** ISO-8601: when POST /uploads signed the upload. */
  createdAt: string;
  contentType: string;
  /** Set when failed: a RejectionReason code (messages.ts words it). */
  reason?: string;
  original?: { bytes: number };
  /** Set when ready. */
  thumbnails?: PhotoThumbnail[];
}

export interface PhotoList {
  photos: Photo[];
  /** Absent on the last page. */
  nextCursor?: string;
}

/** The status an answer gets when it is a 2xx the page cannot read (as api.ts): the server had a problem. */
const UNREADABLE = 502;

class Unreadable extends ApiError {
  constructor(what: string) {
    super(UNREADABLE, 'unreadable_response', `GET /photos answered ${what}`);
  }
}

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const STATUSES: readonly string[] = ['pending', 'ready', 'failed'] satisfies PhotoStatus[];

function readThumbnail(value: unknown): PhotoThumbnail {
  if (!isObject(value)) throw new Unreadable('a thumbnail that is not an object');
  const { width, height, format, bytes, url } = value;
  if (!isCount(width) || width === 0 || !isCount(height) || height === 0 || !isCount(bytes)) {
    throw new Unreadable('a thumbnail without its size');
  }
  if (typeof format !== 'string' || format === '') throw new Unreadable('a thumbnail without a format');
  // Only http(s): the URL goes into an img's src, where a javascript: or data: URL has no business.
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) throw new Unreadable('a thumbnail without an http(s) URL');
  return { width, height, format, bytes, url };
}

/** One photo of the API's answer, checked; an ApiError (502 unreadable_response) when it is not one. */
export function readPhoto(value: unknown): Photo {
  if (!isObject(value)) throw new Unreadable('a photo that is not an object');
  const { id, status, createdAt, contentType, reason, original, thumbnails } = value;
  if (typeof id !== 'string' || id === '') throw new Unreadable('a photo without an id');
  if (typeof status !== 'string' || !STATUSES.includes(status)) throw new Unreadable(`a photo with status ${String(status)}`);
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) throw new Unreadable('a photo without its date');
  if (typeof contentType !== 'string') throw new Unreadable('a photo without its content type');
  const photo: Photo = { id, status: status as PhotoStatus, createdAt, contentType };
  if (typeof reason === 'string') photo.reason = reason;
  if (isObject(original) && isCount(original.bytes)) photo.original = { bytes: original.bytes };
  if (thumbnails !== undefined) {
    if (!Array.isArray(thumbnails)) throw new Unreadable('thumbnails that are not a list');
    photo.thumbnails = thumbnails.map(readThumbnail);
  }
  return photo;
}

/** A page of GET /photos, checked. */
export function readPhotoList(value: unknown): PhotoList {
  if (!isObject(value) || !Array.isArray(value.photos)) throw new Unreadable('no list of photos');
  const list: PhotoList = { photos: value.photos.map(readPhoto) };
  if (value.nextCursor !== undefined) {
    if (typeof value.nextCursor !== 'string' || value.nextCursor === '') throw new Unreadable('a cursor that is not text');
    list.nextCursor = value.nextCursor;
  }
  return list;
}

/** The photo id of an upload key: the `<uuid>` of `uploads/<owner>/<uuid>.<ext>` (the photos table's key). */
export function photoIdOf(uploadKey: string): string {
  const match = /^uploads\/[^/]+\/([^/.]+)\.[^./]+$/.exec(uploadKey);
  if (match === null) throw new Error(`Not an upload key: ${uploadKey}`);
  return match[1]!;
}

export interface ShownThumbnails {
  /** The smallest that fills `wanted` px (the largest when none does). */
  src: PhotoThumbnail;
  /** Every width of that format, for the browser to choose by the slot's size and the screen's density. */
  srcset: string;
}

/**
 * The thumbnails to show: those in the site's format (config.json `thumbnails.format`, the one every browser reads),
 * or, for a photo made when another format was first, those of its first thumbnail's format.
 */
export function shownThumbnails(thumbnails: readonly PhotoThumbnail[], format: string, wanted: number): ShownThumbnails | undefined {
  const first = thumbnails[0];
  if (first === undefined) return undefined;
  const shown = thumbnails.some((t) => t.format === format) ? format : first.format;
  const sorted = thumbnails.filter((t) => t.format === shown).sort((a, b) => a.width - b.width);
  const src = sorted.find((t) => t.width >= wanted) ?? sorted[sorted.length - 1]!;
  return { src, srcset: sorted.map((t) => `${t.url} ${t.width}w`).join(', ') };
}

export interface Backoff {
  /** The first wait, in ms. */
  firstMs: number;
  /** Each wait is the previous one times this… */
  factor: number;
  /** …up to this. */
  maxMs: number;
  /** Waiting stops once the waits add up to this. */
  totalMs: number;
}

/**
 * Locally a thumbnail is recorded within ~2 s of the upload; on AWS the S3 event, the function and the queue add a
 * few seconds. Early answers come quickly; a slow one costs one request every 8 s, for two minutes at most.
 */
export const POLL_BACKOFF: Backoff = { firstMs: 1_000, factor: 1.5, maxMs: 8_000, totalMs: 120_000 };

/** The waits between the requests, in order. */
export function backoffDelays(backoff: Backoff): number[] {
  const delays: number[] = [];
  let total = 0;
  for (let delay = backoff.firstMs; total + delay <= backoff.totalMs; delay = Math.min(delay * backoff.factor, backoff.maxMs)) {
    const rounded = Math.round(delay);
    delays.push(rounded);
    total += rounded;
  }
  return delays;
}

export type PollOutcome =
  | { status: 'ready' | 'failed'; photo: Photo }
  /** Still pending when the waits ran out. */
  | { status: 'timeout' }
  /** 404: deleted meanwhile (another tab). */
  | { status: 'gone' }
  /** An answer asking again cannot change (401: the session ended). */
  | { status: 'error'; error: ApiError }
  | { status: 'stopped' };

export interface PollDeps {
  get: (id: string) => Promise<Photo>;
  sleep: (ms: number) => Promise<void>;
  signal?: AbortSignal;
  backoff?: Backoff;
}

/** Worth asking again: no answer, the API's own throttling, or a server error. */
const transient = (error: ApiError): boolean => error.status === 0 || error.status === 429 || error.status >= 500;

/** Asks for the photo after each wait until it is ready or failed, the waits run out, or the signal stops it. */
export async function pollPhoto(id: string, deps: PollDeps): Promise<PollOutcome> {
  for (const delay of backoffDelays(deps.backoff ?? POLL_BACKOFF)) {
    await deps.sleep(delay);
    if (deps.signal?.aborted) return { status: 'stopped' };
    let photo: Photo;
    try {
      photo = await deps.get(id);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 404) return { status: 'gone' };
      if (transient(error)) continue;
      return { status: 'error', error };
    }
    if (deps.signal?.aborted) return { status: 'stopped' };
    if (photo.status !== 'pending') return { status: photo.status, photo };
  }
  return { status: 'timeout' };
}
