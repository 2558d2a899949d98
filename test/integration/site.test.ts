import { GetObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { ROOT } from '../../scripts/local/service-config';
import { ports, s3, siteUrl } from './local';

const CONTENT_BUCKET = 'serverless-blog-local-content-bucket';

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
    expect(await response.text()).toBe(readFileSync('site/index.html', 'utf8'));
    expect(response.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains; preload');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('serves a post and its stylesheet', async () => {
    // Act
    const post = await fetch(`${siteUrl}/posts/hello-serverless.html`);
    const css = await fetch(`${siteUrl}/assets/style.css`);

    // Assess
    expect(post.status).toBe(200);
    expect(await post.text()).toContain('<article');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('answers an unknown path with the custom 404 page and status 404', async () => {
    // Act
    const response = await fetch(`${siteUrl}/no/such/page.html`);

    // Assess
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(readFileSync('site/404.html', 'utf8'));
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
