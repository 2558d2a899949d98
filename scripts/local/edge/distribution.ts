/**
 * The edge definition read from the service's single AWS::CloudFront::Distribution: origins, the default and ordered
 * cache behaviours, response headers policies ("Understanding response headers policies"), custom error responses
 * and the distribution's names (CloudFront Developer Guide; each page is cited where it is applied).
 */
import { getAttOf, refOf } from '../common/intrinsics';
import { param, type ServiceConfig } from '../service-config';
import {
  checkKeys,
  list,
  obj,
  optionalList,
  refTo,
  str,
  type CachePolicy,
  type CorsRules,
  type EdgeBehaviour,
  type EdgeDefinition,
  type EdgeOrigin,
  type ErrorResponse,
  type HeaderRule,
  type Json,
  type Resources,
  type ResponseHeaders,
} from './definition';
import { parseOrigin } from './origin';

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

const bool = (value: unknown, where: string): boolean => {
  if (typeof value !== 'boolean') throw new Error(`${where}: expected true or false, got ${JSON.stringify(value)}`);
  return value;
};

/** The `Items` strings of a CorsConfig list (AccessControlAllowOrigins and the like). */
function corsItems(config: Json, key: string, where: string, required: boolean): string[] {
  if (config[key] === undefined && !required) return [];
  const at = `${where}.${key}`;
  const container = obj(config[key], at);
  checkKeys(container, at, ['Items']);
  return list(container.Items, `${at}.Items`).map((item) => str(item, `${at}.Items`));
}

// "Valid values are GET, DELETE, HEAD, OPTIONS, PATCH, POST, PUT, and ALL" (understanding-response-headers-policies.md).
const CORS_METHODS = ['GET', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'ALL'];

/**
 * An allowed origin as CORS compares it: `*`, or `scheme://host[:port]` exactly as a browser serialises an Origin
 * header (lower case, no path, default port left out). CloudFront also takes a leftmost `*.` wildcard in a domain; how
 * it matches one against a scheme and port is not documented, so the edge refuses it rather than guess.
 */
function allowedOrigin(item: string, where: string): string {
  if (item === '*') return item;
  if (item.includes('*')) throw new Error(`${where}: wildcard origin ${item} not emulated (only * or exact origins)`);
  let origin: string | undefined;
  try {
    origin = new URL(item).origin;
  } catch {
    origin = undefined;
  }
  if (origin === undefined || origin === 'null' || origin !== item.toLowerCase()) {
    throw new Error(`${where}: ${item} is not an origin (scheme://host[:port], nothing after it)`);
  }
  return origin;
}

/** CorsConfig of a response headers policy (AWS::CloudFront::ResponseHeadersPolicy CorsConfig, all of it). */
function parseCors(raw: unknown, where: string): CorsRules | undefined {
  if (raw === undefined) return undefined;
  const config = obj(raw, where);
  checkKeys(config, where, [
    'AccessControlAllowOrigins', 'AccessControlAllowMethods', 'AccessControlAllowHeaders', 'AccessControlExposeHeaders',
    'AccessControlMaxAgeSec', 'AccessControlAllowCredentials', 'OriginOverride',
  ]);
  const allowOrigins = corsItems(config, 'AccessControlAllowOrigins', where, true)
    .map((item) => allowedOrigin(item, `${where}.AccessControlAllowOrigins`));
  if (allowOrigins.length === 0) throw new Error(`${where}.AccessControlAllowOrigins: no origin`);
  const allowMethods = corsItems(config, 'AccessControlAllowMethods', where, true);
  const badMethod = allowMethods.find((method) => !CORS_METHODS.includes(method));
  if (badMethod !== undefined) throw new Error(`${where}.AccessControlAllowMethods: ${badMethod} is not a method CloudFront takes`);
  const allowCredentials = bool(config.AccessControlAllowCredentials, `${where}.AccessControlAllowCredentials`);
  // A browser refuses a credentialed answer whose Access-Control-Allow-Origin is `*` (Fetch standard, CORS check):
  // such a policy can only fail, so it fails here, at start.
  if (allowCredentials && allowOrigins.includes('*')) {
    throw new Error(`${where}: AccessControlAllowCredentials with origin * is refused by every browser`);
  }
  const maxAge = config.AccessControlMaxAgeSec;
  if (maxAge !== undefined && !(Number.isInteger(maxAge) && (maxAge as number) >= 0)) {
    throw new Error(`${where}.AccessControlMaxAgeSec: expected whole seconds, got ${JSON.stringify(maxAge)}`);
  }
  return {
    allowOrigins,
    allowMethods,
    allowHeaders: corsItems(config, 'AccessControlAllowHeaders', where, true),
    exposeHeaders: corsItems(config, 'AccessControlExposeHeaders', where, false),
    ...(maxAge === undefined ? {} : { maxAgeSec: maxAge as number }),
    allowCredentials,
    originOverride: bool(config.OriginOverride, `${where}.OriginOverride`),
  };
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
  checkKeys(config, at, ['SecurityHeadersConfig', 'CustomHeadersConfig', 'RemoveHeadersConfig', 'CorsConfig'], ['Name', 'Comment']);
  const items = (name: string) =>
    config[name] === undefined ? [] : list(obj(config[name], `${at}.${name}`).Items, `${at}.${name}.Items`)
      .map((item) => obj(item, `${at}.${name}.Items`));
  const custom = items('CustomHeadersConfig').map((item) => ({
    name: str(item.Header, `${at}.CustomHeadersConfig`).toLowerCase(),
    value: str(item.Value, `${at}.CustomHeadersConfig`),
    override: item.Override === true,
  }));
  const cors = parseCors(config.CorsConfig, `${at}.CorsConfig`);
  return {
    remove: items('RemoveHeadersConfig').map((item) => str(item.Header, `${at}.RemoveHeadersConfig`).toLowerCase()),
    add: [...securityHeaders(config.SecurityHeadersConfig, `${at}.SecurityHeadersConfig`), ...custom],
    ...(cors === undefined ? {} : { cors }),
  };
}

/** Whole seconds, as a TTL of a cache policy is written (a number, or its digits as a string). */
function seconds(value: unknown, where: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0) {
    throw new Error(`${where}: expected whole seconds, got ${JSON.stringify(value)}`);
  }
  return number;
}

/** One of CookiesConfig / HeadersConfig / QueryStringsConfig: only `none` keeps the key to the path. */
function nothingInKey(raw: unknown, where: string, behaviourKey: string, listKey: string): void {
  const config = obj(raw, where);
  checkKeys(config, where, [behaviourKey, listKey]);
  const behaviour = str(config[behaviourKey], `${where}.${behaviourKey}`);
  if (behaviour !== 'none') {
    throw new Error(`${where}.${behaviourKey}: ${behaviour} not emulated (the local cache key is the path only)`);
  }
}

/**
 * The CachePolicyId of a behaviour. A Ref (or GetAtt Id) to a template AWS::CloudFront::CachePolicy is honoured: its
 * TTLs become the behaviour's cache ("Understand cache policies"; "Manage how long content stays in the cache",
 * Expiration.md). Its key must be the path alone: cookies, headers, query strings or Accept-Encoding in the key would
 * need a cache entry per value, which the edge does not keep, so such a policy is refused. A managed policy (an id
 * string) stays uncached locally, so an edited page shows at once.
 */
function parseCachePolicy(policyId: unknown, where: string, resources: Resources, compress: boolean): CachePolicy | undefined {
  if (policyId === undefined || typeof policyId === 'string') return undefined;
  const getAtt = getAttOf(policyId);
  const logicalId = getAtt?.attribute === 'Id' ? getAtt.logicalId : refOf(policyId);
  if (logicalId === undefined || resources[logicalId]?.Type !== 'AWS::CloudFront::CachePolicy') {
    throw new Error(`${where}: expected a managed policy id or a Ref to an AWS::CloudFront::CachePolicy`);
  }
  const at = `${logicalId}.CachePolicyConfig`;
  const config = obj(resources[logicalId]?.Properties?.CachePolicyConfig, at);
  checkKeys(config, at, ['MinTTL', 'DefaultTTL', 'MaxTTL', 'ParametersInCacheKeyAndForwardedToOrigin'], ['Name', 'Comment']);
  const minTtl = seconds(config.MinTTL, `${at}.MinTTL`);
  const defaultTtl = seconds(config.DefaultTTL, `${at}.DefaultTTL`);
  const maxTtl = seconds(config.MaxTTL, `${at}.MaxTTL`);
  // Out of order they contradict each other (CachePolicyConfig in the CloudFront API Reference keeps even its defaults
  // in this order: DefaultTTL is raised to MinTTL); the edge refuses rather than guess which one wins.
  if (!(minTtl <= defaultTtl && defaultTtl <= maxTtl)) {
    throw new Error(`${at}: MinTTL ${minTtl} <= DefaultTTL ${defaultTtl} <= MaxTTL ${maxTtl} does not hold`);
  }
  const keyAt = `${at}.ParametersInCacheKeyAndForwardedToOrigin`;
  const key = obj(config.ParametersInCacheKeyAndForwardedToOrigin, keyAt);
  checkKeys(key, keyAt, [
    'CookiesConfig', 'HeadersConfig', 'QueryStringsConfig', 'EnableAcceptEncodingGzip', 'EnableAcceptEncodingBrotli',
  ]);
  nothingInKey(key.CookiesConfig, `${keyAt}.CookiesConfig`, 'CookieBehavior', 'Cookies');
  nothingInKey(key.HeadersConfig, `${keyAt}.HeadersConfig`, 'HeaderBehavior', 'Headers');
  nothingInKey(key.QueryStringsConfig, `${keyAt}.QueryStringsConfig`, 'QueryStringBehavior', 'QueryStrings');
  for (const name of ['EnableAcceptEncodingGzip', 'EnableAcceptEncodingBrotli']) {
    if (key[name] !== undefined && bool(key[name], `${keyAt}.${name}`)) {
      throw new Error(`${keyAt}.${name}: Accept-Encoding in the cache key (a copy per encoding) not emulated`);
    }
  }
  // With the encoding out of the key CloudFront keeps one copy per path; compressing it for some viewers would need a
  // second one ("Serve compressed files": Compress comes with EnableAcceptEncodingGzip/Brotli in the cache policy).
  if (compress) throw new Error(`${where}: Compress with a cache policy that leaves Accept-Encoding out of the key not emulated`);
  return { minTtl, defaultTtl, maxTtl };
}

const BEHAVIOUR_KEYS = [
  'TargetOriginId', 'AllowedMethods', 'Compress', 'ResponseHeadersPolicyId', 'TrustedKeyGroups', 'CachePolicyId',
];
// No TLS and no logs locally; CachedMethods is GET and HEAD here whatever it says (the only methods emulated), and the
// legacy cache settings (ForwardedValues, *TTL) only apply without a CachePolicyId, which then means no local cache.
const BEHAVIOUR_IGNORED = [
  'ViewerProtocolPolicy', 'CachedMethods', 'OriginRequestPolicyId', 'ForwardedValues', 'MinTTL', 'DefaultTTL',
  'MaxTTL', 'RealtimeLogConfigArn',
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
  const compress = behaviour.Compress === true;
  const cache = parseCachePolicy(behaviour.CachePolicyId, `${where}.CachePolicyId`, resources, compress);
  return {
    pathPattern: isDefault ? '*' : str(behaviour.PathPattern, `${where}.PathPattern`),
    origin,
    allowedMethods,
    compress,
    responseHeaders: parsePolicy(behaviour.ResponseHeadersPolicyId, `${where}.ResponseHeadersPolicyId`, resources),
    trustedKeyGroups: keyGroups.map((group) => typeof group === 'string'
      ? group : refTo(group, `${where}.TrustedKeyGroups`, resources, 'AWS::CloudFront::KeyGroup')),
    ...(cache === undefined ? {} : { cache }),
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
