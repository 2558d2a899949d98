import { GetObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/local/service-config';
import { ports, s3, siteUrl } from './local';

const CONTENT_BUCKET = 'serverless-blog-local-content-bucket';
/** What publish:site built (Vite) and published. */
const built = (file: string) => readFileSync(`web/dist/${file}`, 'utf8');

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
