import { createHash } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import {
  edgeFromConfig,
  matchesPathPattern,
  selectBehaviour,
  startEdge,
  type EdgeBehaviour,
  type EdgeDefinition,
  type ObjectSource,
  type RunningEdge,
} from '../../scripts/local/edge';
import {
  loadServiceConfig,
  localPhysicalName,
  type CfnResource,
  type ServiceConfig,
} from '../../scripts/local/service-config';

const LAST_MODIFIED = new Date('2024-05-01T10:00:00Z');

interface StoredObject {
  body: Buffer;
  contentType: string;
  cacheControl?: string;
}

function object(body: string | Buffer, contentType: string, cacheControl?: string): StoredObject {
  return { body: Buffer.isBuffer(body) ? body : Buffer.from(body), contentType, cacheControl };
}

/** An in-memory origin that slices ranges the way S3 does and records what the edge asked for. */
function memorySource(buckets: Record<string, Record<string, StoredObject>>): ObjectSource & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async get(bucket, key, { range } = {}) {
      calls.push(`${bucket}/${key}`);
      const stored = buckets[bucket]?.[key];
      if (!stored) return { kind: 'not-found' };
      const size = stored.body.length;
      let [start, end] = [0, size - 1];
      if (range && 'suffix' in range) start = Math.max(0, size - range.suffix);
      if (range && 'start' in range) [start, end] = [range.start, Math.min(range.end ?? size - 1, size - 1)];
      const empty = range !== undefined && 'suffix' in range && range.suffix === 0;
      if (start >= size || empty) return { kind: 'range-not-satisfiable', size };
      const slice = stored.body.subarray(start, end + 1);
      return {
        kind: 'found',
        status: range ? 206 : 200,
        body: Readable.from([slice]),
        meta: {
          contentType: stored.contentType,
          contentLength: slice.length,
          etag: `"${createHash('md5').update(stored.body).digest('hex')}"`,
          lastModified: LAST_MODIFIED,
          cacheControl: stored.cacheControl,
          contentRange: range ? `bytes ${start}-${end}/${size}` : undefined,
        },
      };
    },
  };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** Raw HTTP (not fetch): fetch would normalise `..` away and decompress gzip before the test could see either. */
function send(base: string, path: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const request = http.request({ hostname, port, path, method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end();
  });
}

function behaviour(pathPattern: string, bucket: string, overrides: Partial<EdgeBehaviour> = {}): EdgeBehaviour {
  return {
    pathPattern,
    origin: { id: bucket, bucket, keyPrefix: '', missingKeyStatus: 404 },
    allowedMethods: ['GET', 'HEAD'],
    compress: false,
    responseHeaders: { remove: [], add: [] },
    trustedKeyGroups: [],
    ...overrides,
  };
}

const INDEX = '<!doctype html><title>Blog</title><h1>Posts</h1>';
const POST = '<!doctype html><title>Hello</title><p>Hello, world.</p>';
const NOT_FOUND_PAGE = '<!doctype html><title>Not found</title><p>No such page.</p>';
const SCRIPT = 'console.log("a line of the blog script");\n'.repeat(100); // 4,300 bytes, compressible
const VIDEO = Buffer.from(Array.from({ length: 2_000 }, (_, i) => i % 251));

describe('local edge on the local stage distribution', () => {
  let config: ServiceConfig;
  let definition: EdgeDefinition;
  let edge: RunningEdge;
  let bucket: string;
  let source: ReturnType<typeof memorySource>;
  const get = (path: string, headers: Record<string, string> = {}) => send(edge.url, path, 'GET', headers);

  beforeAll(async () => {
    config = await loadServiceConfig('local');
    definition = edgeFromConfig(config, (logicalId) => localPhysicalName(config, logicalId));
    bucket = localPhysicalName(config, 'ContentBucket');
    source = memorySource({
      [bucket]: {
        'index.html': object(INDEX, 'text/html; charset=utf-8', 'max-age=60'),
        '404.html': object(NOT_FOUND_PAGE, 'text/html; charset=utf-8'),
        'posts/hello-world.html': object(POST, 'text/html; charset=utf-8', 'max-age=300'),
        'posts/index.html': object(INDEX, 'text/html; charset=utf-8'),
        'posts/a b.html': object(POST, 'text/html; charset=utf-8'),
        'assets/app.js': object(SCRIPT, 'application/javascript'),
        'media/clip.mp4': object(VIDEO, 'video/mp4'),
      },
    });
    edge = await startEdge({ host: '127.0.0.1', port: 0, definition, source });
  }, 60_000);

  afterAll(async () => {
    await edge?.close();
  });

  it('reads the content bucket, root object and 404 page from resources/cdn.yml', () => {
    // Act: done in beforeAll
    // Assess
    expect(definition.defaultBehaviour.origin).toEqual({
      id: 'content',
      bucket: 'serverless-blog-local-content-bucket',
      keyPrefix: '',
      missingKeyStatus: 404,
    });
    expect(definition.defaultRootObject).toBe('index.html');
    expect(definition.errorResponses).toEqual([{ errorCode: 404, responseCode: 404, responsePagePath: '/404.html' }]);
    expect(definition.defaultBehaviour.compress).toBe(true);
  });

  it('serves the default root object at /', async () => {
    // Act
    const reply = await get('/');
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe(INDEX);
    expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('max-age=60');
  });

  it('serves a post with the object headers and the security headers', async () => {
    // Act
    const reply = await get('/posts/hello-world.html');
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe(POST);
    expect(reply.headers['content-length']).toBe(String(POST.length));
    expect(reply.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(reply.headers['last-modified']).toBe(LAST_MODIFIED.toUTCString());
    expect(reply.headers['cache-control']).toBe('max-age=300');
    expect(reply.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains; preload');
  });

  it('decodes the path into the S3 key', async () => {
    // Act
    const reply = await get('/posts/a%20b.html');
    // Assess
    expect(reply.status).toBe(200);
    expect(source.calls).toContain(`${bucket}/posts/a b.html`);
  });

  it('answers an unknown path with the custom 404 page, status 404 and every security header', async () => {
    // Act
    const reply = await get('/no/such/post.html');
    // Assess
    expect(reply.status).toBe(404);
    expect(reply.body.toString()).toBe(NOT_FOUND_PAGE);
    expect(reply.headers).toMatchObject({
      'strict-transport-security': 'max-age=63072000; includeSubDomains; preload',
      'x-frame-options': 'DENY',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'strict-origin-when-cross-origin',
    });
    expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('answers a missing key as S3 answers CloudFront: 404 where the bucket policy lets it list, 403 where it may only read', async () => {
    // Prepare: the content bucket's policy grants s3:ListBucket to CloudFront; the thumbnails bucket's only s3:GetObject
    const thumbnails = definition.behaviours.find((entry) => entry.pathPattern === 'thumbnails/*');
    expect(thumbnails?.origin.missingKeyStatus).toBe(403);

    // Act
    const missingThumbnail = await get('/thumbnails/someone/some-photo/w160.webp');
    const missingPost = await get('/posts/not-written-yet.html');

    // Assess
    expect(missingThumbnail.status).toBe(403);
    expect(missingPost.status).toBe(404);
  });

  it('does not apply the default root object to a subdirectory', async () => {
    // Act: posts/index.html exists, but CloudFront only rewrites the root URL
    const reply = await get('/posts/');
    // Assess
    expect(reply.status).toBe(404);
    expect(reply.body.toString()).toBe(NOT_FOUND_PAGE);
  });

  it('refuses POST with 403, security headers included', async () => {
    // Act
    const reply = await send(edge.url, '/', 'POST');
    // Assess
    expect(reply.status).toBe(403);
    expect(reply.headers['x-frame-options']).toBe('DENY');
    expect(reply.body.toString()).not.toContain(INDEX);
  });

  it('answers HEAD with the headers of GET', async () => {
    // Act
    const reply = await send(edge.url, '/posts/hello-world.html', 'HEAD');
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers['content-length']).toBe(String(POST.length));
    expect(reply.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('answers a byte range with 206 and Content-Range', async () => {
    // Act
    const reply = await get('/media/clip.mp4', { range: 'bytes=100-199' });
    // Assess
    expect(reply.status).toBe(206);
    expect(reply.headers['content-range']).toBe(`bytes 100-199/${VIDEO.length}`);
    expect(reply.body.equals(VIDEO.subarray(100, 200))).toBe(true);
  });

  it('answers a suffix range with the last bytes', async () => {
    // Act
    const reply = await get('/media/clip.mp4', { range: 'bytes=-10' });
    // Assess
    expect(reply.status).toBe(206);
    expect(reply.body.equals(VIDEO.subarray(VIDEO.length - 10))).toBe(true);
  });

  it('answers a range past the end with 416', async () => {
    // Act
    const reply = await get('/media/clip.mp4', { range: `bytes=${VIDEO.length + 5}-` });
    // Assess
    expect(reply.status).toBe(416);
    expect(reply.headers['content-range']).toBe(`bytes */${VIDEO.length}`);
  });

  const IGNORED_RANGES = ['bytes=300-200', 'bytes=0-9,20-29', 'items=0-9'];
  it.each(IGNORED_RANGES)('serves the whole object for the range %s', async (range) => {
    // Act
    const reply = await get('/media/clip.mp4', { range });
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.length).toBe(VIDEO.length);
  });

  it('answers a matching If-None-Match with 304 and no body', async () => {
    // Prepare
    const { headers } = await get('/posts/hello-world.html');
    // Act
    const reply = await get('/posts/hello-world.html', { 'if-none-match': headers.etag! });
    // Assess
    expect(reply.status).toBe(304);
    expect(reply.body.length).toBe(0);
    expect(reply.headers.etag).toBe(headers.etag);
    expect(reply.headers['x-frame-options']).toBe('DENY');
  });

  it('serves the object again when If-None-Match does not match', async () => {
    // Act
    const reply = await get('/posts/hello-world.html', { 'if-none-match': '"someone-else"' });
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toBe(POST);
  });

  it('answers If-Modified-Since at or after Last-Modified with 304', async () => {
    // Act
    const unchanged = await get('/posts/hello-world.html', { 'if-modified-since': LAST_MODIFIED.toUTCString() });
    const earlier = new Date(LAST_MODIFIED.getTime() - 1_000).toUTCString();
    const changed = await get('/posts/hello-world.html', { 'if-modified-since': earlier });
    // Assess
    expect(unchanged.status).toBe(304);
    expect(changed.status).toBe(200);
  });

  it('gzips a compressible object for a viewer that accepts gzip, with a weak ETag', async () => {
    // Act
    const reply = await get('/assets/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    // Assess
    expect(reply.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(reply.body).toString()).toBe(SCRIPT);
    expect(reply.headers.etag).toMatch(/^W\/"[0-9a-f]{32}"$/);
    expect(reply.headers.vary).toBe('Accept-Encoding');
    expect(reply.headers['content-length']).toBeUndefined();
  });

  it('answers If-None-Match with the weak ETag of the gzipped copy with 304', async () => {
    // Prepare
    const gzipped = await get('/assets/app.js', { 'accept-encoding': 'gzip' });
    // Act
    const reply = await get('/assets/app.js', { 'accept-encoding': 'gzip', 'if-none-match': gzipped.headers.etag! });
    // Assess
    expect(reply.status).toBe(304);
  });

  it('treats the strong ETag of the plain copy and the weak one of the gzipped copy as the same (304)', async () => {
    // Prepare
    const plain = await get('/assets/app.js');
    // Act
    const reply = await get('/assets/app.js', { 'accept-encoding': 'gzip', 'if-none-match': plain.headers.etag! });
    // Assess
    expect(plain.headers.etag).toMatch(/^"/);
    expect(reply.status).toBe(304);
  });

  it.each([
    ['a viewer without gzip', '/assets/app.js', {}],
    ['gzip refused with q=0', '/assets/app.js', { 'accept-encoding': 'gzip;q=0' }],
    ['an object under 1,000 bytes', '/posts/hello-world.html', { 'accept-encoding': 'gzip' }],
    ['a type CloudFront does not compress', '/media/clip.mp4', { 'accept-encoding': 'gzip' }],
  ])('does not compress for %s', async (_case, path, headers: Record<string, string>) => {
    // Act
    const reply = await get(path, headers);
    // Assess
    expect(reply.status).toBe(200);
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.headers['content-length']).toBe(String(reply.body.length));
  });

  const TRAVERSALS = ['/posts/../index.html', '/%2e%2e/secret', '/posts/%2E%2E/%2e%2e/x', '/bad%E0%A4%A'];
  it.each(TRAVERSALS)('answers %s with 400', async (path) => {
    // Prepare
    const callsBefore = source.calls.length;
    // Act
    const reply = await get(path);
    // Assess
    expect(reply.status).toBe(400);
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(source.calls.length).toBe(callsBefore);
  });
});

describe('path patterns (CloudFront semantics)', () => {
  it.each([
    ['*', '/anything/at/all.html', true],
    ['*.jpg', '/images/deep/photo.jpg', true],
    ['*.jpg', '/LOGO.JPG', false],
    ['images/*.jpg', '/images/product1/a.jpg', true],
    ['/images/*.jpg', '/images/a.jpg', true],
    ['images/*.jpg', '/other/images/a.jpg', false],
    ['a??.jpg', '/ant.jpg', true],
    ['a??.jpg', '/an.jpg', false],
    ['a??.jpg', '/ants.jpg', false],
    ['*.doc*', '/report.docx', true],
    ['*.doc?', '/report.doc', false],
    ['premium/*', '/premium/video.mp4', true],
    ['premium/*', '/Premium/video.mp4', false],
    ['thumbnails/*', '/thumbnails', false],
    ['file.(1).txt', '/file.(1).txt', true],
    ['file.(1).txt', '/fileX(1).txt', false],
  ])('%s against %s → %s', (pattern, path, expected) => {
    // Act
    const matched = matchesPathPattern(pattern, path);
    // Assess
    expect(matched).toBe(expected);
  });

  it('applies the first matching behaviour in order, the default last', () => {
    // Prepare: the example of distribution-web-values-specify.md
    const definition: EdgeDefinition = {
      defaultBehaviour: behaviour('*', 'default'),
      behaviours: [behaviour('images/*.jpg', 'jpg'), behaviour('images/*', 'images'), behaviour('*.gif', 'gif')],
      errorResponses: [],
    };
    // Act
    const picked = ['/images/sample.gif', '/images/a/b.jpg', '/logo.gif', '/index.html'].map(
      (path) => selectBehaviour(definition, path).origin.bucket,
    );
    // Assess
    expect(picked).toEqual(['images', 'jpg', 'gif', 'default']);
  });
});

describe('local edge with hand-written behaviours', () => {
  const ORIGINS = {
    site: { 'index.html': object(INDEX, 'text/html'), 'errors/403.html': object('denied page', 'text/html') },
    media: {
      'videos/premium/clip.mp4': object(VIDEO, 'video/mp4'),
      'videos/thumbnails/a.svg': object(SCRIPT, 'image/svg+xml', 'max-age=1'),
    },
  };
  const edges: RunningEdge[] = [];

  async function start(definition: EdgeDefinition, source: ObjectSource = memorySource(ORIGINS), log = jest.fn()) {
    const edge = await startEdge({ host: '127.0.0.1', port: 0, definition, source, log });
    edges.push(edge);
    return { url: edge.url, log };
  }

  afterEach(async () => {
    await Promise.all(edges.splice(0).map((edge) => edge.close()));
  });

  const media = { id: 'media', bucket: 'media', keyPrefix: 'videos/', missingKeyStatus: 403 } as const;

  it('routes a behaviour to its origin, with the origin path as key prefix', async () => {
    // Prepare
    const source = memorySource(ORIGINS);
    const { url } = await start({
      defaultBehaviour: behaviour('*', 'site'),
      behaviours: [behaviour('thumbnails/*', 'media', { origin: media })],
      errorResponses: [],
    }, source);
    // Act
    const reply = await send(url, '/thumbnails/a.svg');
    // Assess
    expect(reply.status).toBe(200);
    expect(source.calls).toEqual(['media/videos/thumbnails/a.svg']);
  });

  it('answers 403 on a behaviour with trusted key groups and no viewerAuth, and says so at start', async () => {
    // Prepare
    const { url, log } = await start({
      defaultBehaviour: behaviour('*', 'site'),
      behaviours: [behaviour('premium/*', 'media', { origin: media, trustedKeyGroups: ['PremiumKeyGroup'] })],
      errorResponses: [],
    });
    // Act
    const reply = await send(url, '/premium/clip.mp4');
    // Assess
    expect(reply.status).toBe(403);
    expect(reply.body.equals(VIDEO)).toBe(false);
    expect(log).toHaveBeenCalledWith(expect.stringContaining('premium/*'));
  });

  it('lets viewerAuth decide, and maps its 403 through CustomErrorResponses', async () => {
    // Prepare
    const viewerAuth = jest.fn(({ query }: { query: URLSearchParams }) =>
      query.get('Signature') === 'good' ? { allow: true as const } : { allow: false as const, status: 403 });
    const { url } = await start({
      defaultBehaviour: behaviour('*', 'site'),
      behaviours: [
        behaviour('premium/*', 'media', { origin: media, trustedKeyGroups: ['PremiumKeyGroup'], viewerAuth }),
      ],
      errorResponses: [{ errorCode: 403, responseCode: 403, responsePagePath: '/errors/403.html' }],
    });
    // Act
    const allowed = await send(url, '/premium/clip.mp4?Signature=good');
    const denied = await send(url, '/premium/clip.mp4?Signature=forged');
    // Assess
    expect(allowed.status).toBe(200);
    expect(allowed.body.equals(VIDEO)).toBe(true);
    expect(denied.status).toBe(403);
    expect(denied.body.toString()).toBe('denied page');
    expect(viewerAuth).toHaveBeenCalledWith(expect.objectContaining({ rawPath: '/premium/clip.mp4' }));
  });

  it('matches behaviours on the decoded path, so an encoded spelling cannot skip a guarded behaviour', async () => {
    // Prepare
    const { url } = await start({
      defaultBehaviour: behaviour('*', 'media', { origin: media }),
      behaviours: [behaviour('premium/*', 'media', { origin: media, trustedKeyGroups: ['PremiumKeyGroup'] })],
      errorResponses: [],
    });
    // Act
    const reply = await send(url, '/%70remium/clip.mp4');
    // Assess
    expect(reply.status).toBe(403);
  });

  it('honours Override: true replaces the origin header, false keeps it', async () => {
    // Prepare
    const responseHeaders = {
      remove: [],
      add: [
        { name: 'cache-control', value: 'no-store', override: false },
        { name: 'content-type', value: 'text/plain', override: true },
        { name: 'x-edge', value: 'local', override: false },
      ],
    };
    const { url } = await start({
      defaultBehaviour: behaviour('*', 'media', { origin: media, responseHeaders }),
      behaviours: [],
      errorResponses: [],
    });
    // Act
    const reply = await send(url, '/thumbnails/a.svg');
    // Assess
    expect(reply.headers['cache-control']).toBe('max-age=1');
    expect(reply.headers['content-type']).toBe('text/plain');
    expect(reply.headers['x-edge']).toBe('local');
  });

  it('does not compress when the behaviour has Compress off', async () => {
    // Prepare
    const { url } = await start({
      defaultBehaviour: behaviour('*', 'media', { origin: media }),
      behaviours: [],
      errorResponses: [],
    });
    // Act
    const reply = await send(url, '/thumbnails/a.svg', 'GET', { 'accept-encoding': 'gzip' });
    // Assess
    expect(reply.headers['content-encoding']).toBeUndefined();
    expect(reply.body.toString()).toBe(SCRIPT);
  });

  it('answers an origin failure with 502 and keeps the details in the log', async () => {
    // Prepare
    const failing: ObjectSource = { get: () => Promise.reject(new Error('connect ECONNREFUSED secret-detail')) };
    const definition = { defaultBehaviour: behaviour('*', 'site'), behaviours: [], errorResponses: [] };
    const { url, log } = await start(definition, failing);
    // Act
    const reply = await send(url, '/index.html');
    // Assess
    expect(reply.status).toBe(502);
    expect(reply.body.toString()).not.toContain('secret-detail');
    expect(log).toHaveBeenCalledWith(expect.stringContaining('origin site failed'), expect.any(Error));
  });
});

describe('edgeFromConfig refuses what it cannot emulate', () => {
  let config: ServiceConfig;

  beforeAll(async () => {
    config = await loadServiceConfig('local');
  }, 60_000);

  type Draft = Record<string, unknown>;
  interface DistributionDraft {
    Origins: Draft[];
    DefaultCacheBehavior: Draft;
    CacheBehaviors?: Draft[];
  }

  /** A copy of the local config with its distribution (and resources) changed by `change`. */
  function variant(change: (distribution: DistributionDraft, resources: Record<string, CfnResource>) => void) {
    const copy = structuredClone(config);
    const resources = copy.resources.Resources;
    change(resources.ContentDistribution?.Properties?.DistributionConfig as DistributionDraft, resources);
    return copy;
  }

  const definitionOf = (changed: ServiceConfig) => edgeFromConfig(changed, (id) => localPhysicalName(changed, id));

  it.each<[string, (d: DistributionDraft) => void, RegExp]>([
    [
      'a function association',
      (d) => (d.DefaultCacheBehavior.FunctionAssociations = [{ EventType: 'viewer-request' }]),
      /FunctionAssociations not emulated/,
    ],
    [
      'write methods',
      (d) => (d.DefaultCacheBehavior.AllowedMethods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE']),
      /AllowedMethods .* not emulated/,
    ],
    [
      'a custom origin',
      (d) => (d.Origins[0] = { Id: 'content', DomainName: 'example.com', CustomOriginConfig: {} }),
      /CustomOriginConfig not emulated/,
    ],
    [
      'a managed response headers policy',
      (d) => (d.DefaultCacheBehavior.ResponseHeadersPolicyId = '67f7725c-6f97-4210-82d7-5512b31e9d03'),
      /managed response headers policy/,
    ],
    ['an unknown target origin', (d) => (d.DefaultCacheBehavior.TargetOriginId = 'nowhere'), /names no origin/],
    [
      'a behaviour without a path pattern',
      (d) => (d.CacheBehaviors = [{ ...d.DefaultCacheBehavior }]),
      /CacheBehaviors\[0\]\.PathPattern: expected a string/,
    ],
  ])('throws for %s', (_case, change, message) => {
    // Prepare
    const changed = variant(change);
    // Act
    const act = () => definitionOf(changed);
    // Assess
    expect(act).toThrow(message);
  });

  it('throws when there are two distributions', () => {
    // Prepare
    const changed = variant((_d, resources) => {
      resources.SecondDistribution = structuredClone(resources.ContentDistribution!);
    });
    // Act
    const act = () => definitionOf(changed);
    // Assess
    expect(act).toThrow('expected one AWS::CloudFront::Distribution, found 2');
  });

  it('reads custom and removed headers, an S3 domain string, OriginPath and TrustedKeyGroups', () => {
    // Prepare
    const changed = variant((d, resources) => {
      const policy = resources.SecurityHeadersPolicy?.Properties?.ResponseHeadersPolicyConfig as Draft;
      policy.CustomHeadersConfig = { Items: [{ Header: 'X-Blog', Value: 'local', Override: false }] };
      policy.RemoveHeadersConfig = { Items: [{ Header: 'Server' }] };
      resources.PremiumKeyGroup = { Type: 'AWS::CloudFront::KeyGroup', Properties: {} };
      const domain = 'media-bucket.s3.eu-west-1.amazonaws.com';
      d.Origins.push({ Id: 'media', DomainName: domain, OriginPath: '/videos', S3OriginConfig: {} });
      d.CacheBehaviors = [
        { PathPattern: '/premium/*', TargetOriginId: 'media', TrustedKeyGroups: [{ Ref: 'PremiumKeyGroup' }] },
      ];
    });
    // Act
    const definition = definitionOf(changed);
    // Assess
    const added = definition.defaultBehaviour.responseHeaders.add;
    expect(added).toContainEqual({ name: 'x-blog', value: 'local', override: false });
    expect(definition.defaultBehaviour.responseHeaders.remove).toEqual(['server']);
    expect(definition.behaviours[0]).toMatchObject({
      pathPattern: '/premium/*',
      origin: { id: 'media', bucket: 'media-bucket', keyPrefix: 'videos/' },
      allowedMethods: ['GET', 'HEAD'],
      compress: false,
      trustedKeyGroups: ['PremiumKeyGroup'],
    });
  });
});
