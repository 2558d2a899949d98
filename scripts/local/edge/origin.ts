/**
 * The distribution's S3 origins and how the edge reads them: an origin's bucket and OriginPath from the template, and
 * GetObject with credentials as Origin Access Control reads a private bucket ("Restricting access to an Amazon S3
 * origin", "Request and response behavior for Amazon S3 origins", CloudFront Developer Guide). What a missing key is
 * follows the bucket policy: S3 answers 404 only to a reader allowed s3:ListBucket, else 403.
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { getAttOf, refOf } from '../common/intrinsics';
import { checkKeys, obj, str, type EdgeOrigin, type Resources } from './definition';

/** The bucket of `!GetAtt <Bucket>.RegionalDomainName` (or `.DomainName`) or `<bucket>.s3[.<region>].amazonaws.com`. */
function originBucket(
  domain: unknown, where: string, resources: Resources, bucketName: (id: string) => string,
): string {
  if (typeof domain === 'string') {
    const match = /^([a-z0-9][a-z0-9.-]*?)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/.exec(domain);
    if (match?.[1]) return match[1];
  } else {
    const { logicalId = '', attribute = '' } = getAttOf(domain) ?? {};
    const isBucket = resources[logicalId]?.Type === 'AWS::S3::Bucket';
    if (isBucket && (attribute === 'RegionalDomainName' || attribute === 'DomainName')) return bucketName(logicalId);
  }
  throw new Error(`${where}: ${JSON.stringify(domain)} is not an S3 bucket's domain name`);
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** True when a policy of the bucket allows CloudFront (the OAC principal) to list it. */
function cloudFrontMayList(bucketId: string, resources: Resources): boolean {
  return Object.values(resources).some((resource) => {
    if (resource.Type !== 'AWS::S3::BucketPolicy') return false;
    const properties = resource.Properties ?? {};
    if (refOf(properties.Bucket) !== bucketId) return false;
    const statements = asList((properties.PolicyDocument as { Statement?: unknown } | undefined)?.Statement);
    return statements.some((raw) => {
      const statement = raw as { Effect?: unknown; Principal?: { Service?: unknown }; Action?: unknown };
      return (
        statement.Effect === 'Allow' &&
        asList(statement.Principal?.Service).includes('cloudfront.amazonaws.com') &&
        asList(statement.Action).some((action) => action === 's3:ListBucket' || action === 's3:List*' || action === 's3:*')
      );
    });
  });
}

export function parseOrigin(
  raw: unknown, where: string, resources: Resources, bucketName: (id: string) => string,
): EdgeOrigin {
  const origin = obj(raw, where);
  // OAC signs with SigV4 — the edge reads with the S3 client's credentials instead. Timeouts, Origin Shield and
  // custom origin headers (which S3 ignores) do not change what a viewer gets.
  checkKeys(origin, where, ['Id', 'DomainName', 'OriginPath', 'S3OriginConfig'], [
    'OriginAccessControlId', 'ConnectionAttempts', 'ConnectionTimeout', 'OriginShield', 'OriginCustomHeaders',
  ]);
  if (origin.S3OriginConfig === undefined) throw new Error(`${where}: only S3 origins (S3OriginConfig) are emulated`);
  const originPath = origin.OriginPath === undefined ? '' : str(origin.OriginPath, `${where}.OriginPath`);
  const prefix = originPath.replace(/^\/+|\/+$/g, '');
  return {
    id: str(origin.Id, `${where}.Id`),
    bucket: originBucket(origin.DomainName, `${where}.DomainName`, resources, bucketName),
    keyPrefix: prefix === '' ? '' : `${prefix}/`,
    // A bucket outside this template (named by its domain): its policy is unknown, so S3's default, 403.
    missingKeyStatus: (() => {
      const bucketId = getAttOf(origin.DomainName)?.logicalId;
      return bucketId !== undefined && cloudFrontMayList(bucketId, resources) ? 404 : 403;
    })(),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The origin port and its S3 adapter.


export interface ObjectMeta {
  contentType?: string;
  contentLength?: number;
  etag?: string;
  lastModified?: Date;
  cacheControl?: string;
  contentRange?: string;
  contentEncoding?: string;
  contentDisposition?: string;
}

/** One byte range as S3's GetObject takes it: `bytes=start-[end]` or `bytes=-suffix`. */
export type ByteRange = { start: number; end?: number } | { suffix: number };

export type ObjectResult =
  | { kind: 'found'; status: 200 | 206; body: Readable; meta: ObjectMeta }
  | { kind: 'not-found' }
  | { kind: 'range-not-satisfiable'; size?: number }
  /** Only to a conditional GET (ifNoneMatch): the object still has that ETag. */
  | { kind: 'not-modified' };

export interface GetOptions {
  range?: ByteRange;
  /** GetObject's If-None-Match: the edge cache revalidates an expired copy with the ETag it holds. */
  ifNoneMatch?: string;
}

export interface ObjectSource {
  get(bucket: string, key: string, options?: GetOptions): Promise<ObjectResult>;
}

function isS3Error(error: unknown, ...names: string[]): error is S3ServiceException & Record<string, unknown> {
  return error instanceof S3ServiceException && names.includes(error.name);
}

/**
 * The Range header for GetObject, or the answer when none can be satisfied. s3rver 3.7 reads `bytes=-N` as
 * `bytes=0-N` (lib/controllers/object.js), so a suffix range is turned into explicit bytes with HeadObject first.
 */
async function s3Range(
  s3: S3Client, bucket: string, key: string, range: ByteRange | undefined,
): Promise<string | ObjectResult | undefined> {
  if (range === undefined) return undefined;
  if (!('suffix' in range)) return `bytes=${range.start}-${range.end ?? ''}`;
  const { ContentLength: size = 0 } = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  if (range.suffix === 0 || size === 0) return { kind: 'range-not-satisfiable', size };
  return `bytes=${Math.max(0, size - range.suffix)}-${size - 1}`;
}

// s3rver 3.7 keeps an object as files named after its key (lib/stores/filesystem.js): `<dirs>/<last>._S3rver_object`
// beside `<last>._S3rver_metadata.json`, joined with path.join. Linux allows 255 bytes per file name (NAME_MAX).
const NAME_MAX = 255;
const S3RVER_LONGEST_SUFFIX = '._S3rver_metadata.json';

/**
 * False for a key no object can have on the local S3, so asking for it could only fail or name another file: an empty
 * segment before the last (its router routes `//` nowhere and answers in something other than S3's XML), a `.` or
 * `..` segment (path.join would resolve it to another key, even another bucket's), NUL (not allowed in a file name),
 * or a segment longer than a file name may be (ENAMETOOLONG, answered as InternalError). S3 itself stores such keys;
 * locally none can exist, so each one is simply missing (NoSuchKey), which is what S3 answers for a key nobody wrote.
 */
export function localS3CanHold(key: string): boolean {
  const segments = key.split('/');
  return !key.includes('\0') && segments.every((segment, i) => {
    const last = i === segments.length - 1;
    const bytes = Buffer.byteLength(segment) + (last ? S3RVER_LONGEST_SUFFIX.length : 0);
    return (segment !== '' || last) && segment !== '.' && segment !== '..' && bytes <= NAME_MAX;
  });
}

/**
 * Reads objects with GetObject, as CloudFront does through OAC; the client carries the (local) credentials. Written
 * for the local S3 (s3rver): keys it cannot hold are answered as missing without asking it.
 */
export function s3ObjectSource(s3: S3Client): ObjectSource {
  return {
    async get(bucket, key, { range, ifNoneMatch } = {}) {
      if (!localS3CanHold(key)) return { kind: 'not-found' };
      try {
        const Range = await s3Range(s3, bucket, key, range);
        if (typeof Range === 'object') return Range;
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range, IfNoneMatch: ifNoneMatch }));
        return {
          kind: 'found',
          status: out.ContentRange ? 206 : 200,
          body: out.Body instanceof Readable ? out.Body : Readable.from([]),
          meta: {
            contentType: out.ContentType,
            contentLength: out.ContentLength,
            etag: out.ETag,
            lastModified: out.LastModified,
            cacheControl: out.CacheControl,
            contentRange: out.ContentRange,
            contentEncoding: out.ContentEncoding,
            contentDisposition: out.ContentDisposition,
          },
        };
      } catch (error) {
        // Only a missing key is a 404 (NotFound is HeadObject's body-less spelling): a missing bucket
        // (NoSuchBucket, also a 404) is a broken local stack and must surface as a failure.
        if (error instanceof NoSuchKey || isS3Error(error, 'NoSuchKey', 'NotFound')) return { kind: 'not-found' };
        // S3's 304 has no body, so the SDK throws it as an unnamed service error carrying only the status.
        if (ifNoneMatch !== undefined && error instanceof S3ServiceException && error.$metadata.httpStatusCode === 304) {
          return { kind: 'not-modified' };
        }
        if (isS3Error(error, 'InvalidRange')) {
          const size = Number(error.ActualObjectSize);
          return { kind: 'range-not-satisfiable', size: Number.isNaN(size) ? undefined : size };
        }
        throw error;
      }
    },
  };
}
