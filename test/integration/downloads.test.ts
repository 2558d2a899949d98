/**
 * `npm run download` through the real local edge (the distribution's `/releases/*` behaviour in front of the
 * ReleasesBucket of the stack global-setup started): a release put in the bucket as the publisher lays it out is
 * installed byte for byte and verified; a partial download resumes with a Range request through the edge; a tampered
 * object is refused and leaves the folder as it was. The release key is the local stack's, given with --public-key; the site is
 * the stage's default (the local edge on LOCAL_PORT_OFFSET).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { localPhysicalName } from '../../scripts/local/common/intrinsics';
import { loadServiceConfig } from '../../scripts/local/service-config';
import { statePath } from '../../scripts/releases/client';
import { releasePublicKeyPath } from '../../scripts/local/secrets/keys';
import { releaseKeys } from '../../web/src/releases/manifest';
import { ensureLocalReleaseKey, LOCAL_RELEASE_KEY_ID } from '../support/release-keys';
import { TestPublisher } from '../support/releases';
import { runScript } from '../support/scripts';
import { s3, siteUrl } from './local';

// The stack's own release key: the releases bucket's channel list is shared by every test, and is signed with it.
const KEY_ID = LOCAL_RELEASE_KEY_ID;
// A run-unique channel: the stack's bucket is shared by every test file of the run.
const CHANNEL = `it-${Date.now().toString(36)}`;
const download = (...args: string[]) => runScript('scripts/download.ts', '--channel', CHANNEL, ...args);
// The edge may cache latest.json for a minute (its Cache-Control): a refusal is tried on a channel no test asked for.
const TAMPERED = `${CHANNEL}-t`;
const INSTALLED = /^Installed (\S+) (\S+)(?: \(was (\S+)\))?: .*, (\d+) bytes, SHA-256 ([0-9a-f]{64}) verified, signed by (\S+)(?:, resumed at byte (\d+))?\./m;

describe('npm run download through the local edge', () => {
  let publisher: TestPublisher;
  let dir: string;
  let keyFile: string;
  const v1 = { channel: CHANNEL, version: '1.0.0', file: 'blog-tools-1.0.0.tar.gz', body: randomBytes(3 * 1024 * 1024 + 5) };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'downloads-it-'));
    keyFile = releasePublicKeyPath('local', KEY_ID);
    const bucket = localPhysicalName(await loadServiceConfig('local'), 'ReleasesBucket');
    publisher = await TestPublisher.create(s3, bucket, ensureLocalReleaseKey(KEY_ID), KEY_ID);
    await publisher.release(v1);
  }, 30_000);

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('serves the release through /releases/* with its Cache-Control and byte ranges', async () => {
    const latest = await fetch(`${siteUrl}/${releaseKeys.latest(CHANNEL)}`);
    const range = await fetch(`${siteUrl}/${releaseKeys.file(CHANNEL, '1.0.0', v1.file)}`, { headers: { range: 'bytes=10-19' } });

    expect(latest.status).toBe(200);
    expect(latest.headers.get('cache-control')).toBe('public, max-age=60');
    expect(range.status).toBe(206);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(v1.body.subarray(10, 20));
  });

  it('installs the version latest.json names, byte for byte, verified against the key it was given', async () => {
    // Act
    const to = path.join(dir, 'fresh');
    const run = await download('--to', to, '--public-key', keyFile);

    // Assess
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const [, channel, version, , size, sha256, keyId, resumed] = INSTALLED.exec(run.stdout) ?? [];
    expect({ channel, version, size: Number(size), keyId, resumed }).toEqual({ channel: CHANNEL, version: '1.0.0', size: v1.body.length, keyId: KEY_ID, resumed: undefined });
    expect(await readFile(path.join(to, v1.file))).toEqual(v1.body);
    expect(JSON.parse(await readFile(statePath(to, CHANNEL), 'utf8'))).toMatchObject({ version: '1.0.0', sha256, size: v1.body.length });
    expect((await readdir(to)).sort()).toEqual([`.release-${CHANNEL}.json`, v1.file]);

    // …and a second run downloads nothing.
    const again = await download('--to', to, '--public-key', keyFile);
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toMatch(new RegExp(`^Already installed: ${CHANNEL} 1\\.0\\.0`, 'm'));
  }, 60_000);

  it('resumes a partial download from its size with a Range request through the edge', async () => {
    // Prepare: the first megabyte, as an interrupted run leaves it (the part and the record of what it is a part of).
    const to = path.join(dir, 'resumed');
    const head = await fetch(`${siteUrl}/${releaseKeys.file(CHANNEL, '1.0.0', v1.file)}`, { method: 'HEAD' });
    const { sha256 } = JSON.parse(await readFile(statePath(path.join(dir, 'fresh'), CHANNEL), 'utf8')) as { sha256: string };
    await mkdir(to);
    await writeFile(path.join(to, `${v1.file}.part`), v1.body.subarray(0, 1024 * 1024));
    await writeFile(path.join(to, `${v1.file}.part.json`), JSON.stringify({ version: '1.0.0', sha256, size: v1.body.length, etag: head.headers.get('etag') }));

    // Act
    const run = await download('--to', to, '--public-key', keyFile);

    // Assess
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(INSTALLED.exec(run.stdout)?.[7]).toBe(String(1024 * 1024));
    expect(await readFile(path.join(to, v1.file))).toEqual(v1.body);
  }, 60_000);

  it('refuses a tampered object (other bytes under the release\'s key) and leaves the folder as it was', async () => {
    // Prepare: a release whose manifest describes its bytes, but the bucket holds other bytes of the same size, put
    // there before anyone downloaded it. The folder already holds another channel's installed version.
    const to = path.join(dir, 'fresh');
    const body = randomBytes(1024 * 1024);
    const stored = Buffer.from(body);
    stored[stored.length - 1] = (stored[stored.length - 1] ?? 0) ^ 0x01;
    await publisher.release({ channel: TAMPERED, version: '1.0.0', file: 'blog-tools-1.0.0.tar.gz', body, stored });
    const before = (await readdir(to)).sort();
    const state = await readFile(statePath(to, CHANNEL), 'utf8');

    // Act
    const run = await runScript('scripts/download.ts', '--channel', TAMPERED, '--to', to, '--public-key', keyFile);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('Refused (hash-mismatch): the file does not match the SHA-256 in its manifest. Nothing was installed.\n');
    expect((await readdir(to)).sort()).toEqual(before);
    expect(await readFile(statePath(to, CHANNEL), 'utf8')).toBe(state);
    expect(await readFile(path.join(to, v1.file))).toEqual(v1.body);
  }, 60_000);
});
