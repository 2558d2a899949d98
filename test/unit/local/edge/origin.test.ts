import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { localS3CanHold, s3ObjectSource } from '../../../../scripts/local/edge/origin';
import { startEdge } from '../../../../scripts/local/edge/server';
import { localS3ClientConfig } from '../../../../scripts/local/ports';
import { startLocalS3, type LocalS3 } from '../../../../scripts/local/s3/server';
import { behaviour, send } from './fixtures';

describe('the S3 origin adapter on the local S3 (s3rver)', () => {
  function adapter() {
    const sent: unknown[] = [];
    const client = { send: (command: unknown) => Promise.reject(new Error(`asked: ${String(sent.push(command))}`)) };
    return { source: s3ObjectSource(client as unknown as S3Client), sent };
  }

  it.each([
    ['an empty first segment', '/premium/x'],
    ['an empty segment', 'thumbnails//w480.webp'],
    ['a dot segment', 'posts/./a.html'],
    ['a dot-dot segment', 'premium/../other-bucket/x'],
    ['a NUL', 'posts/a\0b.html'],
    ['a file name longer than the filesystem allows', `posts/${'a'.repeat(240)}`],
    ['a directory name longer than the filesystem allows', `${'d'.repeat(256)}/a.html`],
  ])('answers a key with %s as missing, without asking s3rver', async (_case, key) => {
    // Prepare
    const { source, sent } = adapter();
    // Act
    const result = await source.get('bucket', key);
    // Assess
    expect(result).toEqual({ kind: 'not-found' });
    expect(sent).toHaveLength(0);
  });

  it('asks s3rver for keys it can hold, a folder key with its trailing slash included', () => {
    // Act + Assess
    expect(['posts/hello.html', 'premium/videos/intro/', 'a b+c%.txt', `posts/${'a'.repeat(200)}`].map(localS3CanHold))
      .toEqual([true, true, true, true]);
  });

  it('logs an origin failure that is not the viewer\'s on one line, without a stack', async () => {
    // Prepare: the SDK's error when s3rver answers something that is not S3's XML
    const lines: unknown[][] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args));
    const error = new Error('@aws-sdk XML parse error: unexpected content.\n  Deserialization error: to see the raw response, …');
    const edge = await startEdge({
      host: '127.0.0.1',
      port: 0,
      source: { get: () => Promise.reject(error) },
      definition: { defaultBehaviour: behaviour('*', 'site'), behaviours: [], errorResponses: [] },
    });
    try {
      // Act
      const reply = await send(edge.url, '/index.html');
      // Assess
      expect(reply.status).toBe(502);
      expect(lines).toEqual([[expect.stringMatching(/^\[edge\] origin site failed for site\/index\.html: Error: @aws-sdk XML parse error: unexpected content\. Deserialization error/)]]);
      expect(String(lines[0]?.[0])).not.toContain('\n');
    } finally {
      spy.mockRestore();
      await edge.close();
    }
  });
});

describe('the S3 origin adapter revalidating on the real local S3 (GetObject If-None-Match)', () => {
  const BUCKET = 'svc-local-releases-bucket';
  let directory: string;
  let local: LocalS3;
  let s3: S3Client;

  beforeAll(async () => {
    directory = mkdtempSync(path.join(tmpdir(), 'edge-origin-'));
    local = await startLocalS3({ host: '127.0.0.1', port: 0, directory });
    s3 = new S3Client(localS3ClientConfig(`http://127.0.0.1:${local.port}`));
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  }, 30_000);
  afterAll(async () => {
    s3?.destroy();
    await local?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('answers not-modified while the ETag still matches, and the new object once it changed', async () => {
    // Prepare
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'stable/latest.json', Body: 'v1', CacheControl: 'public, max-age=60' }));
    const source = s3ObjectSource(s3);
    const first = await source.get(BUCKET, 'stable/latest.json');
    if (first.kind !== 'found') throw new Error(first.kind);
    first.body.resume();
    // Act
    const unchanged = await source.get(BUCKET, 'stable/latest.json', { ifNoneMatch: first.meta.etag });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'stable/latest.json', Body: 'v2', CacheControl: 'public, max-age=60' }));
    const changed = await source.get(BUCKET, 'stable/latest.json', { ifNoneMatch: first.meta.etag });
    // Assess
    expect(first.meta.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(first.meta.cacheControl).toBe('public, max-age=60');
    expect(unchanged).toEqual({ kind: 'not-modified' });
    expect(changed).toMatchObject({ kind: 'found', status: 200, meta: { contentLength: 2 } });
    if (changed.kind === 'found') changed.body.resume();
  });
});
