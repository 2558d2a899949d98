/**
 * The edge definition read from the service's single AWS::CloudFront::Distribution: origins, the default and ordered
 * cache behaviours, response headers policies ("Understanding response headers policies"), custom error responses
 * and the distribution's names (CloudFront Developer Guide; each page is cited where it is applied).
 */
import { param, type ServiceConfig } from '../service-config';
import {
  checkKeys,
  list,
  obj,
  optionalList,
  refTo,
  str,
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
