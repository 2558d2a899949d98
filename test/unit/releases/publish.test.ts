/**
 * The release core (scripts/releases/publish.ts) against an in-memory bucket that keeps S3's conditional-write rules
 * ("How to prevent object overwrites with conditional writes", Amazon S3 User Guide), a real Ed25519 key, and a
 * clock of the test's own: the order of the writes, immutability, the pointers' retries, rollback.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { generateReleaseKeyPair } from '../../../scripts/local/secrets/keys';
import {
  ReleaseError,
  WriteConflictError,
  effectivePartSize,
  publishRelease,
  rollbackRelease,
  type ObjectHeaders,
  type ReleasePorts,
  type ReleaseStore,
  type UploadOptions,
  type WriteCondition,
} from '../../../scripts/releases/publish';
import {
  CACHE_CONTROL,
  importSigningKey,
  importVerifyKey,
  signDocument,
  verifyIndex,
  verifyManifest,
  verifyChannelList,
  type ReleaseKey,
} from '../../../web/src/releases/manifest';

interface StoredObject {
  body: Buffer;
  etag: string;
  headers: ObjectHeaders;
}

type Operation =
  | { op: 'upload'; key: string; partSize: number; queueSize: number }
  | { op: 'write'; key: string; condition: WriteCondition };

/** A bucket in memory: conditional writes as S3 decides them, and a record of every write in order. */
class FakeBucket implements ReleaseStore {
  readonly description = 's3://releases';
  readonly objects = new Map<string, StoredObject>();
  readonly writes: Operation[] = [];
  /** Runs before a write is decided: a concurrent writer's chance to get in first. */
  beforeWrite?: (key: string) => void;
  /** Runs after each read: another release reading or writing in between. */
  afterRead?: (key: string) => void;
  private version = 0;

  put(key: string, body: string | Buffer, headers: ObjectHeaders = { contentType: 'application/json', cacheControl: CACHE_CONTROL.pointer }): void {
    this.objects.set(key, { body: Buffer.from(body), etag: `"${++this.version}"`, headers });
  }

  text(key: string): string {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no ${key}`);
    return object.body.toString('utf8');
  }

  json(key: string): unknown {
    return JSON.parse(this.text(key));
  }

  async read(key: string) {
    const object = this.objects.get(key);
    this.afterRead?.(key);
    return object === undefined ? undefined : { body: object.body.toString('utf8'), etag: object.etag };
  }

  async exists(key: string) {
    return this.objects.has(key);
  }

  async write(key: string, body: string, headers: ObjectHeaders, condition: WriteCondition) {
    this.writes.push({ op: 'write', key, condition });
    this.beforeWrite?.(key);
    this.decide(key, condition);
    this.put(key, body, headers);
  }

  async upload(key: string, body: Readable, headers: ObjectHeaders & { size: number }, options: UploadOptions) {
    this.writes.push({ op: 'upload', key, partSize: options.partSize, queueSize: options.queueSize });
    const chunks: Buffer[] = [];
    let uploaded = 0;
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      uploaded += chunk.length;
      options.onProgress(uploaded);
    }
    this.beforeWrite?.(key);
    this.decide(key, { ifNoneMatch: '*' });
    this.put(key, Buffer.concat(chunks), { contentType: headers.contentType, cacheControl: headers.cacheControl });
  }

  private decide(key: string, condition: WriteCondition): void {
    const current = this.objects.get(key);
    if ('ifNoneMatch' in condition && current !== undefined) throw new WriteConflictError(key, 412);
    if ('ifMatch' in condition && current === undefined) throw new WriteConflictError(key, 404);
    if ('ifMatch' in condition && current?.etag !== condition.ifMatch) throw new WriteConflictError(key, 412);
  }
}

const KEYS = generateReleaseKeyPair();
const OTHER_KEYS = generateReleaseKeyPair();
let signingKey: ReleaseKey;
let otherSigningKey: ReleaseKey;
let trusted: Map<string, ReleaseKey>;

let dir: string;
let bucket: FakeBucket;
let clock: Date;
let invalidations: string[][];
let logs: string[];
let progress: [number, number][];

beforeAll(async () => {
  signingKey = await importSigningKey(KEYS.privatePem);
  otherSigningKey = await importSigningKey(OTHER_KEYS.privatePem);
  trusted = new Map([['release-1', await importVerifyKey(KEYS.publicPem)]]);
  dir = mkdtempSync(path.join(tmpdir(), 'release-core-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeEach(() => {
  bucket = new FakeBucket();
  clock = new Date('2026-03-01T12:00:00.000Z');
  invalidations = [];
  logs = [];
  progress = [];
});

function ports(overrides: Partial<ReleasePorts> = {}): ReleasePorts {
  return {
    store: bucket,
    signer: { keyId: 'release-1', sign: (document) => signDocument(document, signingKey) },
    trustedKeys: trusted,
    invalidate: async (paths) => {
      invalidations.push(paths);
      return `I${invalidations.length}`;
    },
    now: () => clock,
    log: (line) => logs.push(line),
    progress: (uploaded, total) => progress.push([uploaded, total]),
    sleep: async () => undefined,
    ...overrides,
  };
}

let files = 0;
function releaseFile(content: string | Buffer, name = 'app.zip'): string {
  const folder = path.join(dir, String(++files));
  execFileSync('mkdir', ['-p', folder]);
  const file = path.join(folder, name);
  writeFileSync(file, content);
  return file;
}

const publish = (version: string, filePath: string, overrides: Partial<ReleasePorts> = {}, channel = 'stable') =>
  publishRelease({ channel, version, filePath, manifestDays: 90 }, ports(overrides));

const verifyOptions = () => ({ keys: trusted, now: clock, channel: 'stable' });

/** What another release of the channel would leave: a signed index of these versions. */
async function signedIndexWith(versions: string[], latest: string): Promise<string> {
  const entries = versions.map((version) => ({ version, file: 'app.zip', size: 1, sha256: 'a'.repeat(64), releasedAt: clock.toISOString() }));
  const index = {
    format: 1 as const, kind: 'index' as const, channel: 'stable', versions: entries, latest,
    signedAt: clock.toISOString(), expiresAt: new Date(clock.getTime() + 86_400_000).toISOString(), keyId: 'release-1',
  };
  return JSON.stringify(await signDocument(index, signingKey));
}

async function refusal(call: Promise<unknown>): Promise<ReleaseError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ReleaseError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

describe('publishRelease', () => {
  it('writes file → manifest → index → channels → latest.json, and invalidates latest.json only', async () => {
    // Prepare
    const file = releaseFile('the bytes of version 1.0.0');

    // Act
    const outcome = await publish('1.0.0', file);

    // Assess
    expect(bucket.writes).toEqual([
      { op: 'upload', key: 'releases/stable/1.0.0/app.zip', partSize: 8 * 1024 * 1024, queueSize: 4 },
      { op: 'write', key: 'releases/stable/1.0.0/manifest.json', condition: { ifNoneMatch: '*' } },
      { op: 'write', key: 'releases/stable/index.json', condition: { ifNoneMatch: '*' } },
      { op: 'write', key: 'releases/channels.json', condition: { ifNoneMatch: '*' } },
      { op: 'write', key: 'releases/stable/latest.json', condition: { ifNoneMatch: '*' } },
    ]);
    expect(invalidations).toEqual([['/releases/stable/latest.json']]);
    expect(outcome).toEqual(expect.objectContaining({ latest: '1.0.0', latestWritten: true, invalidation: { path: '/releases/stable/latest.json', id: 'I1' } }));
  });

  it('stores the file and manifest as immutable, the pointers as briefly cacheable, each with its Content-Type', async () => {
    // Act
    await publish('1.0.0', releaseFile('zip bytes'));

    // Assess
    const headers = Object.fromEntries([...bucket.objects].map(([key, object]) => [key, object.headers]));
    expect(headers).toEqual({
      'releases/stable/1.0.0/app.zip': { contentType: 'application/zip', cacheControl: 'public, max-age=31536000, immutable' },
      'releases/stable/1.0.0/manifest.json': { contentType: 'application/json', cacheControl: 'public, max-age=31536000, immutable' },
      'releases/stable/index.json': { contentType: 'application/json', cacheControl: 'public, max-age=60' },
      'releases/channels.json': { contentType: 'application/json', cacheControl: 'public, max-age=60' },
      'releases/stable/latest.json': { contentType: 'application/json', cacheControl: 'public, max-age=60' },
    });
  });

  it('signs a manifest that verifies with the public key, with the SHA-256 sha256sum computes and the exact size', async () => {
    // Prepare: 3 MiB and a bit, read in several chunks
    const content = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < content.length; i++) content[i] = (i * 31) % 251;
    const file = releaseFile(content, 'game-patch.bin');

    // Act
    await publish('2.0.0-beta.1', file);

    // Assess
    const manifest = await verifyManifest(bucket.json('releases/stable/2.0.0-beta.1/manifest.json'), verifyOptions());
    const sha256sum = execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0];
    expect(manifest).toEqual({
      format: 1,
      channel: 'stable',
      version: '2.0.0-beta.1',
      file: 'game-patch.bin',
      size: content.length,
      sha256: sha256sum,
      releasedAt: '2026-03-01T12:00:00.000Z',
      signedAt: '2026-03-01T12:00:00.000Z',
      expiresAt: '2026-05-30T12:00:00.000Z',
      keyId: 'release-1',
    });
    expect(bucket.objects.get('releases/stable/2.0.0-beta.1/game-patch.bin')?.body.equals(content)).toBe(true);
    // latest.json is the version's signed manifest itself.
    expect(bucket.text('releases/stable/latest.json')).toBe(bucket.text('releases/stable/2.0.0-beta.1/manifest.json'));
  });

  it('reports progress as the bucket acknowledges bytes, ending at the file size', async () => {
    // Prepare
    const file = releaseFile(Buffer.alloc(2_500_000, 1));

    // Act
    await publish('1.0.0', file);

    // Assess
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every(([uploaded, total], i) => total === 2_500_000 && uploaded >= (progress[i - 1]?.[0] ?? 0))).toBe(true);
    expect(progress.at(-1)).toEqual([2_500_000, 2_500_000]);
  });

  it('signs an index (newest first) and a channel list that verify', async () => {
    // Act
    await publish('1.0.0', releaseFile('a'));
    await publish('1.1.0', releaseFile('bb'));
    await publish('0.9.0', releaseFile('ccc'), {}, 'beta');

    // Assess
    const index = await verifyIndex(bucket.json('releases/stable/index.json'), verifyOptions());
    expect(index.versions.map((entry) => [entry.version, entry.size])).toEqual([['1.1.0', 2], ['1.0.0', 1]]);
    expect(index.latest).toBe('1.1.0');
    const list = await verifyChannelList(bucket.json('releases/channels.json'), { keys: trusted, now: clock });
    expect(list.channels).toEqual(['beta', 'stable']);
    // Created with If-None-Match: *, replaced with If-Match on the ETag that was read.
    const indexWrites = bucket.writes.flatMap((op) => (op.op === 'write' && op.key === 'releases/stable/index.json' ? [op.condition] : []));
    expect(indexWrites).toEqual([{ ifNoneMatch: '*' }, { ifMatch: expect.stringMatching(/^"\d+"$/) as unknown }]);
  });

  it('refuses a version whose manifest exists, before uploading anything, and overwrites nothing', async () => {
    // Prepare
    await publish('1.0.0', releaseFile('first'));
    const before = new Map(bucket.objects);
    bucket.writes.length = 0;

    // Act
    const refused = await refusal(publish('1.0.0', releaseFile('second')));

    // Assess
    expect(refused.code).toBe('version-exists');
    expect(refused.message).toMatch(/stable 1\.0\.0 is already published/);
    expect(bucket.writes).toEqual([]);
    expect(bucket.objects).toEqual(before);
  });

  it('loses a race for the file at the conditional write (412) and writes no manifest or pointer', async () => {
    // Prepare: another publisher completes the same version's file while this one uploads
    const file = releaseFile('mine');
    bucket.beforeWrite = (key) => {
      if (key.endsWith('/app.zip')) bucket.put(key, 'theirs');
    };

    // Act
    const refused = await refusal(publish('1.0.0', file));

    // Assess
    expect(refused.code).toBe('version-exists');
    expect(bucket.text('releases/stable/1.0.0/app.zip')).toBe('theirs');
    expect([...bucket.objects.keys()]).toEqual(['releases/stable/1.0.0/app.zip']);
  });

  it('loses a race for the manifest at the conditional write and leaves the other publisher’s manifest and pointers', async () => {
    // Prepare
    bucket.beforeWrite = (key) => {
      if (key.endsWith('/manifest.json')) bucket.put(key, '{"theirs":true}');
    };

    // Act
    const refused = await refusal(publish('1.0.0', releaseFile('mine', 'app-linux.zip')));

    // Assess
    expect(refused.code).toBe('version-exists');
    expect(bucket.text('releases/stable/1.0.0/manifest.json')).toBe('{"theirs":true}');
    expect(bucket.objects.has('releases/stable/index.json')).toBe(false);
    expect(invalidations).toEqual([]);
  });

  it('refuses a file left without a manifest by an interrupted release', async () => {
    // Prepare
    bucket.put('releases/stable/1.0.0/app.zip', 'half of an earlier attempt');

    // Act
    const refused = await refusal(publish('1.0.0', releaseFile('whole')));

    // Assess
    expect(refused.code).toBe('orphan-file');
    expect(bucket.writes).toEqual([]);
  });

  it('reads the index again when another release wrote it in between (412), keeping both versions', async () => {
    // Prepare: 1.0.0 is out; while this release writes the index, a concurrent release of 1.1.0 writes its own
    await publish('1.0.0', releaseFile('a'));
    const theirs = await signedIndexWith(['1.1.0', '1.0.0'], '1.1.0');
    let interfered = false;
    bucket.beforeWrite = (key) => {
      if (key === 'releases/stable/index.json' && !interfered) {
        interfered = true;
        bucket.put(key, theirs);
      }
    };

    // Act
    const outcome = await publish('1.0.1', releaseFile('b'));

    // Assess
    const index = await verifyIndex(bucket.json('releases/stable/index.json'), verifyOptions());
    expect(index.versions.map((entry) => entry.version)).toEqual(['1.1.0', '1.0.1', '1.0.0']);
    expect(index.latest).toBe('1.1.0');
    expect(logs.some((line) => /index\.json changed while this release wrote it \(412\)/.test(line))).toBe(true);
    // 1.0.1 is older than the 1.1.0 that got in first: latest.json is not this release's to move.
    expect(outcome).toEqual(expect.objectContaining({ latest: '1.1.0', latestWritten: false }));
  });

  it('gives up with a clear message when a pointer keeps changing', async () => {
    // Prepare
    await publish('1.0.0', releaseFile('a'));
    bucket.beforeWrite = (key) => {
      if (key === 'releases/stable/index.json') bucket.put(key, bucket.text(key));
    };

    // Act
    const refused = await refusal(publish('1.1.0', releaseFile('b')));

    // Assess
    expect(refused.code).toBe('conflict');
    expect(refused.message).toMatch(/index\.json kept changing \(5 attempts\)/);
    expect(bucket.writes.filter((op) => op.key === 'releases/stable/index.json')).toHaveLength(1 + 5);
  });

  it('publishes a hotfix of an older line without moving latest.json', async () => {
    // Prepare
    await publish('1.3.0', releaseFile('new'));
    const latestBefore = bucket.text('releases/stable/latest.json');
    invalidations = [];

    // Act
    const outcome = await publish('1.2.4', releaseFile('hotfix'));

    // Assess
    expect(outcome).toEqual(expect.objectContaining({ latest: '1.3.0', latestWritten: false }));
    expect(outcome.invalidation).toBeUndefined();
    expect(bucket.text('releases/stable/latest.json')).toBe(latestBefore);
    expect(invalidations).toEqual([]);
    const index = await verifyIndex(bucket.json('releases/stable/index.json'), verifyOptions());
    expect(index.versions.map((entry) => entry.version)).toEqual(['1.3.0', '1.2.4']);
  });

  it('leaves latest.json to a newer version another release pointed the index at meanwhile', async () => {
    // Prepare: between this release's index write and its latest.json write, another one makes 2.0.0 the latest
    await publish('1.0.0', releaseFile('a'));
    const theirs = await signedIndexWith(['2.0.0', '1.1.0', '1.0.0'], '2.0.0');
    bucket.afterRead = (key) => {
      if (key === 'releases/stable/latest.json') {
        bucket.afterRead = undefined;
        bucket.put('releases/stable/index.json', theirs);
      }
    };

    // Act
    const outcome = await publish('1.1.0', releaseFile('b'));

    // Assess
    expect(outcome).toEqual(expect.objectContaining({ latest: '2.0.0', latestWritten: false }));
    expect(outcome.invalidation).toBeUndefined();
    const latest = await verifyManifest(bucket.json('releases/stable/latest.json'), verifyOptions());
    expect(latest.version).toBe('1.0.0');
  });

  it('reports a failed invalidation with everything else written', async () => {
    // Act
    const outcome = await publish('1.0.0', releaseFile('a'), {
      invalidate: async () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4587'), { name: 'Error' });
      },
    });

    // Assess
    expect(outcome.invalidation).toEqual({ path: '/releases/stable/latest.json', error: 'Error: connect ECONNREFUSED 127.0.0.1:4587' });
    expect(outcome.latestWritten).toBe(true);
    expect((await verifyManifest(bucket.json('releases/stable/latest.json'), verifyOptions())).version).toBe('1.0.0');
  });

  it('builds on an expired index (a release renews it) but refuses one signed by a key it does not trust', async () => {
    // Prepare: an index signed long ago, then one signed by an unknown key
    await publish('1.0.0', releaseFile('a'));
    clock = new Date('2026-12-01T00:00:00.000Z');
    await publish('1.1.0', releaseFile('b'));
    expect((await verifyIndex(bucket.json('releases/stable/index.json'), verifyOptions())).versions).toHaveLength(2);
    const payload = JSON.parse(Buffer.from((bucket.json('releases/stable/index.json') as { payload: string }).payload, 'base64url').toString()) as { keyId: string };
    bucket.put('releases/stable/index.json', JSON.stringify(await signDocument(payload, otherSigningKey)));
    bucket.writes.length = 0;

    // Act
    const refused = await refusal(publish('1.2.0', releaseFile('c')));

    // Assess
    expect(refused.code).toBe('untrusted');
    expect(refused.message).toMatch(/releases\/stable\/index\.json does not verify with the trusted release keys/);
    expect(bucket.writes).toEqual([]);
  });

  it('refuses a signing key whose public half clients do not have, before writing anything', async () => {
    // Act
    const refused = await refusal(publish('1.0.0', releaseFile('a'), { signer: { keyId: 'release-1', sign: (document) => signDocument(document, otherSigningKey) } }));
    const unknown = await refusal(publish('1.0.0', releaseFile('a'), { signer: { keyId: 'release-9', sign: (document) => signDocument(document, signingKey) } }));

    // Assess
    expect(refused.code).toBe('key-mismatch');
    expect(unknown.code).toBe('key-mismatch');
    expect(bucket.writes).toEqual([]);
  });

  it.each([
    ['Stable', '1.0.0', 'app.zip', /a channel is/],
    ['stable', 'v1.0.0', 'app.zip', /not a semantic version/],
    ['stable', '1.0', 'app.zip', /not a semantic version/],
    ['stable', '1.0.0+build.5', 'app.zip', /build metadata/],
    ['stable', '1.0.0', 'my app.zip', /release file name/],
  ])('refuses channel %s, version %s, file %s', async (channel, version, name, message) => {
    const refused = await refusal(publish(version, releaseFile('x', name), {}, channel));
    expect(refused.code).toBe('invalid-input');
    expect(refused.message).toMatch(message);
  });

  it('refuses an empty file, a folder, a part size under 5 MiB and a validity of 0 days', async () => {
    const empty = await refusal(publish('1.0.0', releaseFile('')));
    const folder = await refusal(publish('1.0.0', dir));
    const part = await refusal(publishRelease({ channel: 'stable', version: '1.0.0', filePath: releaseFile('x'), manifestDays: 90, partSize: 1024 * 1024 }, ports()));
    const days = await refusal(publishRelease({ channel: 'stable', version: '1.0.0', filePath: releaseFile('x'), manifestDays: 0 }, ports()));
    expect([empty, folder, part, days].map((error) => error.code)).toEqual(['invalid-input', 'invalid-input', 'invalid-input', 'invalid-input']);
    expect(bucket.writes).toEqual([]);
  });

  it('passes the part size and queue size asked for on to the upload', async () => {
    // Act
    await publishRelease({ channel: 'stable', version: '1.0.0', filePath: releaseFile('x'), manifestDays: 90, partSize: 16 * 1024 * 1024, queueSize: 8 }, ports());

    // Assess
    expect(bucket.writes[0]).toEqual({ op: 'upload', key: 'releases/stable/1.0.0/app.zip', partSize: 16 * 1024 * 1024, queueSize: 8 });
  });
});

describe('effectivePartSize', () => {
  const MiB = 1024 * 1024;
  it('keeps the part size asked for while 10,000 parts hold the file, and raises it to whole MiB beyond', () => {
    expect(effectivePartSize(8 * MiB, 200 * MiB)).toBe(8 * MiB);
    expect(effectivePartSize(8 * MiB, 10_000 * 8 * MiB)).toBe(8 * MiB);
    expect(effectivePartSize(8 * MiB, 10_000 * 8 * MiB + 1)).toBe(9 * MiB);
    expect(effectivePartSize(8 * MiB, 100 * 1024 * MiB)).toBe(11 * MiB);
  });
});

describe('rollbackRelease', () => {
  it('re-signs an older version with a fresh signedAt and expiry, points latest.json and the index at it, renews the channel list, and invalidates latest.json', async () => {
    // Prepare
    await publish('1.0.0', releaseFile('old'));
    const manifestBefore = bucket.text('releases/stable/1.0.0/manifest.json');
    clock = new Date('2026-03-10T08:00:00.000Z');
    await publish('1.1.0', releaseFile('bad'));
    clock = new Date('2026-03-11T09:30:00.000Z');
    bucket.writes.length = 0;
    invalidations = [];

    // Act
    const outcome = await rollbackRelease({ channel: 'stable', version: '1.0.0', manifestDays: 30 }, ports());

    // Assess
    const latest = await verifyManifest(bucket.json('releases/stable/latest.json'), verifyOptions());
    expect(latest).toEqual(expect.objectContaining({
      version: '1.0.0',
      releasedAt: '2026-03-01T12:00:00.000Z',
      signedAt: '2026-03-11T09:30:00.000Z',
      expiresAt: '2026-04-10T09:30:00.000Z',
    }));
    const index = await verifyIndex(bucket.json('releases/stable/index.json'), verifyOptions());
    expect(index.latest).toBe('1.0.0');
    expect(index.versions.map((entry) => entry.version)).toEqual(['1.1.0', '1.0.0']);
    expect(bucket.writes.map((op) => op.key)).toEqual(['releases/stable/index.json', 'releases/channels.json', 'releases/stable/latest.json']);
    const list = await verifyChannelList(bucket.json('releases/channels.json'), { keys: trusted, now: clock });
    expect(list).toEqual(expect.objectContaining({ channels: ['stable'], signedAt: '2026-03-11T09:30:00.000Z' }));
    expect(bucket.text('releases/stable/1.0.0/manifest.json')).toBe(manifestBefore);
    expect(invalidations).toEqual([['/releases/stable/latest.json']]);
    expect(outcome).toEqual(expect.objectContaining({ latest: '1.0.0', latestWritten: true }));
  });

  it('re-signs with the current key a version signed by an older one that is still trusted', async () => {
    // Prepare: 1.0.0 signed with release-1; the maintainer now signs with release-2 (both trusted)
    await publish('1.0.0', releaseFile('old'));
    const both = new Map([...trusted, ['release-2', await importVerifyKey(OTHER_KEYS.publicPem)]]);

    // Act
    await rollbackRelease({ channel: 'stable', version: '1.0.0', manifestDays: 90 }, ports({
      trustedKeys: both,
      signer: { keyId: 'release-2', sign: (document) => signDocument(document, otherSigningKey) },
    }));

    // Assess
    const latest = await verifyManifest(bucket.json('releases/stable/latest.json'), { ...verifyOptions(), keys: both });
    expect(latest.keyId).toBe('release-2');
  });

  it('completes a release that stopped after its manifest: the index and channel list gain it', async () => {
    // Prepare: the file and manifest of 1.0.0 are there, nothing else
    bucket.beforeWrite = (key) => {
      if (key === 'releases/stable/index.json') throw new Error('network gone');
    };
    await expect(publish('1.0.0', releaseFile('a'))).rejects.toThrow('network gone');
    bucket.beforeWrite = undefined;

    // Act
    await rollbackRelease({ channel: 'stable', version: '1.0.0', manifestDays: 90 }, ports());

    // Assess
    const index = await verifyIndex(bucket.json('releases/stable/index.json'), verifyOptions());
    expect(index.versions.map((entry) => entry.version)).toEqual(['1.0.0']);
    expect((await verifyChannelList(bucket.json('releases/channels.json'), { keys: trusted, now: clock })).channels).toEqual(['stable']);
    expect((await verifyManifest(bucket.json('releases/stable/latest.json'), verifyOptions())).version).toBe('1.0.0');
  });

  it('refuses a version that was never published, and one whose manifest does not verify', async () => {
    // Prepare
    await publish('1.0.0', releaseFile('a'));
    const signed = bucket.json('releases/stable/1.0.0/manifest.json') as { payload: string };
    const tampered = JSON.parse(Buffer.from(signed.payload, 'base64url').toString()) as Record<string, unknown>;
    bucket.put('releases/stable/1.0.0/manifest.json', JSON.stringify({ ...signed, payload: Buffer.from(JSON.stringify({ ...tampered, size: 2 })).toString('base64url') }));
    bucket.writes.length = 0;

    // Act
    const missing = await refusal(rollbackRelease({ channel: 'stable', version: '0.9.0', manifestDays: 90 }, ports()));
    const untrusted = await refusal(rollbackRelease({ channel: 'stable', version: '1.0.0', manifestDays: 90 }, ports()));

    // Assess
    expect(missing.code).toBe('not-found');
    expect(untrusted.code).toBe('untrusted');
    expect(bucket.writes).toEqual([]);
  });

  it('refuses a version whose file is gone', async () => {
    // Prepare
    await publish('1.0.0', releaseFile('a'));
    bucket.objects.delete('releases/stable/1.0.0/app.zip');

    // Act
    const refused = await refusal(rollbackRelease({ channel: 'stable', version: '1.0.0', manifestDays: 90 }, ports()));

    // Assess
    expect(refused.code).toBe('not-found');
    expect(refused.message).toMatch(/app\.zip is missing/);
  });
});

describe('the hash', () => {
  it('is computed over the same read as the upload (one pass over the file)', async () => {
    // Prepare: count the reads of the file
    const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
    const spy = jest.spyOn(fs, 'createReadStream');
    const file = releaseFile('once');

    // Act
    await publish('1.0.0', file);

    // Assess
    expect(spy.mock.calls.filter(([opened]) => opened === file)).toHaveLength(1);
    expect(JSON.parse(Buffer.from((bucket.json('releases/stable/latest.json') as { payload: string }).payload, 'base64url').toString())).toEqual(
      expect.objectContaining({ sha256: createHash('sha256').update('once').digest('hex') }),
    );
    spy.mockRestore();
  });
});
