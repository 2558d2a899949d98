/**
 * Releases put straight into the ReleasesBucket, laid out as the publisher lays them out (web/src/releases/
 * manifest.ts `releaseKeys`, in its order: file → manifest → index → channels → latest.json, with its Cache-Control),
 * for the tests of what a client does with them. `stored` puts other bytes under the file's key than the manifest
 * describes: a tampered object.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import {
  CACHE_CONTROL, releaseKeys, signDocument, type ChannelList, type IndexEntry, type ReleaseIndex, type ReleaseKey, type ReleaseManifest,
} from '../../web/src/releases/manifest';

export interface TestRelease {
  channel: string;
  version: string;
  file: string;
  body: Buffer;
  stored?: Buffer;
}

export class TestPublisher {
  private readonly indexes = new Map<string, IndexEntry[]>();

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: ReleaseKey,
    private readonly keyId: string,
  ) {}

  private validity() {
    const now = Date.now();
    return { format: 1 as const, signedAt: new Date(now - 60_000).toISOString(), expiresAt: new Date(now + 86_400_000).toISOString(), keyId: this.keyId };
  }

  private async put(key: string, body: Buffer | string, cacheControl: string, contentType = 'application/json'): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, CacheControl: cacheControl, ContentType: contentType }));
  }

  async release(release: TestRelease): Promise<ReleaseManifest> {
    const { channel, version, file, body } = release;
    const releasedAt = new Date().toISOString();
    const entry: IndexEntry = { version, file, size: body.length, sha256: createHash('sha256').update(body).digest('hex'), releasedAt };
    const manifest: ReleaseManifest = { ...this.validity(), channel, ...entry };
    const signedManifest = JSON.stringify(await signDocument(manifest, this.key));
    await this.put(releaseKeys.file(channel, version, file), release.stored ?? body, CACHE_CONTROL.immutable, 'application/octet-stream');
    await this.put(releaseKeys.manifest(channel, version), signedManifest, CACHE_CONTROL.immutable);
    const versions = [entry, ...(this.indexes.get(channel) ?? [])];
    this.indexes.set(channel, versions);
    const index: ReleaseIndex = { ...this.validity(), kind: 'index', channel, versions, latest: version };
    await this.put(releaseKeys.index(channel), JSON.stringify(await signDocument(index, this.key)), CACHE_CONTROL.pointer);
    const list: ChannelList = { ...this.validity(), kind: 'channels', channels: [...this.indexes.keys()].sort() };
    await this.put(releaseKeys.channels(), JSON.stringify(await signDocument(list, this.key)), CACHE_CONTROL.pointer);
    await this.put(releaseKeys.latest(channel), signedManifest, CACHE_CONTROL.pointer);
    return manifest;
  }
}
