/**
 * How the local Athena gets a table's files: a mirror of the table's S3 location (its Glue `Location`, e.g.
 * s3://<ingestion bucket>/events/) in a local directory, brought up to date through the S3 API before each query —
 * ListObjects, then GetObject for each object that is new or whose ETag changed; objects gone from S3 are removed.
 *
 * Why not read s3rver's own folder: its layout (`<key>._S3rver_object` beside a metadata file) is its private format,
 * and it writes an object in place, so a query could read half a file that Firehose's stand-in is still writing.
 * Through the API only whole objects are seen, each written here under a hidden name and renamed into place, and the
 * stand-in works with any S3 the stack points it at. ListObjects v1, not v2: s3rver fails every truncated v2 listing
 * (its continuation token uses DES, which OpenSSL 3 no longer offers; functions/signed-url/content-store.ts).
 */
import { GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface S3Location {
  bucket: string;
  /** Empty, or ending in `/`. */
  prefix: string;
}

/** `s3://bucket/some/prefix/` → its bucket and prefix. */
export function parseS3Location(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match?.[1]) throw new Error(`${url} is not an s3:// location`);
  const prefix = match[2] ?? '';
  return { bucket: match[1], prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/** The key's path below the prefix, or undefined for a key that cannot be a file there (a folder marker, `..`). */
function relativePath(key: string, prefix: string): string | undefined {
  const rest = key.slice(prefix.length);
  const segments = rest.split('/');
  if (rest === '' || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  return path.join(...segments);
}

export interface S3Mirror {
  /** Makes the directory hold exactly the objects under the location now. */
  refresh(): Promise<void>;
}

export function s3Mirror(options: { s3: S3Client; location: S3Location; directory: string }): S3Mirror {
  const { s3, location, directory } = options;
  // What is on disk, by key: the ETag it was fetched at. The directory starts empty, so the two always agree.
  const mirrored = new Map<string, string>();
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });

  return {
    async refresh() {
      const listed = new Map<string, string>();
      let marker: string | undefined;
      for (;;) {
        const page = await s3.send(new ListObjectsCommand({ Bucket: location.bucket, Prefix: location.prefix, ...(marker ? { Marker: marker } : {}) }));
        for (const object of page.Contents ?? []) {
          if (object.Key !== undefined) listed.set(object.Key, object.ETag ?? '');
        }
        const last = page.Contents?.at(-1)?.Key;
        if (!page.IsTruncated || last === undefined) break;
        marker = page.NextMarker ?? last;
      }

      for (const [key, etag] of listed) {
        const relative = relativePath(key, location.prefix);
        if (relative === undefined || mirrored.get(key) === etag) continue;
        const object = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }));
        const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
        const file = path.join(directory, relative);
        const partial = path.join(path.dirname(file), `.${path.basename(file)}.part`);
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(partial, bytes);
        renameSync(partial, file);
        mirrored.set(key, etag);
      }

      for (const key of [...mirrored.keys()]) {
        if (listed.has(key)) continue;
        const relative = relativePath(key, location.prefix);
        if (relative !== undefined) rmSync(path.join(directory, relative), { force: true });
        mirrored.delete(key);
      }
    },
  };
}
