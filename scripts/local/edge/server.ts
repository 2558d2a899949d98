/**
 * The local edge: a stand-in for the blog's CloudFront distribution on the offline stack.
 *
 * Written by hand because no CloudFront emulator exists on npm. It reads the distribution from the resolved
 * serverless config and serves each behaviour's private S3 origin with credentials, as Origin Access Control does.
 * Rules follow the CloudFront Developer Guide; each is cited where it is applied. Like CloudFront, it trusts nothing
 * the viewer says about where the request went: the Host must be one of the distribution's own names, and signed
 * URL/cookie policies are matched against that name, never against the raw header.
 * Not emulated: caching and invalidations, TLS and ViewerProtocolPolicy, Brotli, multi-range responses,
 * CloudFront Functions / Lambda@Edge, custom (non-S3) origins and origin groups, WAF and geo restriction.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, NoSuchKey, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { param, type CfnResource, type ServiceConfig } from '../service-config';
import { listen } from '../shared/http-server';
import { getAttOf, refOf } from '../shared/intrinsics';

// ---------------------------------------------------------------------------------------------------------------
// The definition: what the edge needs from AWS::CloudFront::Distribution, in plain values.

export interface HeaderRule {
  name: string; // lower case
  value: string;
  /** CloudFront's "Origin override": true replaces the origin's header, false keeps the origin's if it sent one. */
  override: boolean;
}

export interface ResponseHeaders {
  remove: string[];
  add: HeaderRule[];
}

export interface EdgeOrigin {
  id: string;
  bucket: string;
  /** OriginPath without its leading slash, plus a trailing one ('' when there is no OriginPath). */
  keyPrefix: string;
  /**
   * What a missing key is through OAC: S3 answers 404 only to a reader allowed s3:ListBucket, else 403 (it does not
   * say what does not exist). From the bucket's policy in resources.
   */
  missingKeyStatus: 403 | 404;
}

/** What a viewer-access check (signed URLs / cookies) may look at. */
export interface ViewerRequest {
  method: string;
  /**
   * The distribution name the viewer addressed (`host[:port]`, one of the edge's own names, spelled as configured).
   * Signed URL and cookie policies are matched against `<scheme>://<domain><path>`: CloudFront's base URL is "the
   * CloudFront URL that you would use to access the file" (Create a signed URL using a custom policy), i.e. its
   * domain name or an alternate domain name, never what a viewer writes into its Host header.
   */
  domain: string;
  /** The path as the viewer sent it, still percent-encoded (signed URL policies are written against it). */
  rawPath: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** The viewer's address (IPv4-mapped IPv6 unwrapped), for IpAddress conditions of custom policies. */
  sourceIp?: string;
}

export type ViewerAuthResult = { allow: true } | { allow: false; status: number };
export type ViewerAuth = (request: ViewerRequest) => ViewerAuthResult | Promise<ViewerAuthResult>;

export interface EdgeBehaviour {
  pathPattern: string; // '*' for the default behaviour
  origin: EdgeOrigin;
  allowedMethods: string[];
  compress: boolean;
  responseHeaders: ResponseHeaders;
  /** Key groups (logical ids) from TrustedKeyGroups; non-empty means the viewer must present a valid signature. */
  trustedKeyGroups: string[];
  /** The seam for signed URLs/cookies. Without it, a behaviour with trustedKeyGroups answers every request 403. */
  viewerAuth?: ViewerAuth;
}

export interface ErrorResponse {
  errorCode: number;
  responseCode: number;
  responsePagePath: string;
}

export interface EdgeDefinition {
  /**
   * The distribution's names besides the address the edge listens on (`host[:port]`): its domain name as the stage
   * declares it (the `distributionDomain` param) and its Aliases. A request whose Host is none of these and not the
   * edge's own address gets CloudFront's 403 for a CNAME that is not associated with the distribution.
   */
  domainNames?: string[];
  defaultRootObject?: string;
  defaultBehaviour: EdgeBehaviour;
  /** In template order: CloudFront applies the first whose pattern matches, else the default. */
  behaviours: EdgeBehaviour[];
  errorResponses: ErrorResponse[];
}

// ---------------------------------------------------------------------------------------------------------------
// Reading the definition from the resolved template. Every property is either honoured, knowingly ignored (it
// changes nothing a local viewer can observe), or rejected: silently serving something CloudFront would not is worse
// than failing at start.

type Json = Record<string, unknown>;
type Resources = Record<string, CfnResource>;

function obj(value: unknown, where: string): Json {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  throw new Error(`${where}: expected an object`);
}

function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list`);
  return value;
}

const optionalList = (value: unknown, where: string): unknown[] => (value === undefined ? [] : list(value, where));

function str(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

function checkKeys(value: Json, where: string, honoured: string[], ignored: string[] = []): void {
  const unknown = Object.keys(value).filter((key) => !honoured.includes(key) && !ignored.includes(key));
  if (unknown.length > 0) throw new Error(`${where}: ${unknown.join(', ')} not emulated by the local edge`);
}

function refTo(value: unknown, where: string, resources: Resources, type: string): string {
  const ref = refOf(obj(value, where));
  if (ref !== undefined && resources[ref]?.Type === type) return ref;
  throw new Error(`${where}: expected a Ref to a ${type}`);
}

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

function parseOrigin(
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

const directives = (...parts: (string | false)[]) => parts.filter(Boolean).join('; ');

/** SecurityHeadersConfig as headers, formatted as understanding-response-headers-policies.md describes them. */
function securityHeaders(raw: unknown, where: string): HeaderRule[] {
  if (raw === undefined) return [];
  const config = obj(raw, where);
  const value = (c: Json, key: string) => str(c[key], `${where}.${key}`);
  const headers: Record<string, [string, (c: Json) => string]> = {
    StrictTransportSecurity: ['strict-transport-security', (c) => directives(
      `max-age=${Number(c.AccessControlMaxAgeSec)}`, c.IncludeSubdomains === true && 'includeSubDomains',
      c.Preload === true && 'preload')],
    ContentTypeOptions: ['x-content-type-options', () => 'nosniff'],
    FrameOptions: ['x-frame-options', (c) => value(c, 'FrameOption')],
    ReferrerPolicy: ['referrer-policy', (c) => value(c, 'ReferrerPolicy')],
    ContentSecurityPolicy: ['content-security-policy', (c) => value(c, 'ContentSecurityPolicy')],
    XSSProtection: ['x-xss-protection', (c) => c.Protection !== true ? '0' : directives(
      '1', c.ModeBlock === true && 'mode=block', typeof c.ReportUri === 'string' && `report=${c.ReportUri}`)],
  };
  checkKeys(config, where, Object.keys(headers));
  return Object.entries(headers).flatMap(([key, [name, format]]) => {
    if (config[key] === undefined) return [];
    const setting = obj(config[key], `${where}.${key}`);
    return [{ name, value: format(setting), override: setting.Override === true }];
  });
}

/** A ResponseHeadersPolicy as the concrete headers CloudFront adds (understanding-response-headers-policies.md). */
function parsePolicy(policyId: unknown, where: string, resources: Resources): ResponseHeaders {
  if (policyId === undefined) return { remove: [], add: [] };
  if (typeof policyId === 'string') {
    throw new Error(`${where}: managed response headers policy ${policyId} not emulated`);
  }
  const logicalId = refTo(policyId, where, resources, 'AWS::CloudFront::ResponseHeadersPolicy');
  const at = `${logicalId}.ResponseHeadersPolicyConfig`;
  const config = obj(resources[logicalId]?.Properties?.ResponseHeadersPolicyConfig, at);
  checkKeys(config, at, ['SecurityHeadersConfig', 'CustomHeadersConfig', 'RemoveHeadersConfig'], ['Name', 'Comment']);
  const items = (name: string) =>
    config[name] === undefined ? [] : list(obj(config[name], `${at}.${name}`).Items, `${at}.${name}.Items`)
      .map((item) => obj(item, `${at}.${name}.Items`));
  const custom = items('CustomHeadersConfig').map((item) => ({
    name: str(item.Header, `${at}.CustomHeadersConfig`).toLowerCase(),
    value: str(item.Value, `${at}.CustomHeadersConfig`),
    override: item.Override === true,
  }));
  return {
    remove: items('RemoveHeadersConfig').map((item) => str(item.Header, `${at}.RemoveHeadersConfig`).toLowerCase()),
    add: [...securityHeaders(config.SecurityHeadersConfig, `${at}.SecurityHeadersConfig`), ...custom],
  };
}

const BEHAVIOUR_KEYS = ['TargetOriginId', 'AllowedMethods', 'Compress', 'ResponseHeadersPolicyId', 'TrustedKeyGroups'];
// No cache, no TLS and no logs locally: the caching, protocol and logging settings have nothing to act on.
const BEHAVIOUR_IGNORED = [
  'ViewerProtocolPolicy', 'CachedMethods', 'CachePolicyId', 'OriginRequestPolicyId', 'ForwardedValues', 'MinTTL',
  'DefaultTTL', 'MaxTTL', 'RealtimeLogConfigArn',
];

function parseBehaviour(
  raw: unknown, where: string, isDefault: boolean, origins: Map<string, EdgeOrigin>, resources: Resources,
): EdgeBehaviour {
  const behaviour = obj(raw, where);
  checkKeys(behaviour, where, isDefault ? BEHAVIOUR_KEYS : ['PathPattern', ...BEHAVIOUR_KEYS], BEHAVIOUR_IGNORED);
  const originId = str(behaviour.TargetOriginId, `${where}.TargetOriginId`);
  const origin = origins.get(originId);
  if (!origin) throw new Error(`${where}: TargetOriginId ${originId} names no origin`);
  // CloudFront's default is GET, HEAD; the edge reads S3 only, so OPTIONS and write methods are not emulated.
  const methods = behaviour.AllowedMethods === undefined ? ['GET', 'HEAD'] : list(behaviour.AllowedMethods, where);
  const allowedMethods = methods.map((method) => str(method, `${where}.AllowedMethods`));
  if (allowedMethods.some((method) => method !== 'GET' && method !== 'HEAD')) {
    throw new Error(`${where}: AllowedMethods ${allowedMethods.join(', ')} not emulated (GET and HEAD only)`);
  }
  const keyGroups = optionalList(behaviour.TrustedKeyGroups, `${where}.TrustedKeyGroups`);
  return {
    pathPattern: isDefault ? '*' : str(behaviour.PathPattern, `${where}.PathPattern`),
    origin,
    allowedMethods,
    compress: behaviour.Compress === true,
    responseHeaders: parsePolicy(behaviour.ResponseHeadersPolicyId, `${where}.ResponseHeadersPolicyId`, resources),
    trustedKeyGroups: keyGroups.map((group) => typeof group === 'string'
      ? group : refTo(group, `${where}.TrustedKeyGroups`, resources, 'AWS::CloudFront::KeyGroup')),
  };
}

function parseErrorResponse(raw: unknown, where: string): ErrorResponse[] {
  const entry = obj(raw, where);
  checkKeys(entry, where, ['ErrorCode', 'ResponseCode', 'ResponsePagePath'], ['ErrorCachingMinTTL']);
  // An entry without a page only sets how long the error is cached, which has no local effect. The API requires
  // ResponseCode and ResponsePagePath together (CustomErrorResponse in the CloudFront API Reference).
  if (entry.ResponseCode === undefined && entry.ResponsePagePath === undefined) return [];
  if (entry.ResponseCode === undefined || entry.ResponsePagePath === undefined) {
    throw new Error(`${where}: ResponseCode and ResponsePagePath go together`);
  }
  return [{
    errorCode: Number(entry.ErrorCode),
    responseCode: Number(entry.ResponseCode),
    responsePagePath: str(entry.ResponsePagePath, `${where}.ResponsePagePath`),
  }];
}

const DISTRIBUTION_KEYS = [
  'Origins', 'DefaultCacheBehavior', 'CacheBehaviors', 'DefaultRootObject', 'CustomErrorResponses', 'Enabled', 'Aliases',
];
// Certificates, logging, pricing and protocol versions do not change what a local viewer gets. WAF and geo
// restriction are not emulated (a local viewer has no country), nor are continuous-deployment staging copies.
const DISTRIBUTION_IGNORED = [
  'Comment', 'HttpVersion', 'IPV6Enabled', 'PriceClass', 'ViewerCertificate', 'Logging', 'WebACLId',
  'Restrictions', 'ContinuousDeploymentPolicyId', 'Staging',
];

/**
 * The distribution's names: its Aliases (alternate domain names) and, where the stage spells it out, its domain name
 * (the `distributionDomain` param; on AWS a GetAtt, which has no local value).
 */
function domainNames(config: ServiceConfig, dc: Json, where: string): string[] {
  const aliases = optionalList(dc.Aliases, `${where}.Aliases`).map((alias) => str(alias, `${where}.Aliases`));
  const domain = param(config, 'distributionDomain');
  return [...(typeof domain === 'string' ? [domain] : []), ...aliases].map((name) => name.toLowerCase());
}

/**
 * The edge definition of the service's single AWS::CloudFront::Distribution, from the resolved config.
 * `bucketName` maps a bucket's logical id to its local name (e.g. `(id) => localPhysicalName(config, id)`).
 */
export function edgeFromConfig(config: ServiceConfig, bucketName: (logicalId: string) => string): EdgeDefinition {
  const resources = config.resources.Resources;
  const distributions = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::CloudFront::Distribution');
  const [found] = distributions;
  if (!found || distributions.length > 1) {
    throw new Error(`expected one AWS::CloudFront::Distribution, found ${distributions.length}`);
  }
  const [logicalId, distribution] = found;
  const where = `${logicalId}.DistributionConfig`;
  const dc = obj(distribution.Properties?.DistributionConfig, where);
  checkKeys(dc, where, DISTRIBUTION_KEYS, DISTRIBUTION_IGNORED);
  if (dc.Enabled !== true) throw new Error(`${where}: a disabled distribution serves nothing`);
  const origins = new Map(list(dc.Origins, `${where}.Origins`).map((raw, i) => {
    const origin = parseOrigin(raw, `${where}.Origins[${i}]`, resources, bucketName);
    return [origin.id, origin] as const;
  }));
  const behaviours = optionalList(dc.CacheBehaviors, `${where}.CacheBehaviors`);
  const errors = optionalList(dc.CustomErrorResponses, `${where}.CustomErrorResponses`);
  const root = dc.DefaultRootObject;
  return {
    domainNames: domainNames(config, dc, where),
    defaultRootObject: root === undefined || root === '' ? undefined : str(root, `${where}.DefaultRootObject`),
    defaultBehaviour:
      parseBehaviour(dc.DefaultCacheBehavior, `${where}.DefaultCacheBehavior`, true, origins, resources),
    behaviours: behaviours.map((raw, i) =>
      parseBehaviour(raw, `${where}.CacheBehaviors[${i}]`, false, origins, resources)),
    errorResponses: errors.flatMap((raw, i) => parseErrorResponse(raw, `${where}.CustomErrorResponses[${i}]`)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Behaviour selection (distribution-web-values-specify.md, "Path Pattern").

/**
 * CloudFront path-pattern semantics: case-sensitive, `*` matches 0 or more characters (`/` included, so
 * `images/*.jpg` covers subdirectories), `?` exactly one, and a leading `/` on either side makes no difference.
 */
export function matchesPathPattern(pattern: string, path: string): boolean {
  const source = Array.from(pattern.replace(/^\//, ''), (c) =>
    c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[\\^$.|+()[\]{}]/, '\\$&')).join('');
  return new RegExp(`^${source}$`).test(path.replace(/^\//, ''));
}

/** The first behaviour, in template order, whose pattern matches; the default behaviour is always tried last. */
export function selectBehaviour(definition: EdgeDefinition, path: string): EdgeBehaviour {
  return definition.behaviours.find((b) => matchesPathPattern(b.pathPattern, path)) ?? definition.defaultBehaviour;
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
  | { kind: 'range-not-satisfiable'; size?: number };

export interface ObjectSource {
  get(bucket: string, key: string, options?: { range?: ByteRange }): Promise<ObjectResult>;
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

/** The SDK's errors print a multi-line explanation; the log keeps one line per failure. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/\s*\n\s*/g, ' ');
}

/**
 * Reads objects with GetObject, as CloudFront does through OAC; the client carries the (local) credentials. Written
 * for the local S3 (s3rver): keys it cannot hold are answered as missing without asking it.
 */
export function s3ObjectSource(s3: S3Client): ObjectSource {
  return {
    async get(bucket, key, { range } = {}) {
      if (!localS3CanHold(key)) return { kind: 'not-found' };
      try {
        const Range = await s3Range(s3, bucket, key, range);
        if (typeof Range === 'object') return Range;
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range }));
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
        if (isS3Error(error, 'InvalidRange')) {
          const size = Number(error.ActualObjectSize);
          return { kind: 'range-not-satisfiable', size: Number.isNaN(size) ? undefined : size };
        }
        throw error;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Request handling.

export interface EdgeOptions {
  host: string;
  port: number;
  definition: EdgeDefinition;
  source: ObjectSource;
  /** Where failures go; their details never reach the viewer. Defaults to console.error. */
  log?: (message: string, error?: unknown) => void;
}

export interface RunningEdge {
  url: string;
  close(): Promise<void>;
}

interface Context {
  definition: EdgeDefinition;
  source: ObjectSource;
  log: (message: string, error?: unknown) => void;
  /** The edge's names, lower case → as configured (what signed URL/cookie policies are matched against). */
  names: Map<string, string>;
}

type Req = http.IncomingMessage;
type Res = http.ServerResponse;

interface Target {
  rawPath: string;
  /** Percent-decoded: the S3 key is this without its leading slash, and behaviours are matched against it too, so
   * an encoded spelling (`/%70remium/…`) cannot reach an object past the behaviour that guards it. */
  path: string;
  query: URLSearchParams;
}

/**
 * The request target, or undefined for one the edge refuses with 400: not a path (absolute-form, `*`, CONNECT's
 * authority-form), malformed percent-encoding, or a dot segment. CloudFront "normalizes URI paths consistent with
 * RFC 3986 and then matches the path with the correct cache behavior. Once the cache behavior is matched, CloudFront
 * sends the raw URI path to the origin" (Cache behavior settings, Path pattern): with a dot segment the behaviour (and
 * its signature check) and the key would disagree, and the local S3 resolves dot segments as file paths. Neither can be
 * reproduced faithfully, so the edge refuses them rather than serve another key.
 */
function parseTarget(url: string): Target | undefined {
  if (!url.startsWith('/')) return undefined;
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined; // malformed percent-encoding
  }
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return undefined;
  return { rawPath, path, query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)) };
}

/**
 * One range, or none. CloudFront answers 200 with the whole object when a Range header is malformed (RangeGETs.md);
 * several ranges also get the whole object here, since S3 serves one range per GET.
 */
function parseRange(header: string | undefined): ByteRange | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  const [, first = '', last = ''] = match ?? [];
  if (first === '' && last === '') return undefined;
  if (first === '') return { suffix: Number(last) };
  if (last !== '' && Number(last) < Number(first)) return undefined;
  return last === '' ? { start: Number(first) } : { start: Number(first), end: Number(last) };
}

// The Content-Type values CloudFront compresses (ServingCompressedFiles.md, "File types that CloudFront compresses").
const COMPRESSIBLE = new Set([
  'application/dash+xml', 'application/eot', 'application/font', 'application/font-sfnt', 'application/javascript',
  'application/json', 'application/opentype', 'application/otf', 'application/pkcs7-mime', 'application/protobuf',
  'application/rss+xml', 'application/truetype', 'application/ttf', 'application/vnd.apple.mpegurl',
  'application/vnd.ms-fontobject', 'application/xhtml+xml', 'application/xml', 'application/x-font-opentype',
  'application/x-font-truetype', 'application/x-font-ttf', 'application/x-httpd-cgi', 'application/x-javascript',
  'application/x-mpegurl', 'application/x-opentype', 'application/x-otf', 'application/x-perl', 'application/x-ttf',
  'font/eot', 'font/opentype', 'font/otf', 'font/ttf', 'image/svg+xml', 'text/css', 'text/csv', 'text/html',
  'text/javascript', 'text/js', 'text/plain', 'text/richtext', 'text/tab-separated-values', 'text/xml',
  'text/x-component', 'text/x-java-source', 'text/x-script', 'vnd.apple.mpegurl',
]);

function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return coding === 'gzip' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/**
 * CloudFront's conditions (ServingCompressedFiles.md): Compress on the behaviour, a viewer that accepts gzip over
 * HTTP/1.1+, a listed type, a Content-Length from 1,000 to 10,000,000 bytes, and no Content-Encoding from the origin.
 */
function shouldCompress(req: Req, behaviour: EdgeBehaviour, meta: ObjectMeta): boolean {
  const type = meta.contentType?.split(';')[0]?.trim().toLowerCase();
  const length = meta.contentLength;
  return behaviour.compress && req.httpVersion !== '1.0' && !meta.contentEncoding
    && length !== undefined && length >= 1_000 && length <= 10_000_000
    && type !== undefined && COMPRESSIBLE.has(type) && acceptsGzip(req.headers['accept-encoding']);
}

function originHeaders(meta: ObjectMeta): Record<string, string> {
  const headers: Record<string, string | undefined> = {
    'content-type': meta.contentType,
    'content-length': meta.contentLength?.toString(),
    etag: meta.etag,
    'last-modified': meta.lastModified?.toUTCString(),
    'cache-control': meta.cacheControl,
    'content-range': meta.contentRange,
    'content-encoding': meta.contentEncoding,
    'content-disposition': meta.contentDisposition,
    'accept-ranges': 'bytes',
  };
  const present = Object.entries(headers).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return Object.fromEntries(present);
}

/** The policy's headers over the origin's, removals first (understanding-response-headers-policies.md). */
function applyPolicy(headers: Record<string, string>, policy: ResponseHeaders): Record<string, string> {
  const result = { ...headers };
  for (const name of policy.remove) delete result[name];
  for (const rule of policy.add) if (rule.override || result[rule.name] === undefined) result[rule.name] = rule.value;
  return result;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2), so the W/ tag of a compressed copy still matches. */
function notModified(req: Req, headers: Record<string, string>): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  const etag = headers.etag;
  if (ifNoneMatch !== undefined) {
    const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
    const tags = ifNoneMatch.split(',');
    return etag !== undefined && tags.some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  const modified = Date.parse(headers['last-modified'] ?? '');
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

function sendPlain(req: Req, res: Res, status: number, policy: ResponseHeaders, extra: Record<string, string> = {}) {
  const body = `${status} ${http.STATUS_CODES[status] ?? 'Error'}\n`;
  const headers = { 'content-type': 'text/plain; charset=utf-8', 'content-length': `${body.length}`, ...extra };
  res.writeHead(status, applyPolicy(headers, policy));
  res.end(req.method === 'HEAD' ? undefined : body);
}

async function sendObject(
  req: Req, res: Res, behaviour: EdgeBehaviour, status: number, object: { body: Readable; meta: ObjectMeta },
  conditional: boolean,
): Promise<void> {
  const headers = originHeaders(object.meta);
  const gzip = status !== 206 && shouldCompress(req, behaviour, object.meta);
  if (gzip) {
    delete headers['content-length'];
    delete headers['accept-ranges'];
    headers['content-encoding'] = 'gzip';
    headers.vary = 'Accept-Encoding';
    // ServingCompressedFiles.md, "ETag header conversion": strong → W/"…", weak kept, anything else dropped.
    if (headers.etag?.startsWith('"')) headers.etag = `W/${headers.etag}`;
    else if (headers.etag !== undefined && !headers.etag.startsWith('W/')) delete headers.etag;
  }
  if (conditional && notModified(req, headers)) {
    object.body.destroy();
    const kept = ['etag', 'last-modified', 'cache-control', 'vary'].flatMap((name) =>
      headers[name] === undefined ? [] : [[name, headers[name]] as const]);
    res.writeHead(304, applyPolicy(Object.fromEntries(kept), behaviour.responseHeaders));
    res.end();
    return;
  }
  res.writeHead(status, applyPolicy(headers, behaviour.responseHeaders));
  if (req.method === 'HEAD') {
    object.body.destroy();
    res.end();
    return;
  }
  try {
    await (gzip ? pipeline(object.body, createGzip(), res) : pipeline(object.body, res));
  } catch (error) {
    // A viewer that goes away mid-download (a seeking video player) is normal, not a failure.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') throw error;
  }
}

/**
 * An error answer. With a CustomErrorResponse for the code, CloudFront fetches ResponsePagePath through the
 * behaviour whose pattern matches that path (custom-error-pages-cache-behavior.md) and answers with ResponseCode.
 */
async function sendError(
  ctx: Context, req: Req, res: Res, behaviour: EdgeBehaviour, status: number, extra: Record<string, string> = {},
): Promise<void> {
  const custom = ctx.definition.errorResponses.find((entry) => entry.errorCode === status);
  if (custom) {
    const origin = selectBehaviour(ctx.definition, custom.responsePagePath).origin;
    const key = origin.keyPrefix + custom.responsePagePath.replace(/^\//, '');
    try {
      const page = await ctx.source.get(origin.bucket, key);
      if (page.kind === 'found') return await sendObject(req, res, behaviour, custom.responseCode, page, false);
      ctx.log(`custom error page ${origin.bucket}/${key} is missing`);
    } catch (error) {
      ctx.log(`custom error page ${origin.bucket}/${key} could not be read`, error);
    }
  }
  sendPlain(req, res, status, behaviour.responseHeaders, extra);
}

async function viewerDenied(behaviour: EdgeBehaviour, req: Req, target: Target, domain: string): Promise<number | undefined> {
  if (behaviour.viewerAuth) {
    const { rawPath, query } = target;
    const sourceIp = req.socket.remoteAddress?.replace(/^::ffff:/, '');
    const method = req.method ?? 'GET';
    const verdict = await behaviour.viewerAuth({ method, domain, rawPath, query, headers: req.headers, sourceIp });
    return verdict.allow ? undefined : verdict.status;
  }
  // Fail closed: CloudFront refuses requests without a valid signature on a behaviour with trusted key groups.
  return behaviour.trustedKeyGroups.length > 0 ? 403 : undefined;
}

// "CloudFront constructs a URL from the request. The maximum length of this URL is 8192 bytes." Beyond it CloudFront
// answers 413 and closes the connection (Request and response behavior for Amazon S3 origins, Maximum length of a
// request and maximum length of a URL). The whole request may be 20,480 bytes.
const MAX_URL_BYTES = 8_192;
const MAX_REQUEST_BYTES = 20_480;
// S3 object keys are at most 1,024 bytes of UTF-8 (Naming Amazon S3 objects); a longer one is S3's 400
// KeyTooLongError (Amazon S3 error responses), which CloudFront passes on.
const MAX_KEY_BYTES = 1_024;

/** Plain error answers of CloudFront itself, before any behaviour applies: no response headers policy. */
const NO_POLICY: ResponseHeaders = { remove: [], add: [] };

/** The configured name the Host header names, compared as DNS names are: case-insensitively. */
function addressedName(ctx: Context, req: Req): string | undefined {
  const host = req.headers.host;
  return host === undefined ? undefined : ctx.names.get(host.toLowerCase());
}

async function handle(ctx: Context, req: Req, res: Res): Promise<void> {
  const domain = addressedName(ctx, req);
  if (Buffer.byteLength(`http://${req.headers.host ?? ''}${req.url ?? ''}`) > MAX_URL_BYTES) {
    return sendPlain(req, res, 413, NO_POLICY, { connection: 'close' });
  }
  // CloudFront picks the distribution by the Host header; one that is not an alternate domain name (CNAME) of the
  // distribution gets 403 (HTTP 403 status code (Permission Denied), "Alternate CNAME is incorrectly configured").
  // A request without a Host (HTTP/1.0) names no distribution either.
  if (domain === undefined) return sendPlain(req, res, 403, NO_POLICY);
  const target = parseTarget(req.url ?? '');
  if (!target) return sendPlain(req, res, 400, ctx.definition.defaultBehaviour.responseHeaders);
  const behaviour = selectBehaviour(ctx.definition, target.path);
  // A method the behaviour does not allow gets 403 from CloudFront (not 405): "This distribution is not configured to
  // allow the HTTP request method that was used for this request."
  if (!behaviour.allowedMethods.includes(req.method ?? '')) return sendError(ctx, req, res, behaviour, 403);
  // "If a viewer GET request includes a body, CloudFront returns an HTTP status code 403 (Forbidden) to the viewer"
  // (Request and response behavior for Amazon S3 origins, GET requests that include a body).
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody) return sendError(ctx, req, res, behaviour, 403);
  const denied = await viewerDenied(behaviour, req, target, domain);
  if (denied !== undefined) return sendError(ctx, req, res, behaviour, denied);

  // The default root object applies to the root URL only, never to subdirectories (DefaultRootObject.md).
  const root = ctx.definition.defaultRootObject;
  const key = (target.rawPath === '/' && root ? root : target.path).replace(/^\//, '');
  const { bucket, keyPrefix, id } = behaviour.origin;
  if (Buffer.byteLength(keyPrefix + key) > MAX_KEY_BYTES) return sendError(ctx, req, res, behaviour, 400);
  let result: ObjectResult;
  try {
    const range = parseRange(req.headers.range);
    result = key === '' ? { kind: 'not-found' } : await ctx.source.get(bucket, keyPrefix + key, { range });
  } catch (error) {
    // Not the viewer's doing (the origin is down or answered nonsense): CloudFront's 502, and one line in the log.
    ctx.log(`origin ${id} failed for ${bucket}/${keyPrefix}${key}`, error);
    return sendError(ctx, req, res, behaviour, 502);
  }
  if (result.kind === 'not-found') return sendError(ctx, req, res, behaviour, behaviour.origin.missingKeyStatus);
  if (result.kind === 'range-not-satisfiable') {
    const size: Record<string, string> = result.size === undefined ? {} : { 'content-range': `bytes */${result.size}` };
    return sendError(ctx, req, res, behaviour, 416, size);
  }
  return sendObject(req, res, behaviour, result.status, result, true);
}

/** A raw answer on a socket Node's HTTP parser gave up on (or on CONNECT's), then the connection is closed. */
function endSocket(socket: Duplex, status: number): void {
  const body = `${status} ${http.STATUS_CODES[status] ?? 'Error'}\n`;
  const head = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}`, 'content-type: text/plain; charset=utf-8',
    `content-length: ${body.length}`, 'connection: close',
  ];
  if (socket.writable) socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  else socket.destroy();
}

/** Starts the edge on host:port (port 0 picks a free one). */
export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const log = options.log ?? ((message: string, error?: unknown) =>
    console.error(`[edge] ${message}${error === undefined ? '' : `: ${oneLine(error)}`}`));
  for (const behaviour of [...options.definition.behaviours, options.definition.defaultBehaviour]) {
    if (behaviour.trustedKeyGroups.length > 0 && !behaviour.viewerAuth) {
      log(`behaviour ${behaviour.pathPattern} requires signed URLs or cookies and has no viewerAuth: it answers 403`);
    }
  }
  const names = new Map<string, string>();
  const ctx: Context = { definition: options.definition, source: options.source, log, names };
  const respond = (req: Req, res: Res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      log(`${req.method} ${req.url} failed`, error);
      if (res.headersSent) res.destroy();
      else sendPlain(req, res, 500, ctx.definition.defaultBehaviour.responseHeaders);
    });
  };
  const server = http.createServer({ maxHeaderSize: MAX_REQUEST_BYTES }, respond);
  // CONNECT never reaches 'request'. CloudFront has no such method; the edge answers it like any other method the
  // behaviour does not allow (or 400 for an authority-form target) rather than drop the connection unanswered.
  server.on('connect', (req: Req, socket: Duplex) => {
    const res = new http.ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket as Socket);
    res.on('finish', () => {
      res.detachSocket(socket as Socket);
      socket.end();
    });
    respond(req, res);
  });
  // What Node's parser refuses: a request over the size CloudFront takes gets its 413, anything else malformed 400.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    endSocket(socket, error.code === 'HPE_HEADER_OVERFLOW' ? 413 : 400);
  });
  const { url, port, close } = await listen(server, options.host, options.port);
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  // Its own address (what `url` gives, the distribution's domain name d111111abcdef8.cloudfront.net on AWS) and the
  // names the definition gives it.
  for (const name of [`${host}:${port}`, ...(options.definition.domainNames ?? [])]) names.set(name.toLowerCase(), name);
  return { url, close };
}
