/**
 * The edge's readers of a behaviour's cache policy and of the CORS part of its response headers policy, and the CORS
 * answers it gives ("Understand cache policies", "Understand response headers policies", CORS headers, CloudFront
 * Developer Guide): what the local stage's /releases/* behaviour becomes, what is refused at start, and what a browser
 * sees for a request from an allowed origin, another origin, or none.
 */
import type { CorsRules, EdgeBehaviour, EdgeDefinition } from '../../../../scripts/local/edge/definition';
import { edgeFromConfig } from '../../../../scripts/local/edge/distribution';
import { corsHeaders } from '../../../../scripts/local/edge/response';
import { startEdge, type RunningEdge } from '../../../../scripts/local/edge/server';
import { loadServiceConfig, type CfnResource, type ServiceConfig } from '../../../../scripts/local/service-config';
import { localPhysicalName } from '../../../../scripts/local/common/intrinsics';
import { behaviour, memorySource, object, SCRIPT, send, VIDEO } from './fixtures';

type Draft = Record<string, unknown>;

describe('the local stage\'s /releases/* behaviour and the readers of its policies', () => {
  let config: ServiceConfig;

  beforeAll(async () => {
    config = await loadServiceConfig('local');
  }, 60_000);

  const definitionOf = (changed: ServiceConfig) => edgeFromConfig(changed, (id) => localPhysicalName(changed, id));
  const releasesOf = (definition: EdgeDefinition): EdgeBehaviour => {
    const found = definition.behaviours.find((b) => b.pathPattern === '/releases/*');
    if (!found) throw new Error('no /releases/* behaviour');
    return found;
  };

  /** A copy of the local config with the distribution's resources changed by `change`. */
  function variant(change: (resources: Record<string, CfnResource>) => void): ServiceConfig {
    const copy = structuredClone(config);
    change(copy.resources.Resources);
    return copy;
  }
  const properties = (resources: Record<string, CfnResource>, id: string) => resources[id]?.Properties as Draft;
  const cachePolicy = (resources: Record<string, CfnResource>) =>
    properties(resources, 'ReleasesCachePolicy').CachePolicyConfig as Draft;
  const cacheKey = (resources: Record<string, CfnResource>) =>
    cachePolicy(resources).ParametersInCacheKeyAndForwardedToOrigin as Draft;
  const corsConfig = (resources: Record<string, CfnResource>) =>
    (properties(resources, 'ReleasesHeadersPolicy').ResponseHeadersPolicyConfig as Draft).CorsConfig as Draft;
  const releasesBehaviour = (resources: Record<string, CfnResource>) => {
    const dc = properties(resources, 'ContentDistribution').DistributionConfig as { CacheBehaviors: Draft[] };
    const found = dc.CacheBehaviors.find((b) => b.PathPattern === '/releases/*');
    if (!found) throw new Error('no /releases/* behaviour in the template');
    return found;
  };

  it('reads the releases origin, the path-only cache policy and the CORS rules from resources/', () => {
    // Act
    const definition = definitionOf(config);
    const releases = releasesOf(definition);
    // Assess
    const edgePort = process.env.LOCAL_EDGE_PORT ?? '8080';
    expect(releases).toMatchObject({
      origin: { id: 'releases', bucket: 'serverless-blog-local-releases-bucket', keyPrefix: '', missingKeyStatus: 403 },
      allowedMethods: ['GET', 'HEAD'],
      compress: false,
      cache: { minTtl: 0, defaultTtl: 60, maxTtl: 31536000 },
    });
    expect(releases.responseHeaders.cors).toEqual({
      allowOrigins: [`http://127.0.0.1:${edgePort}`, `http://localhost:${edgePort}`],
      allowMethods: ['GET', 'HEAD'],
      allowHeaders: ['Range'],
      exposeHeaders: ['Content-Length', 'Content-Range', 'Accept-Ranges', 'ETag'],
      allowCredentials: false,
      originOverride: true,
    });
    // The site's security headers, as every other behaviour has them.
    expect(releases.responseHeaders.add).toEqual(definition.defaultBehaviour.responseHeaders.add);
  });

  it('keeps the behaviours with a managed cache policy uncached, and their answers free of CORS', () => {
    // Act
    const definition = definitionOf(config);
    // Assess
    const others = [definition.defaultBehaviour, ...definition.behaviours.filter((b) => b.pathPattern !== '/releases/*')];
    expect(others.map((b) => b.cache)).toEqual(others.map(() => undefined));
    expect(others.map((b) => b.responseHeaders.cors)).toEqual(others.map(() => undefined));
  });

  it('takes TTLs written as digit strings and a GetAtt Id as the policy reference', () => {
    // Prepare
    const changed = variant((resources) => {
      Object.assign(cachePolicy(resources), { MinTTL: '5', DefaultTTL: '60', MaxTTL: '600' });
      releasesBehaviour(resources).CachePolicyId = { 'Fn::GetAtt': ['ReleasesCachePolicy', 'Id'] };
    });
    // Act
    const releases = releasesOf(definitionOf(changed));
    // Assess
    expect(releases.cache).toEqual({ minTtl: 5, defaultTtl: 60, maxTtl: 600 });
  });

  it.each<[string, (resources: Record<string, CfnResource>) => void, RegExp]>([
    [
      'query strings in the key',
      (r) => (cacheKey(r).QueryStringsConfig = { QueryStringBehavior: 'whitelist', QueryStrings: ['v'] }),
      /QueryStringBehavior: whitelist not emulated \(the local cache key is the path only\)/,
    ],
    [
      'cookies in the key',
      (r) => (cacheKey(r).CookiesConfig = { CookieBehavior: 'all' }),
      /CookieBehavior: all not emulated/,
    ],
    [
      'headers in the key',
      (r) => (cacheKey(r).HeadersConfig = { HeaderBehavior: 'whitelist', Headers: ['Origin'] }),
      /HeaderBehavior: whitelist not emulated/,
    ],
    [
      'Accept-Encoding in the key',
      (r) => (cacheKey(r).EnableAcceptEncodingGzip = true),
      /EnableAcceptEncodingGzip: Accept-Encoding in the cache key .* not emulated/,
    ],
    [
      'TTLs out of order',
      (r) => Object.assign(cachePolicy(r), { MinTTL: 120, DefaultTTL: 60 }),
      /MinTTL 120 <= DefaultTTL 60 <= MaxTTL 31536000 does not hold/,
    ],
    ['a negative TTL', (r) => (cachePolicy(r).MaxTTL = -1), /MaxTTL: expected whole seconds, got -1/],
    ['a TTL that is not a number', (r) => (cachePolicy(r).DefaultTTL = '1d'), /DefaultTTL: expected whole seconds/],
    ['an unknown cache policy setting', (r) => (cachePolicy(r).Extra = 1), /Extra not emulated by the local edge/],
    [
      'Compress with the path-only policy',
      (r) => (releasesBehaviour(r).Compress = true),
      /Compress with a cache policy that leaves Accept-Encoding out of the key not emulated/,
    ],
    [
      'a CachePolicyId that references something else',
      (r) => (releasesBehaviour(r).CachePolicyId = { Ref: 'ReleasesHeadersPolicy' }),
      /CachePolicyId: expected a managed policy id or a Ref to an AWS::CloudFront::CachePolicy/,
    ],
  ])('refuses at start a cache policy with %s', (_case, change, message) => {
    // Prepare
    const changed = variant(change);
    // Act
    const act = () => definitionOf(changed);
    // Assess
    expect(act).toThrow(message);
  });

  it.each<[string, (cors: Draft) => void, RegExp]>([
    [
      'a wildcard subdomain origin',
      (c) => (c.AccessControlAllowOrigins = { Items: ['https://*.example.org'] }),
      /wildcard origin https:\/\/\*\.example\.org not emulated/,
    ],
    [
      'an origin with a path',
      (c) => (c.AccessControlAllowOrigins = { Items: ['https://blog.example.com/releases'] }),
      /https:\/\/blog\.example\.com\/releases is not an origin/,
    ],
    [
      'an origin without a scheme',
      (c) => (c.AccessControlAllowOrigins = { Items: ['blog.example.com'] }),
      /blog\.example\.com is not an origin/,
    ],
    ['no origin at all', (c) => (c.AccessControlAllowOrigins = { Items: [] }), /AccessControlAllowOrigins: no origin/],
    [
      'credentials with the * origin',
      (c) => Object.assign(c, { AccessControlAllowOrigins: { Items: ['*'] }, AccessControlAllowCredentials: true }),
      /AccessControlAllowCredentials with origin \* is refused by every browser/,
    ],
    [
      'a method CloudFront does not take',
      (c) => (c.AccessControlAllowMethods = { Items: ['GET', 'TRACE'] }),
      /TRACE is not a method CloudFront takes/,
    ],
    ['no OriginOverride', (c) => delete c.OriginOverride, /OriginOverride: expected true or false, got undefined/],
    ['a Max-Age that is not seconds', (c) => (c.AccessControlMaxAgeSec = 1.5), /AccessControlMaxAgeSec: expected whole seconds/],
    ['an unknown CORS setting', (c) => (c.AccessControlAllowPrivateNetwork = true), /AccessControlAllowPrivateNetwork not emulated/],
  ])('refuses at start a CORS config with %s', (_case, change, message) => {
    // Prepare
    const changed = variant((resources) => change(corsConfig(resources)));
    // Act
    const act = () => definitionOf(changed);
    // Assess
    expect(act).toThrow(message);
  });

  it('reads * and exact origins in any letter case, compared as browsers send them (lower case)', () => {
    // Prepare
    const changed = variant((resources) => {
      Object.assign(corsConfig(resources), {
        AccessControlAllowOrigins: { Items: ['https://Blog.Example.com', '*'] },
        AccessControlMaxAgeSec: 600,
      });
    });
    // Act
    const cors = releasesOf(definitionOf(changed)).responseHeaders.cors;
    // Assess
    expect(cors?.allowOrigins).toEqual(['https://blog.example.com', '*']);
    expect(cors?.maxAgeSec).toBe(600);
  });
});

describe('CORS headers of a response headers policy', () => {
  const RULES: CorsRules = {
    allowOrigins: ['https://blog.example.com'],
    allowMethods: ['GET', 'HEAD'],
    allowHeaders: ['Range'],
    exposeHeaders: ['Content-Length', 'Content-Range'],
    allowCredentials: false,
    originOverride: true,
  };

  it.each<[string, string | undefined, CorsRules, Record<string, string>]>([
    ['an allowed origin gets itself back', 'https://blog.example.com', RULES, {
      'access-control-allow-origin': 'https://blog.example.com',
      'access-control-expose-headers': 'Content-Length, Content-Range',
    }],
    ['a request without Origin is no CORS request', undefined, RULES, {}],
    ['another origin gets nothing', 'https://evil.example.net', RULES, {}],
    ['another port is another origin', 'https://blog.example.com:8443', RULES, {}],
    ['a longer host that begins with an allowed one is another origin', 'https://blog.example.com.evil.net', RULES, {}],
    ['any origin gets * from a * policy', 'https://anyone.example', { ...RULES, allowOrigins: ['*'] }, {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'Content-Length, Content-Range',
    }],
    ['credentials, when allowed, are said so', 'https://blog.example.com', { ...RULES, allowCredentials: true, exposeHeaders: [] }, {
      'access-control-allow-origin': 'https://blog.example.com',
      'access-control-allow-credentials': 'true',
    }],
  ])('%s', (_case, origin, rules, expected) => {
    // Act
    const headers = corsHeaders(rules, origin);
    // Assess
    expect(Object.fromEntries(headers.map((rule) => [rule.name, rule.value]))).toEqual(expected);
    expect(headers.every((rule) => rule.override === rules.originOverride)).toBe(true);
  });
});

describe('local edge: CORS answers on a behaviour whose policy has CorsConfig', () => {
  const SITE = 'http://localhost:8080';
  const cors: CorsRules = {
    allowOrigins: [SITE],
    allowMethods: ['GET', 'HEAD'],
    allowHeaders: ['Range'],
    exposeHeaders: ['Content-Length', 'Content-Range', 'Accept-Ranges', 'ETag'],
    allowCredentials: false,
    originOverride: true,
  };
  const securityHeader = { name: 'x-content-type-options', value: 'nosniff', override: true };
  const source = memorySource({
    releases: {
      'releases/stable/1.2.0/app.tar.gz': object(VIDEO, 'application/gzip', 'public, max-age=31536000, immutable'),
      'releases/stable/latest.json': object('{"payload":"x"}', 'application/json', 'public, max-age=60'),
      'gz/notes.txt': object(SCRIPT, 'text/plain'),
    },
    site: {},
  });
  const releases = behaviour('/releases/*', 'releases', {
    origin: { id: 'releases', bucket: 'releases', keyPrefix: '', missingKeyStatus: 403 },
    responseHeaders: { remove: [], add: [securityHeader], cors },
  });
  let edge: RunningEdge;

  beforeAll(async () => {
    edge = await startEdge({
      host: '127.0.0.1',
      port: 0,
      definition: {
        defaultBehaviour: behaviour('*', 'site'),
        behaviours: [
          releases,
          // The same rules on a compressing behaviour, to see Vary keep Accept-Encoding.
          behaviour('/gz/*', 'releases', {
            origin: { id: 'releases', bucket: 'releases', keyPrefix: '', missingKeyStatus: 403 },
            compress: true,
            responseHeaders: { remove: [], add: [], cors },
          }),
        ],
        errorResponses: [],
      },
      source,
      log: jest.fn(),
    });
  });

  afterAll(async () => {
    await edge?.close();
  });

  const FILE = '/releases/stable/1.2.0/app.tar.gz';

  it('lets the allowed origin read the file and the headers a resuming client needs', async () => {
    // Act
    const reply = await send(edge.url, FILE, 'GET', { origin: SITE });
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.equals(VIDEO)).toBe(true);
    expect(reply.headers['access-control-allow-origin']).toBe(SITE);
    expect(reply.headers['access-control-expose-headers']).toBe('Content-Length, Content-Range, Accept-Ranges, ETag');
    expect(reply.headers['access-control-allow-credentials']).toBeUndefined();
    expect(reply.headers.vary).toBe('Origin');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers a ranged GET from the allowed origin with 206, Content-Range and the CORS headers', async () => {
    // Act
    const reply = await send(edge.url, FILE, 'GET', { origin: SITE, range: 'bytes=1000-' });
    // Assess
    expect(reply.status).toBe(206);
    expect(reply.headers['content-range']).toBe(`bytes 1000-${VIDEO.length - 1}/${VIDEO.length}`);
    expect(reply.body.equals(VIDEO.subarray(1000))).toBe(true);
    expect(reply.headers['access-control-allow-origin']).toBe(SITE);
  });

  it('gives another origin the bytes but no Access-Control-Allow-Origin, so its browser withholds them', async () => {
    // Act
    const reply = await send(edge.url, FILE, 'GET', { origin: 'http://localhost:9999' });
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    expect(reply.headers['access-control-expose-headers']).toBeUndefined();
    expect(reply.headers.vary).toBe('Origin');
  });

  it('answers a plain download (no Origin) without CORS headers, but with Vary: Origin for the browser cache', async () => {
    // Act
    const reply = await send(edge.url, FILE);
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers['access-control-allow-origin']).toBeUndefined();
    expect(reply.headers.vary).toBe('Origin');
  });

  it('keeps the CORS headers and Vary on a 304 and on the 403 of a key nobody published', async () => {
    // Prepare
    const first = await send(edge.url, '/releases/stable/latest.json', 'GET', { origin: SITE });
    // Act
    const notModified = await send(edge.url, '/releases/stable/latest.json', 'GET', {
      origin: SITE, 'if-none-match': String(first.headers.etag),
    });
    const missing = await send(edge.url, '/releases/beta/latest.json', 'GET', { origin: SITE });
    // Assess
    expect(notModified.status).toBe(304);
    expect(notModified.headers['access-control-allow-origin']).toBe(SITE);
    expect(notModified.headers.vary).toBe('Origin');
    expect(missing.status).toBe(403);
    expect(missing.headers['access-control-allow-origin']).toBe(SITE);
  });

  it('refuses a preflight with 403: the behaviour allows GET and HEAD only, as CloudFront refuses other methods', async () => {
    // Act
    const reply = await send(edge.url, FILE, 'OPTIONS', {
      origin: SITE, 'access-control-request-method': 'GET', 'access-control-request-headers': 'range',
    });
    // Assess
    expect(reply.status).toBe(403);
    expect(reply.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('adds Origin to the Vary of a gzipped answer instead of replacing Accept-Encoding', async () => {
    // Act
    const reply = await send(edge.url, '/gz/notes.txt', 'GET', { origin: SITE, 'accept-encoding': 'gzip' });
    // Assess
    expect(reply.headers['content-encoding']).toBe('gzip');
    expect(reply.headers.vary).toBe('Accept-Encoding, Origin');
    expect(reply.headers['access-control-allow-origin']).toBe(SITE);
  });
});
