import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { getSignedCookies, getSignedUrl } from '@aws-sdk/cloudfront-signer';
import type { EdgeDefinition } from '../../../../scripts/local/edge/definition';
import { edgeFromConfig } from '../../../../scripts/local/edge/distribution';
import type { ObjectSource } from '../../../../scripts/local/edge/origin';
import { startEdge, type RunningEdge } from '../../../../scripts/local/edge/server';
import { verifySignedRequest } from '../../../../scripts/local/edge/signed-requests';
import { loadServiceConfig, type ServiceConfig } from '../../../../scripts/local/service-config';
import { localPhysicalName } from '../../../../scripts/local/common/intrinsics';
import { behaviour, INDEX, LAST_MODIFIED, memorySource, NOT_FOUND_PAGE, object, POST, SCRIPT, send, sendRaw, VIDEO } from './fixtures';

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
  it('takes the distribution\'s domain name as the stage declares it (distributionDomain) as one of its names', () => {
    // Assess
    expect(definition.domainNames).toEqual([expect.stringMatching(/^localhost:\d+$/)]);
  });

  it('serves its own address, and the distribution\'s domain name in any letter case (DNS names are case-insensitive)', async () => {
    // Prepare
    const [alias = ''] = definition.domainNames ?? [];
    // Act
    const own = await get('/posts/hello-world.html');
    const named = await get('/posts/hello-world.html', { host: alias.toUpperCase() });
    // Assess
    expect([own.status, named.status]).toEqual([200, 200]);
  });

  // "If you create the DNS record but don't add the CNAME in your CloudFront distribution configuration, then the
  // request returns a 403 error" (HTTP 403 status code (Permission Denied), "Alternate CNAME is incorrectly configured").
  it.each([
    ['another site', 'evil.example'],
    ['its own address with a path appended', '127.0.0.1:8080/premium/'],
    ['its own host on another port', '127.0.0.1:1'],
  ])('answers 403 to a Host that is not one of its names (%s), without asking the origin', async (_case, host) => {
    // Prepare
    const callsBefore = source.calls.length;
    // Act
    const reply = await get('/posts/hello-world.html', { host });
    // Assess
    expect(reply.status).toBe(403);
    expect(reply.body.toString()).not.toContain(POST);
    expect(source.calls.length).toBe(callsBefore);
  });

  it('answers 403 to an HTTP/1.0 request without a Host: it names no distribution', async () => {
    // Act
    const { statusLine } = await sendRaw(edge.url, 'GET /posts/hello-world.html HTTP/1.0\r\n\r\n');
    // Assess
    expect(statusLine).toBe('HTTP/1.1 403 Forbidden');
  });

  // What CloudFront in front of S3 answers; never a 5xx, whatever the path.
  it.each<[string, string, number]>([
    // CloudFront matches path patterns after RFC 3986 normalisation, which keeps empty segments, and sends the raw
    // path on: no behaviour matches `//premium/x`, so the content bucket is asked for the key `/premium/x`, and a
    // missing key in a bucket CloudFront may list is S3's 404.
    ['//premium/x, unsigned', '//premium/x', 404],
    // The thumbnails bucket only lets CloudFront read (no s3:ListBucket): a missing key is S3's 403.
    ['/thumbnails//w480.webp', '/thumbnails//w480.webp', 403],
    ['///', '///', 404],
    // S3 decodes %2F into the key's slash.
    ['encoded slashes: /posts%2F%2Fhello-world.html', '/posts%2F%2Fhello-world.html', 404],
    ['an encoded NUL: /posts/a%00b.html', '/posts/a%00b.html', 404],
    ['an encoded dot-dot segment: /premium/%2e%2e/x', '/premium/%2e%2e/x', 400],
    ['a dot segment: /posts/./hello-world.html', '/posts/./hello-world.html', 400],
    ['invalid percent-encoding: /posts/%zz.html', '/posts/%zz.html', 400],
    ['a lone UTF-8 continuation byte: /posts/%80.html', '/posts/%80.html', 400],
    // S3's KeyTooLongError (400) for a key over 1,024 bytes.
    ['a key over 1,024 bytes', `/posts/${'a'.repeat(1_020)}`, 400],
    // "The maximum length of this URL is 8192 bytes", else 413 (Request and response behavior for Amazon S3 origins).
    ['a URL over 8,192 bytes', `/posts/${'a'.repeat(8_200)}`, 413],
  ])('answers %s with %i', async (_case, path, status) => {
    // Act
    const reply = await get(path);
    // Assess
    expect(reply.status).toBe(status);
  });

  it.each(['OPTIONS', 'POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND'])(
    'answers %s, which the behaviour\'s AllowedMethods do not list, with CloudFront\'s 403', async (method) => {
      // Act
      const reply = await send(edge.url, '/index.html', method);
      // Assess
      expect(reply.status).toBe(403);
      expect(reply.headers['x-frame-options']).toBe('DENY');
      expect(reply.body.toString()).not.toContain(INDEX);
    });

  it('answers CONNECT with 403, or 400 when its target is not a path, instead of dropping the connection', async () => {
    // Prepare
    const { host } = new URL(edge.url);
    // Act
    const toPath = await sendRaw(edge.url, `CONNECT /index.html HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const toAuthority = await sendRaw(edge.url, `CONNECT ${host} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    // Assess
    expect(toPath.statusLine).toBe('HTTP/1.1 403 Forbidden');
    expect(toAuthority.statusLine).toBe('HTTP/1.1 400 Bad Request');
  });

  it('answers a method that is not HTTP with 400, and headers over CloudFront\'s 20,480 bytes with 413', async () => {
    // Prepare
    const { host } = new URL(edge.url);
    // Act
    const garbage = await sendRaw(edge.url, `FROB /index.html HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const huge = await sendRaw(edge.url, `GET /index.html HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'b'.repeat(21_000)}\r\n\r\n`);
    // Assess
    expect(garbage.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(huge.statusLine).toBe('HTTP/1.1 413 Payload Too Large');
  });

  it('answers a GET with a body with 403: "If a viewer GET request includes a body, CloudFront returns ... 403"', async () => {
    // Act
    const reply = await new Promise<number>((resolve, reject) => {
      const headers = { 'content-type': 'text/plain', 'content-length': '6' };
      const request = http.request(`${edge.url}/index.html`, { method: 'GET', headers }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end('a body');
    });
    // Assess
    expect(reply).toBe(403);
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

describe('local edge: the Host header never widens a signed URL or cookie', () => {
  // The policy's Resource is matched against "the CloudFront URL that you would use to access the file" (Create a
  // signed URL using a custom policy): the distribution's domain name or an alternate domain name (CNAME).
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const keyPairId = 'serverless-blog-local-premium-public-key';
  const keys = new Map([[keyPairId, pair.publicKey]]);
  const ALIAS = 'blog.localhost';
  const premium = { id: 'premium', bucket: 'premium', keyPrefix: '', missingKeyStatus: 403 } as const;
  let edge: RunningEdge;
  let own = ''; // host:port of the edge

  beforeAll(async () => {
    const source = memorySource({
      site: { 'index.html': object(INDEX, 'text/html') },
      premium: {
        'premium/folderA/a.txt': object('folder A', 'text/plain'),
        'premium/folderB/b.txt': object('folder B', 'text/plain'),
      },
    });
    const viewerAuth = (request: Parameters<typeof verifySignedRequest>[0]) =>
      verifySignedRequest(request, { keys }) ? { allow: true as const } : { allow: false as const, status: 403 };
    edge = await startEdge({
      host: '127.0.0.1',
      port: 0,
      source,
      log: jest.fn(),
      definition: {
        domainNames: [ALIAS],
        defaultBehaviour: behaviour('*', 'site'),
        behaviours: [behaviour('premium/*', 'premium', { origin: premium, trustedKeyGroups: ['PremiumKeyGroup'], viewerAuth })],
        errorResponses: [],
      },
    });
    own = new URL(edge.url).host;
  });

  afterAll(async () => {
    await edge?.close();
  });

  const inAnHour = () => Math.floor(Date.now() / 1000) + 3_600;
  const folderPolicy = (base: string, folder: string) =>
    JSON.stringify({ Statement: [{ Resource: `${base}/premium/${folder}/*`, Condition: { DateLessThan: { 'AWS:EpochTime': inAnHour() } } }] });
  const cookieHeader = (base: string, folder: string) =>
    Object.entries(getSignedCookies({ keyPairId, privateKey, policy: folderPolicy(base, folder) }))
      .map(([name, value]) => `${name}=${String(value)}`).join('; ');
  const pathOf = (url: string) => url.slice(url.indexOf('/', url.indexOf('//') + 2));

  it('cookies for folderA open folderA, and not folderB with a Host that makes the URL begin with folderA', async () => {
    // Prepare: cookies for http://<edge>/premium/folderA/*, the way the signed-URL function issues them
    const cookie = cookieHeader(edge.url, 'folderA');
    // Act
    const folderA = await send(edge.url, '/premium/folderA/a.txt', 'GET', { cookie });
    const crafted = await send(edge.url, '/premium/folderB/b.txt', 'GET', { cookie, host: `${own}/premium/folderA/` });
    const craftedFolderA = await send(edge.url, '/premium/folderA/a.txt', 'GET', { cookie, host: `${own}/premium/folderA/` });
    // Assess
    expect([folderA.status, folderA.body.toString()]).toEqual([200, 'folder A']);
    expect(crafted.status).toBe(403);
    expect(crafted.body.toString()).not.toContain('folder B');
    expect(craftedFolderA.status).toBe(403);
  });

  it('a custom-policy signed URL for folderA/* does not open folderB under a crafted Host', async () => {
    // Prepare
    const signed = getSignedUrl({ url: `${edge.url}/premium/folderB/b.txt`, keyPairId, privateKey, policy: folderPolicy(edge.url, 'folderA') });
    // Act
    const honest = await send(edge.url, pathOf(signed));
    const crafted = await send(edge.url, pathOf(signed), 'GET', { host: `${own}/premium/folderA/` });
    // Assess
    expect(honest.status).toBe(403);
    expect(crafted.status).toBe(403);
    expect(crafted.body.toString()).not.toContain('folder B');
  });

  it('a URL signed for one of its names opens the file under that name only, as CloudFront does', async () => {
    // Prepare: a canned policy names the exact URL, host included
    const signed = getSignedUrl({ url: `${edge.url}/premium/folderA/a.txt`, keyPairId, privateKey, dateLessThan: inAnHour() * 1000 });
    // Act
    const underOwn = await send(edge.url, pathOf(signed));
    const underAlias = await send(edge.url, pathOf(signed), 'GET', { host: ALIAS });
    // Assess
    expect(underOwn.status).toBe(200);
    expect(underAlias.status).toBe(403);
  });

  it('cookies for the alternate domain name open the folder under it (Host compared case-insensitively)', async () => {
    // Prepare
    const cookie = cookieHeader(`http://${ALIAS}`, 'folderA');
    // Act
    const reply = await send(edge.url, '/premium/folderA/a.txt', 'GET', { cookie, host: ALIAS.toUpperCase() });
    const otherFolder = await send(edge.url, '/premium/folderB/b.txt', 'GET', { cookie, host: ALIAS });
    // Assess
    expect([reply.status, reply.body.toString()]).toEqual([200, 'folder A']);
    expect(otherFolder.status).toBe(403);
  });
});
