/**
 * Releases published by the release command's own core (scripts/releases/publish.ts, what `npm run release` runs)
 * into the stack's ReleasesBucket, for the tests of what a client does with them: what the client accepts is what the
 * publisher writes. `stored` then puts other bytes under the file's key than the manifest describes — a tampered
 * object, as someone with write access to the bucket (not the release key) could leave it.
 */
import { createPublicKey } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { publishRelease, type ReleasePorts } from '../../scripts/releases/publish';
import { S3ReleaseStore } from '../../scripts/releases/s3-store';
import {
  CACHE_CONTROL, importSigningKey, importVerifyKey, releaseKeys, signDocument, type ReleaseManifest,
} from '../../web/src/releases/manifest';

export interface TestRelease {
  channel: string;
  version: string;
  file: string;
  body: Buffer;
  stored?: Buffer;
}

export class TestPublisher {
  private constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly ports: ReleasePorts,
  ) {}

  /** A publisher signing with `privatePem` as `keyId`; the documents already in the bucket must verify with it. */
  static async create(s3: S3Client, bucket: string, privatePem: string, keyId: string): Promise<TestPublisher> {
    const key = await importSigningKey(privatePem);
    const publicPem = createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }).toString();
    return new TestPublisher(s3, bucket, {
      store: new S3ReleaseStore(s3, bucket),
      signer: { keyId, sign: (document) => signDocument(document, key) },
      trustedKeys: new Map([[keyId, await importVerifyKey(publicPem)]]),
      // The tests read channels nothing has fetched yet, so the edge holds no latest.json to invalidate.
      invalidate: () => Promise.resolve('not-needed'),
      now: () => new Date(),
      log: () => undefined,
    });
  }

  async release(release: TestRelease): Promise<ReleaseManifest> {
    const { channel, version, file, body, stored } = release;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'release-'));
    try {
      const filePath = path.join(dir, file);
      await writeFile(filePath, body);
      const { manifest } = await publishRelease({ channel, version, filePath, manifestDays: 1 }, this.ports);
      if (stored) {
        await this.s3.send(new PutObjectCommand({
          Bucket: this.bucket, Key: releaseKeys.file(channel, version, file), Body: stored,
          CacheControl: CACHE_CONTROL.immutable, ContentType: 'application/octet-stream',
        }));
      }
      return manifest;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
