import path from 'node:path';
import { contentType } from 'mime-types';

/**
 * The pure core of `npm run publish:site`: which files to upload with which headers, which objects are already up
 * to date, which to delete, and which CloudFront paths to invalidate. No I/O, so it is unit-tested without AWS;
 * scripts/publish-site.ts is the adapter that reads the folder, talks to S3 and CloudFront and prints the result.
 */

/**
 * Prefixes in the content bucket that other features write (thumbnails, paid content, readers' uploads). The site
 * folder never owns them: publishing must not delete their objects, and a site file there is a mistake.
 */
export const PROTECTED_PREFIXES: readonly string[] = ['thumbnails/', 'premium/', 'uploads/', '.publish/'];

/**
 * What the last publish put in the bucket (`{"keys": [...]}`), written by publish:site after each publish. The next
 * publish reads it to tell the previous site's hashed assets, which it keeps once more, from older ones.
 */
export const PUBLISH_MANIFEST_KEY = '.publish/manifest.json';

export const CACHE_CONTROL = {
  /** HTML names never change, so browsers and the edge must come back soon to see a new post or a fixed page. */
  html: 'public, max-age=60, must-revalidate',
  /** A content hash in the name means the bytes behind that name never change. */
  fingerprinted: 'public, max-age=31536000, immutable',
  /** Unhashed assets (style.css, favicon.svg) change with a publish: short enough that pages and styles agree soon. */
  asset: 'public, max-age=3600',
} as const;

/** A file of the site folder; `key` is its object key (path relative to the folder, `/`-separated). */
export interface LocalFile {
  key: string;
  /** Hex MD5 of the content: for a single-part upload without SSE-KMS, S3's ETag is exactly this. */
  md5: string;
  size: number;
}

/** An object as ListObjectsV2 reports it. */
export interface RemoteObject {
  key: string;
  etag?: string;
  size?: number;
}

export interface PlannedUpload extends LocalFile {
  reason: 'new' | 'changed' | 'forced';
  contentType: string;
  cacheControl: string;
}

export interface PublishPlan {
  /** Assets first and HTML last: a page should not go live before the files it references. */
  uploads: PlannedUpload[];
  unchanged: LocalFile[];
  /** Keys to delete: in the bucket, not in the site, outside every protected prefix. */
  deletes: string[];
  /**
   * Hashed assets the site no longer has but the previous publish did: a page loaded (or cached, HTML lives 60 s)
   * just before this publish still asks for them. They are deleted by the publish after this one.
   */
  retained: string[];
}

export interface PlanOptions {
  /** Upload even when the ETag matches, e.g. after a change of cacheControlFor(): headers only change with a PUT. */
  force?: boolean;
  protectedPrefixes?: readonly string[];
  /** The keys of the previous publish (PUBLISH_MANIFEST_KEY); undefined when there is none, which retains every stale hashed asset. */
  previousSite?: ReadonlySet<string>;
}

export class SitePlanError extends Error {
  override readonly name = 'SitePlanError';
}

export const isHtml = (key: string): boolean => /\.html?$/i.test(key);

// Bundler output names: `name-HASH.ext` (Vite/Rollup and esbuild: 8 characters of base64url or base32) or
// `name.HASH.ext` (webpack: hex). A real hash has a digit or a capital letter and is not all digits, which keeps
// ordinary names (`hello-serverless.html`, `photo-20240101.jpg`) out.
const HASHED_NAME = /[.-]([A-Za-z0-9_-]{8}|[0-9a-f]{9,64})\.[A-Za-z0-9]+$/;

export function isFingerprinted(key: string): boolean {
  const hash = HASHED_NAME.exec(path.posix.basename(key))?.[1];
  return hash !== undefined && /[A-Z0-9]/.test(hash) && !/^\d+$/.test(hash);
}

/** The site's runtime settings (written by publish:site from the stack): they change with a deploy, as HTML does. */
export const RUNTIME_CONFIG_KEY = 'config.json';

/** The Cache-Control header of an object, by its key. HTML (404.html included) is never treated as fingerprinted. */
export function cacheControlFor(key: string): string {
  if (isHtml(key) || key === RUNTIME_CONFIG_KEY) return CACHE_CONTROL.html;
  if (isFingerprinted(key)) return CACHE_CONTROL.fingerprinted;
  return CACHE_CONTROL.asset;
}

/**
 * The Content-Type header of an object, with `charset=utf-8` for text types. Only the extension goes to
 * mime-types: given a string with a `/` it returns that string as a type, and a bare `html` would be read as one.
 */
export function contentTypeFor(key: string): string {
  const extension = path.posix.extname(key);
  return (extension !== '' && contentType(extension)) || 'application/octet-stream';
}

export function isProtected(key: string, prefixes: readonly string[] = PROTECTED_PREFIXES): boolean {
  return prefixes.some((prefix) => key.startsWith(prefix));
}

/** ListObjectsV2 returns the ETag quoted (`"d41d8…"`); multipart ETags (`…-3`) never equal an MD5 and re-upload. */
function etagMatches(etag: string | undefined, md5: string): boolean {
  return etag !== undefined && etag.replace(/"/g, '').toLowerCase() === md5.toLowerCase();
}

export function planPublish(
  localFiles: readonly LocalFile[],
  remoteObjects: readonly RemoteObject[],
  options: PlanOptions = {},
): PublishPlan {
  const prefixes = options.protectedPrefixes ?? PROTECTED_PREFIXES;
  const clashing = localFiles.filter((file) => isProtected(file.key, prefixes)).map((file) => file.key);
  if (clashing.length > 0) {
    throw new SitePlanError(
      `The site must not contain files under ${prefixes.join(', ')} (owned by other features): ${clashing.join(', ')}`,
    );
  }

  const remoteByKey = new Map(remoteObjects.map((object) => [object.key, object]));
  const uploads: PlannedUpload[] = [];
  const unchanged: LocalFile[] = [];
  for (const file of [...localFiles].sort((a, b) => a.key.localeCompare(b.key))) {
    const remote = remoteByKey.get(file.key);
    if (remote !== undefined && !options.force && etagMatches(remote.etag, file.md5)) {
      unchanged.push(file);
      continue;
    }
    const reason = remote === undefined ? 'new' : options.force ? 'forced' : 'changed';
    uploads.push({ ...file, reason, contentType: contentTypeFor(file.key), cacheControl: cacheControlFor(file.key) });
  }
  uploads.sort((a, b) => Number(isHtml(a.key)) - Number(isHtml(b.key)));

  const localKeys = new Set(localFiles.map((file) => file.key));
  const stale = remoteObjects
    .map((object) => object.key)
    .filter((key) => !localKeys.has(key) && !isProtected(key, prefixes))
    .sort();
  const isRetained = (key: string) => isFingerprinted(key) && (options.previousSite?.has(key) ?? true);

  return { uploads, unchanged, deletes: stale.filter((key) => !isRetained(key)), retained: stale.filter(isRetained) };
}

/**
 * Above this many paths one `/*` is cheaper and simpler: CloudFront bills invalidation paths beyond the first
 * 1,000 a month, and a wildcard counts as one.
 */
export const MAX_INVALIDATION_PATHS = 15;

/** The CloudFront paths a publish made stale: every uploaded or deleted key, and `/` for the root document. */
export function invalidationPaths(plan: PublishPlan, max = MAX_INVALIDATION_PATHS): string[] {
  const keys = [...plan.uploads.map((upload) => upload.key), ...plan.deletes];
  const paths = new Set<string>();
  for (const key of keys) {
    // The edge caches the DefaultRootObject under `/` as well as under its own name.
    if (key === 'index.html') paths.add('/');
    // CloudFront wants unsafe characters URL-encoded, and a literal `*` would be read as a wildcard.
    paths.add(`/${key.split('/').map((segment) => encodeURIComponent(segment).replace(/\*/g, '%2A')).join('/')}`);
  }
  return paths.size > max ? ['/*'] : [...paths].sort();
}

/** Whether a file of the site folder is part of the site: dotfiles (`.DS_Store`, `.gitkeep`) are not. */
export function isPublishable(key: string): boolean {
  return !path.posix.basename(key).startsWith('.');
}
