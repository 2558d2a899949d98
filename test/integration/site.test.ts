import { GetObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/local/service-config';
import { ports, s3, siteUrl } from './local';

const CONTENT_BUCKET = 'serverless-blog-local-content-bucket';
/** What publish:site built (Vite) and published. */
const built = (file: string) => readFileSync(`web/dist/${file}`, 'utf8');

/** node:http with the path as written: a URL (fetch's or node:http's) would resolve `%2e%2e`, and fetch sets no Host. */
function edgeRequest(path: string, { method = 'GET', host }: { method?: string; host?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(siteUrl);
    const request = http.request({ hostname, port, path, method, headers: host ? { host } : {} }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('the blog through the local edge (CloudFront stand-in)', () => {
  beforeAll(async () => {
    // Prepare: the site as `npm start` publishes it
    await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), 'scripts/publish-site.ts', '--stage', 'local'], {
      cwd: ROOT,
      env: process.env,
    });
  }, 60_000);

  it('serves index.html at / with the security headers of the response headers policy', async () => {
    // Act
    const response = await fetch(`${siteUrl}/`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toBe(built('index.html'));
    expect(response.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains; preload');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('serves a post and its fingerprinted stylesheet', async () => {
    // Prepare
    const stylesheet = /href="(\/assets\/[^"]+\.css)"/.exec(built('posts/hello-serverless.html'))?.[1];
    expect(stylesheet).toBeDefined();

    // Act
    const post = await fetch(`${siteUrl}/posts/hello-serverless.html`);
    const css = await fetch(`${siteUrl}${stylesheet}`);

    // Assess
    expect(post.status).toBe(200);
    expect(await post.text()).toContain('<article');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(css.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('serves config.json with this stack\'s API and user pool, revalidated after a minute', async () => {
    // Act
    const response = await fetch(`${siteUrl}/config.json`);
    const config = (await response.json()) as { apiUrl: string; auth: Record<string, string> };

    // Assess
    expect(response.headers.get('cache-control')).toBe('public, max-age=60, must-revalidate');
    expect(config.apiUrl).toBe(`http://127.0.0.1:${ports.api}`);
    expect(config.auth).toMatchObject({
      userPoolId: 'local_serverlessBlog',
      userPoolClientId: 'serverlessblogwebclient01',
      endpoint: `http://127.0.0.1:${ports.cognito}`,
      flow: 'USER_PASSWORD_AUTH',
    });
  });

  it('answers an unknown path with the custom 404 page and status 404', async () => {
    // Act
    const response = await fetch(`${siteUrl}/no/such/page.html`);

    // Assess
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(built('404.html'));
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('compresses HTML for clients that accept gzip', async () => {
    // Act (fetch would decode gzip transparently; ask with a raw header check instead)
    const response = await fetch(`${siteUrl}/`, { headers: { 'accept-encoding': 'gzip' } });

    // Assess
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('vary')).toMatch(/accept-encoding/i);
  });

  it('refuses methods the behaviour does not allow, as CloudFront does', async () => {
    // Act
    const response = await fetch(`${siteUrl}/index.html`, { method: 'POST', body: 'x' });

    // Assess
    expect(response.status).toBe(403);
  });

  it('answers odd paths against the real local S3 with S3\'s 4xx, never a 5xx', async () => {
    // Act
    const answers = await Promise.all(['//premium/x', '/thumbnails//w480.webp', '/posts/a%00b.html', '/%2F%2F', '/premium/%2e%2e/index.html']
      .map(async (path) => [path, (await edgeRequest(path)).status]));

    // Assess: the content bucket lets CloudFront list it (404), the thumbnails bucket does not (403)
    expect(answers).toEqual([
      ['//premium/x', 404], ['/thumbnails//w480.webp', 403], ['/posts/a%00b.html', 404], ['/%2F%2F', 404],
      ['/premium/%2e%2e/index.html', 400],
    ]);
  });

  it('serves its own names (127.0.0.1 and localhost on its port) and refuses any other Host with 403', async () => {
    // Prepare
    const { port } = new URL(siteUrl);

    // Act
    const byLocalhost = await edgeRequest('/', { host: `localhost:${port}` });
    const byOtherSite = await edgeRequest('/', { host: 'evil.example' });

    // Assess
    expect(byLocalhost.status).toBe(200);
    expect(byOtherSite.status).toBe(403);
    expect(byOtherSite.body).not.toBe(built('index.html'));
  });

  it('keeps the bucket private: an anonymous request straight to S3 is denied, a signed one is not', async () => {
    // Act
    const anonymous = await fetch(`http://127.0.0.1:${ports.s3}/${CONTENT_BUCKET}/index.html`);
    const signed = await s3.send(new GetObjectCommand({ Bucket: CONTENT_BUCKET, Key: 'index.html' }));

    // Assess
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toContain('<Code>AccessDenied</Code>');
    expect(signed.ContentType).toBe('text/html; charset=utf-8');
  });
});
