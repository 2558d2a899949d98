/**
 * How the download client resumes: what to do with a partial file left by an earlier attempt, and what an answer to a
 * (ranged) GET means for it. Pure, so every case is unit-tested without a server; scripts/releases/client.ts does the
 * I/O. The HTTP rules are RFC 9110's: §14.2 Range, §13.1.5 If-Range, §15.3.7 206 Partial Content, §14.4
 * Content-Range, §15.5.17 416 Range Not Satisfiable; CloudFront passes them through ("Use range GETs", RangeGETs.md).
 */
import type { ReleaseManifest } from '../../web/src/releases/manifest';

/** What the sidecar `<file>.part.json` says the part is a part of, written before the part's first byte. */
export interface PartOf {
  version: string;
  sha256: string;
  size: number;
  /** The object's strong ETag when its bytes started arriving, for If-Range; absent when the server sent none. */
  etag?: string;
}

/** The partial file on disk: its size, and the sidecar's record (undefined when missing or unreadable). */
export interface PartState {
  size: number;
  of?: PartOf;
}

export type ResumePlan =
  /** Write from byte 0; `discard` names why an existing part is thrown away first. */
  | { action: 'start'; discard?: string }
  /** Ask for the bytes from `offset` on, with If-Range when there is a strong ETag to validate against. */
  | { action: 'resume'; offset: number; ifRange?: string }
  /** The part is as long as the file: hash it, no request. */
  | { action: 'verify' };

/** A strong entity tag: If-Range must not carry a weak one (RFC 9110 §13.1.5), and a weak one cannot vouch for bytes. */
export function strongEtag(etag: string | null | undefined): string | undefined {
  return etag !== null && etag !== undefined && /^"[^"]*"$/.test(etag) ? etag : undefined;
}

const sameRelease = (of: PartOf, manifest: ReleaseManifest): boolean =>
  of.version === manifest.version && of.sha256 === manifest.sha256 && of.size === manifest.size;

/**
 * A part is resumed only when its sidecar names this very release (version, SHA-256 and size): the file name alone
 * does not say which version's bytes a part holds, and appending one version's bytes to another's would be caught
 * by the hash only after the whole download.
 */
export function planResume(manifest: ReleaseManifest, part: PartState | undefined): ResumePlan {
  if (part === undefined || part.size === 0) return { action: 'start' };
  if (part.of === undefined) return { action: 'start', discard: 'it has no record of what it is a part of' };
  if (!sameRelease(part.of, manifest)) return { action: 'start', discard: `it is a part of ${part.of.version}, not of ${manifest.version}` };
  if (part.size > manifest.size) return { action: 'start', discard: `it is longer (${part.size} bytes) than the file (${manifest.size})` };
  if (part.size === manifest.size) return { action: 'verify' };
  const ifRange = strongEtag(part.of.etag);
  return { action: 'resume', offset: part.size, ...(ifRange === undefined ? {} : { ifRange }) };
}

/** The request headers of an attempt. Identity encoding: a byte offset must count the object's own bytes. */
export function requestHeaders(plan: { offset: number; ifRange?: string }): Record<string, string> {
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (plan.offset > 0) {
    headers.range = `bytes=${plan.offset}-`;
    if (plan.ifRange !== undefined) headers['if-range'] = plan.ifRange;
  }
  return headers;
}

/** Content-Range: `bytes <first>-<last>/<complete>` (the complete length may be `*`), or `bytes *\/<complete>` (RFC 9110 §14.4). */
export function parseContentRange(header: string | null | undefined):
  | { first: number; last: number; complete?: number }
  | { unsatisfied: number }
  | undefined {
  const text = header?.trim() ?? '';
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(text);
  if (range) {
    const [, first = '', last = '', complete = ''] = range;
    const parsed = { first: Number(first), last: Number(last) };
    if (parsed.last < parsed.first) return undefined;
    return complete === '*' ? parsed : { ...parsed, complete: Number(complete) };
  }
  const unsatisfied = /^bytes \*\/(\d+)$/.exec(text);
  return unsatisfied ? { unsatisfied: Number(unsatisfied[1]) } : undefined;
}

/** What came back: the status and the headers that matter. */
export interface Answer {
  status: number;
  contentRange?: string | null;
  contentLength?: string | null;
  etag?: string | null;
}

export type AnswerPlan =
  /** The body continues the part at `offset` (206), or is the whole object from byte 0 (200; truncate first). */
  | { action: 'write'; offset: number; etag?: string }
  /** The part is complete as it is: verify it. */
  | { action: 'verify' }
  /** The part cannot be continued (the object changed, or the server disagrees about where it ends): start over. */
  | { action: 'restart'; why: string }
  /** The server's object is not the size the manifest promises: no byte of it can be the file. */
  | { action: 'size-mismatch'; size: number }
  /** Worth another attempt after a pause (5xx). */
  | { action: 'retry'; why: string }
  /** Retrying cannot help (4xx, or an answer that makes no sense). */
  | { action: 'fail'; why: string };

/**
 * The answer to a GET that asked for the bytes from `request.offset` on (0: the whole file, no Range header), for a
 * file of `size` bytes. A 200 to a ranged request is the whole object (the server ignored the Range, or If-Range did
 * not match because the object changed): it replaces the part. A 206 must start exactly at the offset and, when the
 * part was started under a strong ETag, carry the same ETag — a server that ignores If-Range would otherwise splice a
 * changed object's bytes onto the old ones.
 */
export function planAnswer(request: { offset: number; etag?: string }, answer: Answer, size: number): AnswerPlan {
  const etag = strongEtag(answer.etag);
  const withEtag = etag === undefined ? {} : { etag };
  const { status } = answer;
  if (status === 200) {
    const length = answer.contentLength === null || answer.contentLength === undefined ? undefined : Number(answer.contentLength);
    if (length !== undefined && Number.isSafeInteger(length) && length !== size) return { action: 'size-mismatch', size: length };
    return { action: 'write', offset: 0, ...withEtag };
  }
  if (status === 206) {
    if (request.offset === 0) return { action: 'fail', why: 'the server sent part of the file when asked for all of it' };
    const range = parseContentRange(answer.contentRange);
    if (range === undefined || 'unsatisfied' in range) return { action: 'restart', why: 'the server sent a partial answer without a usable Content-Range' };
    if (range.complete !== undefined && range.complete !== size) return { action: 'size-mismatch', size: range.complete };
    if (range.first !== request.offset) return { action: 'restart', why: `the server sent bytes from ${range.first}, not from ${request.offset}` };
    if (request.etag !== undefined && etag !== request.etag) {
      return { action: 'restart', why: 'the object changed since the partial download began (its ETag differs)' };
    }
    return { action: 'write', offset: request.offset, ...withEtag };
  }
  if (status === 416) {
    // The part reaches past the object's end. Complete only if it is exactly the file; else the object is not the one
    // the part was made from.
    const range = parseContentRange(answer.contentRange);
    const complete = range !== undefined && 'unsatisfied' in range ? range.unsatisfied : undefined;
    if (complete !== undefined && complete !== size) return { action: 'size-mismatch', size: complete };
    if (request.offset >= size) return { action: 'verify' };
    return { action: 'restart', why: 'the server says the partial download reaches past the end of the object' };
  }
  if (status >= 500) return { action: 'retry', why: `HTTP ${status}` };
  return { action: 'fail', why: `HTTP ${status}` };
}

/**
 * The pause before retry number `attempt` (1-based): exponential from `baseMs`, capped at `maxMs`, with "equal
 * jitter" ("Exponential Backoff And Jitter", AWS Architecture Blog) — half the step fixed, half random — so that many
 * clients cut off together do not come back together, and none comes back at once. `random` is in [0, 1).
 */
export function backoffMs(attempt: number, options: { baseMs: number; maxMs: number }, random: number): number {
  const step = Math.min(options.maxMs, options.baseMs * 2 ** (attempt - 1));
  return Math.round(step / 2 + (step / 2) * random);
}
