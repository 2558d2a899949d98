/**
 * The local edge's /releases/* behaviour on the running stack: it reads the local ReleasesBucket, answers byte ranges,
 * and lets the site's other name read a download (CORS from the stage's releasesCorsOrigins) while another origin gets
 * no Access-Control-Allow-Origin. The objects are written straight to the local S3, as `npm run release` would.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { HOST } from '../../scripts/local/ports';
import { ports, s3, siteUrl } from './local';

const RELEASES_BUCKET = 'serverless-blog-local-releases-bucket';

describe('/releases/* through the local edge', () => {
  // A version nobody else writes, so the test holds however often it runs against one stack.
  const version = `0.0.0-test.${randomUUID().slice(0, 8)}`;
  const path = `/releases/stable/${version}/app.bin`;
  const file = randomBytes(64 * 1024);
  const otherName = `http://localhost:${ports.edge}`; // the site under its other name: another origin for the browser

  beforeAll(async () => {
    // Prepare
    await s3.send(new PutObjectCommand({
      Bucket: RELEASES_BUCKET,
      Key: path.slice(1),
      Body: file,
      ContentType: 'application/octet-stream',
      CacheControl: 'public, max-age=31536000, immutable',
    }));
  });

  it('serves the file with its Cache-Control, uncompressed, and a range of it with 206', async () => {
    // Act
    const whole = await fetch(`${siteUrl}${path}`, { headers: { 'accept-encoding': 'gzip' } });
    const tail = await fetch(`${siteUrl}${path}`, { headers: { range: 'bytes=60000-' } });
    // Assess
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer()).equals(file)).toBe(true);
    expect(whole.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(whole.headers.get('content-encoding')).toBeNull();
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes 60000-${file.length - 1}/${file.length}`);
    expect(Buffer.from(await tail.arrayBuffer()).equals(file.subarray(60000))).toBe(true);
  });

  it('lets a page of the site\'s other name read it (CORS), and not a page of another origin', async () => {
    // Act
    const allowed = await fetch(`${siteUrl}${path}`, { headers: { origin: otherName, range: 'bytes=0-99' } });
    const other = await fetch(`${siteUrl}${path}`, { headers: { origin: `http://${HOST}:1` } });
    // Assess
    expect(allowed.status).toBe(206);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(otherName);
    expect(allowed.headers.get('access-control-expose-headers')).toBe('Content-Length, Content-Range, Accept-Ranges, ETag');
    expect(allowed.headers.get('vary')).toBe('Origin');
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a version nobody published with S3\'s 403 through OAC (no s3:ListBucket), with the CORS headers', async () => {
    // Act
    const missing = await fetch(`${siteUrl}/releases/stable/${version}-missing/app.bin`, { headers: { origin: otherName } });
    // Assess
    expect(missing.status).toBe(403);
    expect(missing.headers.get('access-control-allow-origin')).toBe(otherName);
  });
});
