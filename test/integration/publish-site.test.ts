import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { HOST } from '../../scripts/local/ports';
import { ROOT, loadServiceConfig } from '../../scripts/local/service-config';
import { localPhysicalName } from '../../scripts/local/common/intrinsics';
import { CACHE_CONTROL, PUBLISH_MANIFEST_KEY, isPublishable } from '../../scripts/publish/diff';
import { SAMPLE_IMAGE_KEY, SAMPLE_VIDEO_KEY } from '../../scripts/publish/sample-media';
import { ports, s3 } from './local';

const run = promisify(execFile);

/** sls print (inside the CLI) takes a few seconds; the whole publish stays well under this. */
const PUBLISH_TIMEOUT_MS = 90_000;

interface Summary {
  uploaded: number;
  bytes: number;
  unchanged: number;
  deleted: number;
  stdout: string;
}

// The stack is the one global-setup started (LOCAL_PORT_OFFSET=100). The CLI gets the same S3 endpoint that this
// file asserts against, so a developer's shell variables cannot send it to another stack.
const endpoint = `http://${HOST}:${ports.s3}`;

async function publish(): Promise<Summary> {
  const { stdout } = await run('npx', ['tsx', 'scripts/publish-site.ts', '--stage', 'local'], {
    cwd: ROOT,
    env: {
      ...process.env,
      LOCAL_PORT_OFFSET: process.env.LOCAL_PORT_OFFSET ?? '100',
      AWS_ENDPOINT_URL_S3: endpoint,
    },
    timeout: PUBLISH_TIMEOUT_MS,
  });
  const match = /^Summary: (\d+) uploaded \((\d+) bytes\), (\d+) unchanged, (\d+) deleted/m.exec(stdout);
  if (match === null) throw new Error(`publish-site printed no summary line:\n${stdout}`);
  const [uploaded, bytes, unchanged, deleted] = match.slice(1).map(Number) as [number, number, number, number];
  return { uploaded, bytes, unchanged, deleted, stdout };
}

/** What the CLI should publish: every file it built under web/dist/ but dotfiles, by key, with its size. */
function siteFiles(): Map<string, number> {
  const dir = path.join(ROOT, 'web', 'dist');
  const files = new Map<string, number>();
  for (const relative of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const info = statSync(path.join(dir, relative));
    const key = relative.split(path.sep).join('/');
    if (info.isFile() && isPublishable(key)) files.set(key, info.size);
  }
  return files;
}

describe('npm run publish:site -- --stage local', () => {
  let bucket: string;
  let firstPublish: Summary;

  beforeAll(async () => {
    bucket = localPhysicalName(await loadServiceConfig('local'), 'ContentBucket');
    firstPublish = await publish();
  }, 2 * PUBLISH_TIMEOUT_MS);

  it('puts every built file in the content bucket, byte for byte, and a config.json beside them', async () => {
    // Prepare
    const files = siteFiles();
    const keys = [...files.keys()];
    const config = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'config.json' }));

    // Act
    const heads = await Promise.all(keys.map((Key) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))));

    // Assess
    expect(keys).toEqual(
      expect.arrayContaining(['index.html', '404.html', 'account.html', 'photos.html', 'premium.html', 'favicon.svg']),
    );
    expect(keys.filter((key) => /^assets\/.+-[A-Za-z0-9_-]{8}\.(js|css)$/.test(key)).length).toBeGreaterThan(0);
    // A checksum trailer stored as content (the SDK's default checksums against s3rver) would show up here.
    expect(heads.map((head) => head.ContentLength)).toEqual([...files.values()]);
    // Whether uploaded now or by an earlier run against the same stack, every file is accounted for.
    expect(firstPublish.uploaded + firstPublish.unchanged).toBe(files.size + 1);
    expect(config.CacheControl).toBe(CACHE_CONTROL.html);
    expect(JSON.parse(await config.Body!.transformToString())).toMatchObject({ stage: 'local', apiUrl: `http://${HOST}:${ports.api}` });
  });

  it('serves index.html as UTF-8 HTML that revalidates after a minute', async () => {
    // Act
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'index.html' }));

    // Assess
    expect(head.ContentType).toBe('text/html; charset=utf-8');
    expect(head.CacheControl).toBe('public, max-age=60, must-revalidate');
  });

  it('serves the fingerprinted stylesheet as CSS that never changes, and the favicon with the asset lifetime', async () => {
    // Prepare
    const stylesheet = [...siteFiles().keys()].find((key) => key.startsWith('assets/') && key.endsWith('.css'));

    // Act
    const css = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: stylesheet }));
    const icon = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'favicon.svg' }));

    // Assess
    expect(css.ContentType).toMatch(/^text\/css(;|$)/);
    expect(css.CacheControl).toBe(CACHE_CONTROL.fingerprinted);
    expect(icon.CacheControl).toBe(CACHE_CONTROL.asset);
  });

  it('puts the generated premium samples in the premium bucket', async () => {
    // Prepare
    const premiumBucket = localPhysicalName(await loadServiceConfig('local'), 'PremiumBucket');

    // Act
    const image = await s3.send(new HeadObjectCommand({ Bucket: premiumBucket, Key: SAMPLE_IMAGE_KEY }));
    const video = await s3.send(new HeadObjectCommand({ Bucket: premiumBucket, Key: SAMPLE_VIDEO_KEY }));

    // Assess
    expect(image.ContentType).toBe('image/jpeg');
    expect(video.ContentType).toBe('video/mp4');
    expect(video.ContentLength).toBeGreaterThan(10_000);
    expect(firstPublish.stdout).toMatch(/Premium samples in s3:\/\/\S+\/premium\/samples\/: \d+ uploaded, \d+ unchanged/);
  }, 60_000); // `sls print` resolves serverless.yml: seconds on a busy machine

  it('changes nothing when published again', async () => {
    // Act
    const again = await publish();

    // Assess
    expect(again).toMatchObject({ uploaded: 0, bytes: 0, deleted: 0, unchanged: siteFiles().size + 1 });
    expect(again.stdout).toContain('premium/samples/: 0 uploaded, 2 unchanged');
  }, PUBLISH_TIMEOUT_MS);

  describe('with objects the site does not have', () => {
    const staleKey = 'posts/publish-site-test-stale.html';
    const protectedKey = 'thumbnails/publish-site-test.webp';

    afterAll(async () => {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: protectedKey }));
    });

    it('deletes the stale page and keeps what other features wrote', async () => {
      // Prepare
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: staleKey, Body: '<p>old</p>', ContentType: 'text/html' }));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: protectedKey, Body: 'webp', ContentType: 'image/webp' }));

      // Act
      const result = await publish();

      // Assess
      expect(result.deleted).toBe(1);
      expect(result.stdout).toContain(`deleted ${staleKey}`);
      await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: staleKey }))).rejects.toMatchObject({
        name: 'NotFound',
      });
      await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: protectedKey }))).resolves.toMatchObject({
        ContentType: 'image/webp',
      });
    }, PUBLISH_TIMEOUT_MS);

    it("keeps the previous publish's hashed assets for one more publish, and deletes older ones", async () => {
      // Prepare: the previous publish (its manifest) had an older bundle; an even older one lingers in the bucket
      const previousBundle = 'assets/publish-test-Bx8kQ2mE.js';
      const olderBundle = 'assets/publish-test-A0aa11Zz.js';
      const manifest = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: PUBLISH_MANIFEST_KEY }));
      const { keys } = JSON.parse(await manifest.Body!.transformToString()) as { keys: string[] };
      expect(keys).toEqual([...siteFiles().keys(), 'config.json'].sort());
      const previous = JSON.stringify({ keys: [...keys, previousBundle] });
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: PUBLISH_MANIFEST_KEY, Body: previous, ContentType: 'application/json' }));
      for (const Key of [previousBundle, olderBundle]) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: 'export {};', ContentType: 'text/javascript' }));
      }

      // Act
      const first = await publish();
      const second = await publish();

      // Assess: kept by the first publish (a page loaded before it may still ask for it), gone after the second
      expect(first.deleted).toBe(1);
      expect(first.stdout).toContain(`deleted ${olderBundle}`);
      expect(first.stdout).toContain(`kept    ${previousBundle}`);
      expect(second.deleted).toBe(1);
      expect(second.stdout).toContain(`deleted ${previousBundle}`);
      await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: previousBundle }))).rejects.toMatchObject({ name: 'NotFound' });
    }, 2 * PUBLISH_TIMEOUT_MS);
  });
});
