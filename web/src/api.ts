/** Calls to the HTTP API. Failures become ApiError with the API's stable error code; messages.ts words them. */
import type { ReportName } from '../../functions/lib/report-names';
import { accessToken } from './auth';
import type { SiteConfig } from './config';
import { ApiError, NETWORK_ERROR_STATUS } from './messages';
import { readPhoto, readPhotoList, type Photo, type PhotoList } from './photos';

export interface PresignedUpload {
  key: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

export interface SignedUrl {
  url: string;
  expiresAt: string;
}

/**
 * Retry-After in seconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). A cross-origin page reads it only when
 * the API exposes it (serverless.yml `httpApi.cors.exposedResponseHeaders`).
 */
export function retryAfterSeconds(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  // An HTTP-date names its month; Date.parse alone would also take "-5" or "1.5" as years.
  if (!/\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

async function errorFrom(response: Response): Promise<ApiError> {
  let code = `http_${response.status}`;
  let message = response.statusText;
  try {
    const body = (await response.json()) as { error?: { code?: unknown; message?: unknown }; message?: unknown };
    if (typeof body.error?.code === 'string') code = body.error.code;
    if (typeof body.error?.message === 'string') message = body.error.message;
    else if (typeof body.message === 'string') message = body.message; // API Gateway's own 401/429 bodies
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  return new ApiError(response.status, code, message, retryAfterSeconds(response.headers.get('retry-after')));
}

/**
 * The status an answer gets when it is a 2xx the app cannot read: the API failed to say what it did, so the visitor is
 * told the server had a problem (a 5xx), never that it worked.
 */
const UNREADABLE_ANSWER_STATUS = 502;

/** A report as GET /reports/{name} serves it: the stored rows, unchecked, and when the reports function wrote them. */
export interface FetchedReport {
  rows: unknown;
  /** From Last-Modified (a CORS-safelisted header, so the page may read it); absent when the answer has none. */
  builtAt?: Date;
}

export class Api {
  constructor(private readonly config: SiteConfig) {}

  /** The answer when it is a 2xx; an ApiError otherwise, or when there was no answer. */
  private async send(method: string, path: string, body: unknown, signedIn: boolean): Promise<Response> {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (signedIn) {
      // No token (signed out) means no header: the API's authorizer answers 401, the single source of truth.
      const token = await accessToken();
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
    }
    let response: Response;
    try {
      response = await fetch(`${this.config.apiUrl}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new ApiError(NETWORK_ERROR_STATUS, 'network', error instanceof Error ? error.message : String(error));
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  private async call<T>(method: string, path: string, body: unknown, signedIn: boolean): Promise<T> {
    return readJson<T>(await this.send(method, path, body, signedIn));
  }

  /** Resolves only when the API says it accepted the address: a 2xx with anything else is no subscription. */
  async subscribe(email: string, name?: string): Promise<{ status: 'accepted' }> {
    const answer = await this.call<{ status?: unknown } | null>('POST', '/subscriptions', name ? { email, name } : { email }, false);
    if (answer?.status !== 'accepted') throw new ApiError(UNREADABLE_ANSWER_STATUS, 'unreadable_response', 'the subscription was not accepted');
    return { status: 'accepted' };
  }

  /** `type`: the content type to declare (uploads.ts uploadType), which S3 then holds the upload to. */
  uploadUrl(file: { type: string; size: number }): Promise<PresignedUpload> {
    return this.call('POST', '/uploads', { contentType: file.type, size: file.size }, true);
  }

  /** The caller's photos, newest first, a page at a time; `cursor` is the previous page's `nextCursor`. */
  async photos(page: { cursor?: string; limit?: number } = {}): Promise<PhotoList> {
    const query = new URLSearchParams();
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.cursor !== undefined) query.set('cursor', page.cursor);
    const search = query.toString();
    return readPhotoList(await this.call<unknown>('GET', search === '' ? '/photos' : `/photos?${search}`, undefined, true));
  }

  /** One of the caller's photos; 404 not_found for anyone else's. */
  async photo(id: string): Promise<Photo> {
    return readPhoto(await this.call<unknown>('GET', `/photos/${encodeURIComponent(id)}`, undefined, true));
  }

  /** Deletes the photo, its original and every thumbnail: the API answers 204. */
  async deletePhoto(id: string): Promise<void> {
    await this.send('DELETE', `/photos/${encodeURIComponent(id)}`, undefined, true);
  }

  premiumUrl(key: string): Promise<SignedUrl> {
    return this.call('POST', '/premium/url', { key }, true);
  }

  /** Admins only: the API answers 401 signed out, 403 not_admin, 404 report_not_built before the first build. */
  async report(name: ReportName): Promise<FetchedReport> {
    const response = await this.send('GET', `/reports/${encodeURIComponent(name)}`, undefined, true);
    const rows = await readJson<unknown>(response);
    const lastModified = response.headers.get('last-modified');
    const builtAt = lastModified === null ? Number.NaN : Date.parse(lastModified);
    return Number.isNaN(builtAt) ? { rows } : { rows, builtAt: new Date(builtAt) };
  }
}

async function readJson<T>(response: Response): Promise<T> {
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError(UNREADABLE_ANSWER_STATUS, 'unreadable_response', `${response.status} without a JSON body`);
  }
}

/**
 * Posts the file straight to S3 with the presigned form fields. S3 checks the policy (key, Content-Type, size range)
 * and answers 204; a refusal is an XML error whose Code is mapped to the API's vocabulary.
 */
export async function postToS3(presigned: PresignedUpload, file: File): Promise<void> {
  const form = new FormData();
  // The fields carry the key, the Content-Type and the policy with its signature.
  for (const [name, value] of Object.entries(presigned.upload.fields)) form.append(name, value);
  form.append('file', file); // must be the last field
  let response: Response;
  try {
    response = await fetch(presigned.upload.url, { method: 'POST', body: form });
  } catch (error) {
    throw new ApiError(NETWORK_ERROR_STATUS, 'network', error instanceof Error ? error.message : String(error));
  }
  if (response.ok) return;
  const xml = await response.text().catch(() => '');
  const s3Code = /<Code>([^<]+)<\/Code>/.exec(xml)?.[1] ?? `http_${response.status}`;
  const code = s3Code === 'EntityTooLarge' ? 'payload_too_large' : s3Code;
  throw new ApiError(response.status, code, s3Code);
}
