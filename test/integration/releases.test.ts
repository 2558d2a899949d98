/**
 * `npm run release -- --stage local …` against the stack global-setup started: a multipart publish into the releases
 * bucket of the local S3 (read back straight from S3 here; through the edge is the client's test), the signing key
 * from the local Secrets Manager, a second publish of the same version refused by the bucket itself, and a rollback.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { bucketNames } from '../../scripts/local/cloudformation/buckets';
import { localPhysicalName } from '../../scripts/local/common/intrinsics';
import { listen, type Listening } from '../../scripts/local/common/http-server';
import { HOST, LOCAL_DISTRIBUTION_ID } from '../../scripts/local/ports';
import { LOCAL_RELEASE_KEY_NAME, releasePublicKeyPath } from '../../scripts/local/secrets/keys';
import { ROOT, loadServiceConfig } from '../../scripts/local/service-config';
import { importVerifyKey, verifyIndex, verifyManifest, type ReleaseKey } from '../../web/src/releases/manifest';
import { s3 } from './local';

const RELEASE_TIMEOUT_MS = 120_000;
const CHANNEL = 'it-publish';
const MiB = 1024 * 1024;

// sls print (in beforeAll and in every run of the CLI) takes a few seconds each.
jest.setTimeout(RELEASE_TIMEOUT_MS);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** A CloudFront API that records CreateInvalidation (the REST call of "CreateInvalidation", CloudFront API Reference). */
interface FakeCloudFront extends Listening {
  paths: string[][];
}

async function startFakeCloudFront(): Promise<FakeCloudFront> {
  const paths: string[][] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const expected = `/2020-05-31/distribution/${LOCAL_DISTRIBUTION_ID}/invalidation`;
      if (req.method !== 'POST' || req.url !== expected) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const items = [...body.matchAll(/<Path>([^<]*)<\/Path>/g)].map((match) => match[1] ?? '');
      paths.push(items);
      const id = `I${paths.length}`;
      res
        .writeHead(201, { 'content-type': 'text/xml', location: `http://${HOST}${expected}/${id}` })
        .end(
          `<?xml version="1.0" encoding="UTF-8"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">` +
            `<Id>${id}</Id><Status>InProgress</Status><CreateTime>${new Date().toISOString()}</CreateTime>` +
            `<InvalidationBatch><Paths><Quantity>${items.length}</Quantity><Items>${items.map((p) => `<Path>${p}</Path>`).join('')}</Items></Paths>` +
            `<CallerReference>test</CallerReference></InvalidationBatch></Invalidation>`,
        );
    });
  });
  return { ...(await listen(server, HOST, 0)), paths };
}

let cloudFront: FakeCloudFront;
let bucket: string;
let dir: string;
let keys: Map<string, ReleaseKey>;

async function release(...args: string[]): Promise<Run> {
  return releaseWith(cloudFront.url, ...args);
}

async function releaseWith(cloudFrontUrl: string, ...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/release.ts', '--stage', 'local', '--channel', CHANNEL, ...args], {
      cwd: ROOT,
      // The stack's endpoints come from global-setup (AWS_ENDPOINT_URL_*); CloudFront from the recorder above.
      env: { ...process.env, AWS_ENDPOINT_URL_CLOUDFRONT: cloudFrontUrl },
      timeout: RELEASE_TIMEOUT_MS,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as Run;
    return { code, stdout, stderr };
  }
}

async function object(key: string): Promise<{ body: Buffer; etag?: string; cacheControl?: string; contentType?: string }> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return { body: Buffer.from(await out.Body!.transformToByteArray()), etag: out.ETag, cacheControl: out.CacheControl, contentType: out.ContentType };
}

const json = async (key: string): Promise<unknown> => JSON.parse((await object(key)).body.toString('utf8'));

function file(name: string, content: Buffer): string {
  const filePath = path.join(dir, name);
  writeFileSync(filePath, content);
  return filePath;
}

beforeAll(async () => {
  const config = await loadServiceConfig('local');
  bucket = bucketNames(config).get('ReleasesBucket') ?? localPhysicalName(config, 'ReleasesBucket');
  // TEMPORARY until resources/releases.yml (ReleasesBucket) is in this branch: the local stack then creates the
  // bucket, and this block goes.
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
  cloudFront = await startFakeCloudFront();
  dir = mkdtempSync(path.join(tmpdir(), 'releases-it-'));
  keys = new Map([[LOCAL_RELEASE_KEY_NAME, await importVerifyKey(readFileSync(releasePublicKeyPath('local', LOCAL_RELEASE_KEY_NAME), 'utf8'))]]);
});
afterAll(async () => {
  await cloudFront?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run release -- --stage local', () => {
  // 12 MiB and a bit in 5 MiB parts: a real multipart upload of three parts.
  const content = randomBytes(12 * MiB + 123);
  let first: Run;
  let appPath: string;

  beforeAll(async () => {
    appPath = file('app-1.0.0.bin', content);
    first = await release('--version', '1.0.0', '--file', appPath, '--part-size-mib', '5');
  }, RELEASE_TIMEOUT_MS);

  it('publishes the file, its signed manifest, the index, the channel list and latest.json, then invalidates latest.json only', async () => {
    // Act
    const fileObject = await object(`releases/${CHANNEL}/1.0.0/app-1.0.0.bin`);
    const manifestObject = await object(`releases/${CHANNEL}/1.0.0/manifest.json`);
    const pointers = await Promise.all([`releases/${CHANNEL}/index.json`, 'releases/channels.json', `releases/${CHANNEL}/latest.json`].map(object));

    // Assess
    expect(first).toEqual(expect.objectContaining({ code: 0 }));
    expect(fileObject.body.equals(content)).toBe(true);
    expect(fileObject.cacheControl).toBe('public, max-age=31536000, immutable');
    expect(fileObject.contentType).toBe('application/octet-stream');
    expect(manifestObject.cacheControl).toBe('public, max-age=31536000, immutable');
    expect(pointers.map((pointer) => pointer.cacheControl)).toEqual(['public, max-age=60', 'public, max-age=60', 'public, max-age=60']);
    expect(cloudFront.paths).toEqual([[`/releases/${CHANNEL}/latest.json`]]);
  });

  it('signs a manifest that verifies with the public key in keys/local/releases/, with the SHA-256 of the file', async () => {
    // Act
    const manifest = await verifyManifest(await json(`releases/${CHANNEL}/1.0.0/manifest.json`), { keys, channel: CHANNEL });
    const latest = await verifyManifest(await json(`releases/${CHANNEL}/latest.json`), { keys, channel: CHANNEL });

    // Assess
    expect(manifest).toEqual(expect.objectContaining({
      version: '1.0.0', file: 'app-1.0.0.bin', size: content.length, sha256: createHash('sha256').update(content).digest('hex'), keyId: 'release-1',
    }));
    expect(latest).toEqual(manifest);
    expect(first.stdout).toContain(`Release: ${CHANNEL} 1.0.0 app-1.0.0.bin ${content.length} bytes sha256 ${manifest.sha256}`);
  });

  it('refuses to publish the same version again (exit 1) and leaves the object as it was', async () => {
    // Prepare
    const before = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `releases/${CHANNEL}/1.0.0/app-1.0.0.bin` }));

    // Act
    const again = await release('--version', '1.0.0', '--file', file('app-1.0.0.bin', randomBytes(1024)));

    // Assess
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(new RegExp(`${CHANNEL} 1\\.0\\.0 is already published`));
    const after = await object(`releases/${CHANNEL}/1.0.0/app-1.0.0.bin`);
    expect(after.etag).toBe(before.ETag);
    expect(after.body.equals(content)).toBe(true);
  }, RELEASE_TIMEOUT_MS);

  it('has the stack’s S3 refuse an overwrite of a version by itself (If-None-Match: *), whatever the client checked', async () => {
    // Act
    const write = s3.send(new PutObjectCommand({ Bucket: bucket, Key: `releases/${CHANNEL}/1.0.0/manifest.json`, Body: '{}', IfNoneMatch: '*' }));

    // Assess
    await expect(write).rejects.toEqual(expect.objectContaining({ name: 'PreconditionFailed' }));
    await write.catch((error: S3ServiceException) => expect(error.$metadata.httpStatusCode).toBe(412));
  });

  it('points latest.json back with --rollback: re-signed now, the index’s latest with it', async () => {
    // Prepare: 1.1.0 goes out (one part), then turns out bad
    const newer = await release('--version', '1.1.0', '--file', file('app-1.1.0.bin', randomBytes(1000)));
    expect(newer.code).toBe(0);
    expect((await verifyManifest(await json(`releases/${CHANNEL}/latest.json`), { keys, channel: CHANNEL })).version).toBe('1.1.0');
    const original = await verifyManifest(await json(`releases/${CHANNEL}/1.0.0/manifest.json`), { keys, channel: CHANNEL });
    cloudFront.paths.length = 0;

    // Act
    const rollback = await release('--rollback', '1.0.0');

    // Assess
    expect(rollback).toEqual(expect.objectContaining({ code: 0 }));
    const latest = await verifyManifest(await json(`releases/${CHANNEL}/latest.json`), { keys, channel: CHANNEL });
    expect(latest).toEqual(expect.objectContaining({ version: '1.0.0', sha256: original.sha256, releasedAt: original.releasedAt }));
    expect(Date.parse(latest.signedAt)).toBeGreaterThan(Date.parse(original.signedAt));
    const index = await verifyIndex(await json(`releases/${CHANNEL}/index.json`), { keys, channel: CHANNEL });
    expect(index.latest).toBe('1.0.0');
    expect(index.versions.map((entry) => entry.version)).toEqual(['1.1.0', '1.0.0']);
    expect(cloudFront.paths).toEqual([[`/releases/${CHANNEL}/latest.json`]]);
  }, 2 * RELEASE_TIMEOUT_MS);

  it('exits 3 when latest.json is written but its invalidation fails, saying what is done and what to do', async () => {
    // Prepare: a CloudFront API that is not there
    const gone = await startFakeCloudFront();
    await gone.close();

    // Act
    const run = await releaseWith(gone.url, '--version', '1.2.0', '--file', file('app-1.2.0.bin', randomBytes(2000)));

    // Assess
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/The release is complete in the bucket, but the CloudFront invalidation of \/releases\/it-publish\/latest\.json failed/);
    expect((await verifyManifest(await json(`releases/${CHANNEL}/latest.json`), { keys, channel: CHANNEL })).version).toBe('1.2.0');
  }, RELEASE_TIMEOUT_MS);
});
