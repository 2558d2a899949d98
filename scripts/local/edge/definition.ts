/**
 * What the local edge needs from an AWS::CloudFront::Distribution ("AWS::CloudFront::Distribution DistributionConfig",
 * CloudFormation; "Values that you specify when you create or update a distribution", CloudFront Developer Guide), in
 * plain values, and the strict readers that take it from the template: every property is either honoured, knowingly
 * ignored (it changes nothing a local viewer can observe), or rejected — silently serving something CloudFront would
 * not is worse than failing at start.
 */
import type http from 'node:http';
import type { CfnResource } from '../service-config';
import { refOf } from '../common/intrinsics';

export interface HeaderRule {
  name: string; // lower case
  value: string;
  /** CloudFront's "Origin override": true replaces the origin's header, false keeps the origin's if it sent one. */
  override: boolean;
}

/**
 * The CORS settings of a response headers policy (CorsConfig; "Understand response headers policies", CORS headers,
 * CloudFront Developer Guide). Allow-Methods, Allow-Headers and Max-Age belong to preflight answers only, which the edge
 * never gives (OPTIONS is not an allowed method locally); they are read so that a policy with invalid ones fails.
 */
export interface CorsRules {
  /** `*`, or exact origins (`scheme://host[:port]`) in lower case. */
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAgeSec?: number;
  allowCredentials: boolean;
  /** As for the other headers of a policy: true replaces an origin's CORS header, false keeps it. */
  originOverride: boolean;
}

export interface ResponseHeaders {
  remove: string[];
  add: HeaderRule[];
  /** Added to the answers of CORS requests (those with an Origin header) whose origin the rules allow. */
  cors?: CorsRules;
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

/**
 * A cache policy the edge honours ("Understanding cache policies", "Managing how long content stays in the cache
 * (expiration)", CloudFront Developer Guide): TTLs in seconds, bounding the origin's Cache-Control max-age/s-maxage.
 * The cache key is the path only: a policy that adds query strings, cookies or headers to it is not emulated.
 */
export interface CachePolicy {
  minTtl: number;
  defaultTtl: number;
  maxTtl: number;
}

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
  /**
   * Set for a behaviour whose cache policy is a template resource (AWS::CloudFront::CachePolicy): the edge caches its
   * objects as that policy says. Unset (a managed policy) means no cache locally, so an edited page shows at once.
   */
  cache?: CachePolicy;
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
// Strict readers of template values

export type Json = Record<string, unknown>;
export type Resources = Record<string, CfnResource>;

export function obj(value: unknown, where: string): Json {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  throw new Error(`${where}: expected an object`);
}

export function list(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list`);
  return value;
}

export const optionalList = (value: unknown, where: string): unknown[] => (value === undefined ? [] : list(value, where));

export function str(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new Error(`${where}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

export function checkKeys(value: Json, where: string, honoured: string[], ignored: string[] = []): void {
  const unknown = Object.keys(value).filter((key) => !honoured.includes(key) && !ignored.includes(key));
  if (unknown.length > 0) throw new Error(`${where}: ${unknown.join(', ')} not emulated by the local edge`);
}

export function refTo(value: unknown, where: string, resources: Resources, type: string): string {
  const ref = refOf(obj(value, where));
  if (ref !== undefined && resources[ref]?.Type === type) return ref;
  throw new Error(`${where}: expected a Ref to a ${type}`);
}
