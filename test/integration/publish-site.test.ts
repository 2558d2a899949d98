import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { HOST } from '../../scripts/local/ports';
import { ROOT, loadServiceConfig, localPhysicalName } from '../../scripts/local/service-config';
import { CACHE_CONTROL, isPublishable } from '../../scripts/publish/plan';
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

/** What the CLI should publish: every file under site/ but dotfiles, by key, with its size. */
function siteFiles(): Map<string, number> {
  const dir = path.join(ROOT, 'site');
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

  it('puts every site file in the content bucket, byte for byte', async () => {
    // Prepare
    const files = siteFiles();
    const keys = [...files.keys()];

    // Act
    const heads = await Promise.all(keys.map((Key) => s3.send(new HeadObjectCommand({ Bucket: bucket, Key }))));

    // Assess
    expect(keys).toEqual(expect.arrayContaining(['index.html', '404.html', 'assets/style.css']));
    // A checksum trailer stored as content (the SDK's default checksums against s3rver) would show up here.
    expect(heads.map((head) => head.ContentLength)).toEqual([...files.values()]);
    // Whether uploaded now or by an earlier run against the same stack, every file is accounted for.
    expect(firstPublish.uploaded + firstPublish.unchanged).toBe(files.size);
  });

  it('serves index.html as UTF-8 HTML that revalidates after a minute', async () => {
    // Act
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'index.html' }));

    // Assess
    expect(head.ContentType).toBe('text/html; charset=utf-8');
    expect(head.CacheControl).toBe('public, max-age=60, must-revalidate');
  });

  it('serves the stylesheet as CSS with the asset lifetime', async () => {
    // Act
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'assets/style.css' }));

    // Assess
    expect(head.ContentType).toMatch(/^text\/css(;|$)/);
    expect(head.CacheControl).toBe(CACHE_CONTROL.asset);
  });

  it('changes nothing when published again', async () => {
    // Act
    const again = await publish();

    // Assess
    expect(again).toMatchObject({ uploaded: 0, bytes: 0, deleted: 0, unchanged: siteFiles().size });
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
  });
});
