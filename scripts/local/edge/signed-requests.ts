/**
 * The local edge's check of CloudFront signed URLs and signed cookies, for behaviours with TrustedKeyGroups.
 *
 * Hand-written because no library verifies CloudFront signatures (the SDK only signs). It follows the CloudFront
 * Developer Guide: "Create a signed URL using a canned policy" / "... a custom policy", "Set signed cookies using a
 * canned/custom policy" — RSA-SHA1 (or SHA256 with Hash-Algorithm=SHA256) over the policy JSON; base64 with '+'→'-',
 * '='→'_', '/'→'~'; canned policies rebuilt from the URL and Expires; custom policies with one statement,
 * Resource wildcards ('*' any characters, '?' one), DateLessThan (required), DateGreaterThan, IpAddress (IPv4 CIDR);
 * a Key-Pair-Id that names a public key of a trusted key group. Anything else is CloudFront's 403.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { EdgeDefinition, ViewerAuth, ViewerRequest } from './definition';
import type { ServiceConfig } from '../service-config';
import { localPhysicalName, refOf } from '../common/intrinsics';

/** Key-Pair-Id → public key, for one behaviour's trusted key groups. */
export type TrustedKeys = Map<string, KeyObject>;

const URL_PARAMS = ['Expires', 'Policy', 'Signature', 'Key-Pair-Id', 'Hash-Algorithm'];

export function fromUrlSafeBase64(value: string): Buffer {
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
}

interface Signed {
  policy?: string; // custom policy, base64 as sent
  expires?: string; // canned policy
  signature: string;
  keyPairId: string;
  hashAlgorithm?: string;
}

function cookies(header: string | undefined): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
}

/** The signing values from the URL if it carries any, else from the CloudFront-* cookies. */
function signedValues(request: ViewerRequest): { from: 'url' | 'cookies'; values: Partial<Signed> } {
  const q = request.query;
  if (URL_PARAMS.some((name) => q.has(name))) {
    return {
      from: 'url',
      values: {
        policy: q.get('Policy') ?? undefined,
        expires: q.get('Expires') ?? undefined,
        signature: q.get('Signature') ?? undefined,
        keyPairId: q.get('Key-Pair-Id') ?? undefined,
        hashAlgorithm: q.get('Hash-Algorithm') ?? undefined,
      },
    };
  }
  const cookieHeader = request.headers.cookie;
  const jar = cookies(Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader);
  return {
    from: 'cookies',
    values: {
      policy: jar.get('CloudFront-Policy'),
      expires: jar.get('CloudFront-Expires'),
      signature: jar.get('CloudFront-Signature'),
      keyPairId: jar.get('CloudFront-Key-Pair-Id'),
      hashAlgorithm: jar.get('CloudFront-Hash-Algorithm'),
    },
  };
}

/**
 * The URL as the viewer asked for it, without the signing parameters (what a canned policy's Resource names). Its host
 * is the distribution's name the viewer addressed, never the raw Host header: a crafted Host such as
 * `<edge>/premium/folderA/` would otherwise make `/premium/folderB/x` match a policy for `<edge>/premium/folderA/*`.
 */
function resourceUrl(request: ViewerRequest, scheme: string): string {
  const host = request.domain;
  const kept = [...request.query.entries()].filter(([name]) => !URL_PARAMS.includes(name));
  const query = new URLSearchParams(kept).toString();
  return `${scheme}://${host}${request.rawPath}${query === '' ? '' : `?${query}`}`;
}

export function wildcardMatch(pattern: string, value: string): boolean {
  const source = Array.from(pattern, (c) => (c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[\\^$.|+()[\]{}]/, '\\$&')));
  return new RegExp(`^${source.join('')}$`).test(value);
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = value * 256 + Number(part);
  }
  return value;
}

export function ipv4InCidr(ip: string, cidr: string): boolean {
  const [base = '', bitsText = '32'] = cidr.split('/');
  const bits = Number(bitsText);
  const address = ipv4ToInt(ip.replace(/^::ffff:/, ''));
  const network = ipv4ToInt(base);
  if (address === undefined || network === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(address / size) === Math.floor(network / size);
}

const epoch = (value: unknown): number | undefined => {
  const time = (value as Record<string, unknown> | undefined)?.['AWS:EpochTime'];
  return typeof time === 'number' && Number.isInteger(time) ? time : undefined;
};

/** Does the (signature-checked) custom policy allow this request now? */
function customPolicyAllows(policyJson: string, url: string, sourceIp: string | undefined, nowSeconds: number): boolean {
  let policy: unknown;
  try {
    policy = JSON.parse(policyJson);
  } catch {
    return false;
  }
  const statements = (policy as { Statement?: unknown }).Statement;
  if (!Array.isArray(statements) || statements.length !== 1) return false; // CloudFront takes exactly one statement
  const statement = statements[0] as { Resource?: unknown; Condition?: Record<string, unknown> };
  const resource = statement.Resource ?? '*';
  if (typeof resource !== 'string' || !wildcardMatch(resource, url)) return false;
  const condition = statement.Condition ?? {};
  const lessThan = epoch(condition.DateLessThan);
  if (lessThan === undefined || nowSeconds >= lessThan) return false;
  if (condition.DateGreaterThan !== undefined) {
    const greaterThan = epoch(condition.DateGreaterThan);
    if (greaterThan === undefined || nowSeconds < greaterThan) return false;
  }
  if (condition.IpAddress !== undefined) {
    const cidr = (condition.IpAddress as Record<string, unknown>)['AWS:SourceIp'];
    if (typeof cidr !== 'string' || sourceIp === undefined || !ipv4InCidr(sourceIp, cidr)) return false;
  }
  return true;
}

export interface VerifyOptions {
  keys: TrustedKeys;
  /** The viewer's scheme; the local edge speaks http. */
  scheme?: string;
  now?: () => number;
}

/** The verdict for one request on a behaviour with trusted key groups. */
export function verifySignedRequest(request: ViewerRequest, options: VerifyOptions): boolean {
  const { values } = signedValues(request);
  const { signature, keyPairId, policy, expires, hashAlgorithm } = values;
  if (!signature || !keyPairId || (policy === undefined) === (expires === undefined)) return false;
  const key = options.keys.get(keyPairId);
  if (!key) return false;
  if (hashAlgorithm !== undefined && hashAlgorithm !== 'SHA256') return false;
  const url = resourceUrl(request, options.scheme ?? 'http');
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  let policyJson: string;
  if (policy !== undefined) {
    policyJson = fromUrlSafeBase64(policy).toString('utf8');
  } else {
    if (!/^\d+$/.test(expires ?? '')) return false;
    // A canned policy is rebuilt exactly like this, byte for byte; a different URL gives a different signature.
    policyJson = JSON.stringify({
      Statement: [{ Resource: url, Condition: { DateLessThan: { 'AWS:EpochTime': Number(expires) } } }],
    });
  }
  const algorithm = hashAlgorithm === 'SHA256' ? 'sha256' : 'sha1';
  if (!verify(algorithm, Buffer.from(policyJson, 'utf8'), key, fromUrlSafeBase64(signature))) return false;
  return customPolicyAllows(policyJson, url, request.sourceIp, nowSeconds);
}

type Resource = { Type: string; Properties?: Record<string, unknown> };

/**
 * Key-Pair-Id → public key for a key group of the resolved template. Locally a public key's id is its local name
 * (`<service>-local-<kebab logical id>`, the `premiumKeyPairId` param), where CloudFront would assign one.
 */
export function trustedKeys(config: ServiceConfig, keyGroupIds: string[]): TrustedKeys {
  const resources = config.resources.Resources as Record<string, Resource>;
  const keys: TrustedKeys = new Map();
  for (const groupId of keyGroupIds) {
    const group = resources[groupId];
    const items = (group?.Properties?.KeyGroupConfig as { Items?: unknown[] } | undefined)?.Items ?? [];
    for (const item of items) {
      const keyId = refOf(item);
      const publicKey = typeof keyId === 'string' ? resources[keyId] : undefined;
      const pem = (publicKey?.Properties?.PublicKeyConfig as { EncodedKey?: unknown } | undefined)?.EncodedKey;
      if (typeof keyId !== 'string' || typeof pem !== 'string') {
        throw new Error(`key group ${groupId}: item ${JSON.stringify(item)} is not a Ref to a PublicKey with EncodedKey`);
      }
      keys.set(localPhysicalName(config, keyId), createPublicKey(pem));
    }
  }
  return keys;
}

/** Gives every behaviour with TrustedKeyGroups the signed URL/cookie check. */
export function attachSignedRequestAuth(definition: EdgeDefinition, config: ServiceConfig): void {
  for (const behaviour of [...definition.behaviours, definition.defaultBehaviour]) {
    if (behaviour.trustedKeyGroups.length === 0) continue;
    const keys = trustedKeys(config, behaviour.trustedKeyGroups);
    const auth: ViewerAuth = (request) =>
      verifySignedRequest(request, { keys }) ? { allow: true } : { allow: false, status: 403 };
    behaviour.viewerAuth = auth;
  }
}
