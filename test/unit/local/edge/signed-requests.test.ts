/**
 * The local edge's CloudFront signature check. Requests are signed with the SDK's signer and by hand with
 * node:crypto, as the CloudFront Developer Guide describes, and must get CloudFront's verdict.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { getSignedCookies, getSignedUrl } from '@aws-sdk/cloudfront-signer';
import type { ViewerRequest } from '../../../../scripts/local/edge/definition';
import { ipv4InCidr, verifySignedRequest, wildcardMatch } from '../../../../scripts/local/edge/signed-requests';

const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const KEY_ID = 'serverless-blog-local-premium-public-key';
const keys = new Map([[KEY_ID, pair.publicKey]]);
const NOW = Date.parse('2030-01-01T00:00:00Z');
const now = () => NOW;
const HOST = '127.0.0.1:8080';
const at = (seconds: number) => NOW + seconds * 1000;

function request(url: string, extra: Partial<ViewerRequest> = {}): ViewerRequest {
  const parsed = new URL(url);
  return {
    method: 'GET',
    domain: parsed.host,
    rawPath: parsed.pathname,
    query: parsed.searchParams,
    headers: { host: parsed.host },
    sourceIp: '127.0.0.1',
    ...extra,
  };
}

const allowed = (req: ViewerRequest) => verifySignedRequest(req, { keys, now });
const urlSafe = (b64: string) => b64.replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');

describe('signed URLs, canned policy', () => {
  const signed = getSignedUrl({ url: `http://${HOST}/premium/a.pdf`, keyPairId: KEY_ID, privateKey: pem, dateLessThan: at(300) });

  it('allows a valid URL before it expires', () => {
    expect(allowed(request(signed))).toBe(true);
  });

  it('refuses it at and after Expires', () => {
    expect(verifySignedRequest(request(signed), { keys, now: () => at(300) })).toBe(false);
  });

  it('refuses a tampered signature, a changed Expires and another path', () => {
    const url = new URL(signed);
    const sig = url.searchParams.get('Signature') ?? '';
    const tampered = new URL(signed);
    tampered.searchParams.set('Signature', (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1));
    const later = new URL(signed);
    later.searchParams.set('Expires', String(NOW / 1000 + 3000));
    expect(allowed(request(tampered.toString()))).toBe(false);
    expect(allowed(request(later.toString()))).toBe(false);
    expect(allowed(request(signed.replace('a.pdf', 'b.pdf')))).toBe(false);
  });

  it('refuses a Key-Pair-Id that is not in the trusted key group, and a key not in the group', () => {
    expect(allowed(request(signed.replace(KEY_ID, 'KSOMEOTHERKEY')))).toBe(false);
    const foreign = getSignedUrl({
      url: `http://${HOST}/premium/a.pdf`, keyPairId: KEY_ID,
      privateKey: other.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), dateLessThan: at(300),
    });
    expect(allowed(request(foreign))).toBe(false);
  });

  it('refuses a request with no signature, or only part of one', () => {
    expect(allowed(request(`http://${HOST}/premium/a.pdf`))).toBe(false);
    expect(allowed(request(signed.replace(/&Signature=[^&]+/, '')))).toBe(false);
  });
});

describe('signed URLs, custom policy', () => {
  function custom(condition: Record<string, unknown>, resource = `http://${HOST}/premium/a.pdf`, algorithm = 'sha1'): string {
    const policy = JSON.stringify({ Statement: [{ Resource: resource, Condition: condition }] });
    const signature = urlSafe(sign(algorithm, Buffer.from(policy), pair.privateKey).toString('base64'));
    const encoded = urlSafe(Buffer.from(policy).toString('base64'));
    const extra = algorithm === 'sha256' ? '&Hash-Algorithm=SHA256' : '';
    return `http://${HOST}/premium/a.pdf?Policy=${encoded}&Signature=${signature}&Key-Pair-Id=${KEY_ID}${extra}`;
  }
  const until = { DateLessThan: { 'AWS:EpochTime': NOW / 1000 + 300 } };

  it('allows the caller address inside IpAddress and refuses another one', () => {
    const url = custom({ ...until, IpAddress: { 'AWS:SourceIp': '127.0.0.1/32' } });
    expect(allowed(request(url))).toBe(true);
    expect(allowed(request(url, { sourceIp: '127.0.0.2' }))).toBe(false);
  });

  it('honours DateGreaterThan', () => {
    const url = custom({ ...until, DateGreaterThan: { 'AWS:EpochTime': NOW / 1000 + 60 } });
    expect(allowed(request(url))).toBe(false);
    expect(verifySignedRequest(request(url), { keys, now: () => at(61) })).toBe(true);
  });

  it('needs DateLessThan', () => {
    expect(allowed(request(custom({ IpAddress: { 'AWS:SourceIp': '127.0.0.1/32' } })))).toBe(false);
  });

  it('matches wildcards in Resource and refuses a resource for another path', () => {
    expect(allowed(request(custom(until, `http://${HOST}/premium/*`)))).toBe(true);
    expect(allowed(request(custom(until, `http://${HOST}/premium/other.pdf`)))).toBe(false);
  });

  it('accepts SHA256 signatures flagged with Hash-Algorithm=SHA256', () => {
    expect(allowed(request(custom(until, undefined, 'sha256')))).toBe(true);
  });
});

describe('signed cookies', () => {
  const cookies = getSignedCookies({
    keyPairId: KEY_ID,
    privateKey: pem,
    policy: JSON.stringify({ Statement: [{ Resource: `http://${HOST}/premium/videos/intro/*`, Condition: { DateLessThan: { 'AWS:EpochTime': NOW / 1000 + 300 } } }] }),
  });
  const header = Object.entries(cookies).map(([name, value]) => `${name}=${String(value)}`).join('; ');

  it('allow files of the folder, and not another folder', () => {
    expect(allowed(request(`http://${HOST}/premium/videos/intro/index.m3u8`, { headers: { host: HOST, cookie: header } }))).toBe(true);
    expect(allowed(request(`http://${HOST}/premium/videos/intro/seg-1.ts`, { headers: { host: HOST, cookie: header } }))).toBe(true);
    expect(allowed(request(`http://${HOST}/premium/videos/other/index.m3u8`, { headers: { host: HOST, cookie: header } }))).toBe(false);
  });

  it('are matched against the distribution name the edge resolved, never the Host header the viewer sent', () => {
    // Prepare: a Host header that would make the URL read http://<edge>/premium/videos/intro//premium/videos/other/…
    const crafted = { host: `${HOST}/premium/videos/intro/`, cookie: header };
    // Act
    const other = allowed(request(`http://${HOST}/premium/videos/other/index.m3u8`, { headers: crafted }));
    const own = allowed(request(`http://${HOST}/premium/videos/intro/index.m3u8`, { headers: crafted }));
    // Assess
    expect(other).toBe(false);
    expect(own).toBe(true);
  });

  it('are refused once expired or with a changed policy', () => {
    const req = request(`http://${HOST}/premium/videos/intro/index.m3u8`, { headers: { host: HOST, cookie: header } });
    expect(verifySignedRequest(req, { keys, now: () => at(300) })).toBe(false);
    const widened = header.replace(/CloudFront-Policy=[^;]+/, `CloudFront-Policy=${urlSafe(Buffer.from(JSON.stringify({ Statement: [{ Resource: `http://${HOST}/*`, Condition: { DateLessThan: { 'AWS:EpochTime': NOW / 1000 + 300 } } }] })).toString('base64'))}`);
    expect(allowed(request(`http://${HOST}/premium/videos/intro/index.m3u8`, { headers: { host: HOST, cookie: widened } }))).toBe(false);
  });
});

describe('helpers', () => {
  it.each([
    ['10.0.0.5', '10.0.0.0/24', true], ['10.0.1.5', '10.0.0.0/24', false], ['1.2.3.4', '0.0.0.0/0', true],
    ['::ffff:1.2.3.4', '1.2.3.4/32', true], ['2001:db8::1', '1.2.3.4/32', false],
  ])('%s in %s is %p', (ip, cidr, expected) => expect(ipv4InCidr(ip, cidr)).toBe(expected));

  it.each([
    ['http://h/a/*', 'http://h/a/b/c', true], ['http://h/a/?', 'http://h/a/bc', false], ['http://h/a.b', 'http://h/aXb', false],
  ])('%s matches %s: %p', (pattern, value, expected) => expect(wildcardMatch(pattern, value)).toBe(expected));
});
