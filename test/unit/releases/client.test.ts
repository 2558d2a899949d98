/**
 * The download client (scripts/releases/client.ts) against an in-process origin (test/support/release-server.ts) that
 * serves Range and If-Range as RFC 9110 says and misbehaves on demand: what a user of `npm run download` would check
 * — the file in the folder is byte for byte the release, an interrupted download resumes rather than starts over, and
 * whatever is refused leaves the folder as it was.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  DownloadError, install, readInstalled, statePath, trustedKeysFromFiles, trustedKeysFromSite, type ClientDeps, type RetryPolicy,
} from '../../../scripts/releases/client';
import { importSigningKey, importVerifyKey, releaseKeys, type ReleaseKey } from '../../../web/src/releases/manifest';
import { manifestFor, NOW, publish, ReleaseServer, sha256 } from '../../support/release-server';

function pemPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const RETRY: RetryPolicy = { retries: 3, baseMs: 100, maxMs: 1000, idleTimeoutMs: 2_000 };
const FILE = 'app-1.0.0.bin';
const body = randomBytes(256 * 1024 + 17);

describe('download client', () => {
  const pair = pemPair();
  let signingKey: ReleaseKey;
  let keys: Map<string, ReleaseKey>;
  let server: ReleaseServer;
  let dir: string;
  let logged: string[];
  let pauses: number[];

  const deps = (): ClientDeps => ({
    fetch: globalThis.fetch,
    sleep: async (ms) => {
      pauses.push(ms);
    },
    random: () => 0.5,
    now: () => NOW,
    log: (line) => logged.push(line),
  });
  const run = (options: { retry?: RetryPolicy; channel?: string } = {}) =>
    install({ site: server.url, channel: options.channel ?? 'stable', dir, keys, retry: options.retry ?? RETRY }, deps());
  const listing = async () => (await readdir(dir)).sort();

  beforeAll(async () => {
    signingKey = await importSigningKey(pair.privatePem);
    keys = new Map([['release-1', await importVerifyKey(pair.publicPem)]]);
  });

  beforeEach(async () => {
    server = await new ReleaseServer().start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'download-client-'));
    logged = [];
    pauses = [];
  });

  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('installs the file latest.json names, byte for byte, and records the version in the folder', async () => {
    // Prepare
    await publish(server, signingKey, manifestFor(FILE, body), body);

    // Act
    const result = await run();

    // Assess
    expect(result).toMatchObject({ status: 'installed', resumedFrom: 0 });
    expect(await readFile(path.join(dir, FILE))).toEqual(body);
    expect(await listing()).toEqual(['.release-stable.json', FILE]);
    expect(await readInstalled(dir, 'stable')).toEqual({
      format: 1, channel: 'stable', version: '1.0.0', file: FILE, size: body.length, sha256: sha256(body), installedAt: NOW.toISOString(),
    });
    // The whole file once, asked for without compression (offsets count the object's own bytes).
    expect(server.fileRequests()).toEqual([expect.objectContaining({ path: `/${releaseKeys.file('stable', '1.0.0', FILE)}`, status: 200, acceptEncoding: 'identity' })]);
  });

  it('resumes a dropped connection from the bytes it has, with Range and If-Range, and fetches each byte once', async () => {
    // Prepare
    await publish(server, signingKey, manifestFor(FILE, body), body);
    server.misbehave.dropAfter = { bytes: 100_000, times: 1 };

    // Act
    const result = await run();

    // Assess
    expect(result.status).toBe('installed');
    expect(await readFile(path.join(dir, FILE))).toEqual(body);
    const [first, second] = server.fileRequests();
    expect(server.fileRequests()).toHaveLength(2);
    const resumedAt = body.length - second!.bytesSent;
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(first!.bytesSent);
    expect(second).toMatchObject({ status: 206, range: `bytes=${resumedAt}-`, ifRange: server.objects.get(`/${releaseKeys.file('stable', '1.0.0', FILE)}`)!.etag });
    expect(pauses).toHaveLength(1);
    expect(logged.join('\n')).toMatch(/trying again/);
  });

  it('resumes in a later run a part an earlier run left behind (interrupted → resumed → verified)', async () => {
    // Prepare: the first run gives up after the connection drops (no retries).
    await publish(server, signingKey, manifestFor(FILE, body), body);
    server.misbehave.dropAfter = { bytes: 150_000, times: 1 };
    await expect(run({ retry: { ...RETRY, retries: 0 } })).rejects.toThrow(DownloadError);
    expect(await listing()).toEqual([`${FILE}.part`, `${FILE}.part.json`]);
    const left = (await readFile(path.join(dir, `${FILE}.part`))).length;
    expect(left).toBeGreaterThan(0);

    // Act
    const result = await run();

    // Assess
    expect(result).toMatchObject({ status: 'installed', resumedFrom: left });
    expect(await readFile(path.join(dir, FILE))).toEqual(body);
    expect(server.fileRequests()[1]).toMatchObject({ status: 206, range: `bytes=${left}-`, bytesSent: body.length - left });
    expect(await listing()).toEqual(['.release-stable.json', FILE]);
  });

  it('refuses bytes that do not match the signed SHA-256, removes the part, and installs nothing', async () => {
    // Prepare: the bucket holds other bytes of the same size under the release's key.
    const tampered = Buffer.from(body);
    tampered[1234] = (tampered[1234] ?? 0) ^ 0xff;
    await publish(server, signingKey, manifestFor(FILE, body), tampered);

    // Act / Assess
    await expect(run()).rejects.toMatchObject({ name: 'ReleaseVerificationError', code: 'hash-mismatch' });
    expect(await listing()).toEqual([]);
  });

  it('refuses an object of another size before it downloads it', async () => {
    await publish(server, signingKey, manifestFor(FILE, body), Buffer.concat([body, Buffer.from('extra')]));

    await expect(run()).rejects.toMatchObject({ code: 'size-mismatch' });
    expect(server.fileRequests()[0]!.status).toBe(200);
    expect(await listing()).toEqual([]);
  });

  it('refuses a version older than the installed one, before any byte of the file', async () => {
    // Prepare: 1.1.0 is installed; latest.json (validly signed) points back at 1.0.0.
    await publish(server, signingKey, manifestFor('app-1.1.0.bin', body, { version: '1.1.0' }), body);
    await run();
    await publish(server, signingKey, manifestFor(FILE, body), body);
    const requestsBefore = server.fileRequests().length;
    const state = await readFile(statePath(dir, 'stable'), 'utf8');

    // Act / Assess
    await expect(run()).rejects.toMatchObject({ code: 'rollback', message: '1.0.0 is older than the installed 1.1.0' });
    expect(server.fileRequests()).toHaveLength(requestsBefore);
    expect(await readFile(statePath(dir, 'stable'), 'utf8')).toBe(state);
  });

  it('refuses an expired manifest (a stale latest.json replayed by a cache or an attacker)', async () => {
    await publish(server, signingKey, manifestFor(FILE, body, { expiresAt: '2026-12-02T09:59:59Z' }), body);

    await expect(run()).rejects.toMatchObject({ code: 'expired' });
    expect(server.fileRequests()).toEqual([]);
    expect(await listing()).toEqual([]);
  });

  it('refuses a manifest signed by a key it was not given', async () => {
    const other = await importSigningKey(pemPair().privatePem);
    await publish(server, other, manifestFor(FILE, body), body);

    await expect(run()).rejects.toMatchObject({ code: 'bad-signature' });
    expect(server.fileRequests()).toEqual([]);
  });

  it('says so and downloads nothing when the version is already installed', async () => {
    await publish(server, signingKey, manifestFor(FILE, body), body);
    await run();

    const again = await run();

    expect(again.status).toBe('up-to-date');
    expect(server.fileRequests()).toHaveLength(1);
  });

  it('starts over when a ranged request gets the whole object (200), instead of appending it to the part', async () => {
    // Prepare: a part from an interrupted run; then a server that ignores Range.
    await publish(server, signingKey, manifestFor(FILE, body), body);
    server.misbehave.dropAfter = { bytes: 100_000, times: 1 };
    await expect(run({ retry: { ...RETRY, retries: 0 } })).rejects.toThrow(DownloadError);
    server.misbehave.ignoreRange = true;

    // Act
    const result = await run();

    // Assess
    expect(result.status).toBe('installed');
    expect(server.fileRequests()[1]).toMatchObject({ range: expect.stringMatching(/^bytes=\d+-$/) as unknown, status: 200 });
    expect(await readFile(path.join(dir, FILE))).toEqual(body);
  });

  it('restarts instead of splicing when the object changed since the part began (If-Range does not match)', async () => {
    // Prepare: a part of the object as first uploaded; then the same bytes uploaded again, with a new ETag.
    await publish(server, signingKey, manifestFor(FILE, body), body);
    server.misbehave.dropAfter = { bytes: 100_000, times: 1 };
    await expect(run({ retry: { ...RETRY, retries: 0 } })).rejects.toThrow(DownloadError);
    await publish(server, signingKey, manifestFor(FILE, body), body, { etag: '"re-uploaded"' });

    // Act
    await run();

    // Assess: If-Range named the old ETag, so the server sent the whole (new) object.
    expect(server.fileRequests()[1]).toMatchObject({ ifRange: expect.not.stringMatching('re-uploaded') as unknown, status: 200, bytesSent: body.length });
    expect(await readFile(path.join(dir, FILE))).toEqual(body);
  });

  it('restarts when a cache that ignores If-Range answers 206 with another ETag', async () => {
    await publish(server, signingKey, manifestFor(FILE, body), body);
    server.misbehave.dropAfter = { bytes: 100_000, times: 1 };
    await expect(run({ retry: { ...RETRY, retries: 0 } })).rejects.toThrow(DownloadError);
    await publish(server, signingKey, manifestFor(FILE, body), body, { etag: '"re-uploaded"' });
    server.misbehave.ignoreIfRange = true;

    await run();

    expect(server.fileRequests().slice(1).map((request) => request.status)).toEqual([206, 200]);
    expect(logged.join('\n')).toMatch(/Starting over: the object changed since the partial download began/);
    expect(await readFile(path.join(dir, FILE))).toEqual(body);
  });

  it('discards a part of another version instead of resuming onto it', async () => {
    // Prepare: a part and its record from 0.9.0 under the same file name.
    await writeFile(path.join(dir, `${FILE}.part`), randomBytes(5000));
    await writeFile(path.join(dir, `${FILE}.part.json`), JSON.stringify({ version: '0.9.0', sha256: 'c'.repeat(64), size: 9 }));
    await publish(server, signingKey, manifestFor(FILE, body), body);

    // Act
    await run();

    // Assess
    expect(server.fileRequests()[0]).not.toHaveProperty('range');
    expect(logged.join('\n')).toMatch(/Discarding app-1\.0\.0\.bin\.part: it is a part of 0\.9\.0, not of 1\.0\.0/);
    expect(await readFile(path.join(dir, FILE))).toEqual(body);
  });

  it('retries 5xx answers with growing pauses, and does not retry a 4xx', async () => {
    await publish(server, signingKey, manifestFor(FILE, body), body);
    server.misbehave.statuses = [503, 502];

    await run();
    expect(pauses).toEqual([75, 150]);
    expect(await readFile(path.join(dir, FILE))).toEqual(body);

    await rm(dir, { recursive: true });
    server.objects.delete(`/${releaseKeys.file('stable', '1.0.0', FILE)}`);
    pauses = [];
    await expect(run()).rejects.toMatchObject({ name: 'DownloadError', code: 'http', message: expect.stringMatching(/HTTP 404$/) as unknown });
    expect(pauses).toEqual([]);
  });

  it('says when a channel has nothing released, and creates no folder for it', async () => {
    await rm(dir, { recursive: true });

    await expect(run({ channel: 'nightly' })).rejects.toMatchObject({
      code: 'http', message: `GET ${server.url}/releases/nightly/latest.json: HTTP 404: nothing is released in channel nightly on this site`,
    });
    expect(existsSync(dir)).toBe(false);
  });

  it('gives up after the retries the policy allows without progress, keeping the part for a later run', async () => {
    await publish(server, signingKey, manifestFor(FILE, body), body);
    server.misbehave.statuses = [503, 503, 503, 503];

    await expect(run()).rejects.toMatchObject({ code: 'network', message: expect.stringMatching(/gave up after 4 attempts/) as unknown });
    expect(server.requests.filter((request) => request.status === 503)).toHaveLength(4);
  });

  it('drops a stalled connection after the idle timeout and resumes', async () => {
    await publish(server, signingKey, manifestFor(FILE, body), body);
    server.misbehave.stallOnce = true;

    await run({ retry: { ...RETRY, idleTimeoutMs: 300 } });

    expect(logged.join('\n')).toMatch(/no data for 0.3 s/);
    expect(await readFile(path.join(dir, FILE))).toEqual(body);
  });

  it('refuses to work in a folder whose state file it cannot read (it is what stops a rollback)', async () => {
    await writeFile(statePath(dir, 'stable'), '{"version": 7}');
    await publish(server, signingKey, manifestFor(FILE, body), body);

    await expect(run()).rejects.toMatchObject({ code: 'state', message: expect.stringMatching(/remove it to install from scratch/) as unknown });
    expect(server.requests).toEqual([]);
  });

  it('trusts the keys the site publishes in config.json, or the PEM files it is given, by their ids', async () => {
    // Prepare
    const config = {
      stage: 'local', region: 'us-east-1', apiUrl: 'http://127.0.0.1:3000', siteUrl: server.url,
      auth: { userPoolId: 'local_x', userPoolClientId: 'c', flow: 'USER_PASSWORD_AUTH' },
      uploads: { maxBytes: 1, types: ['image/jpeg'] }, thumbnails: { widths: [160], format: 'webp' },
      releases: { keys: { 'release-1': pair.publicPem } },
    };
    server.put('config.json', JSON.stringify(config));
    const pem = path.join(dir, 'release-7.public.pem');
    await writeFile(pem, pair.publicPem);

    // Act
    const fromSite = await trustedKeysFromSite(server.url, deps(), RETRY);
    const fromFiles = await trustedKeysFromFiles([pem]);

    // Assess
    expect([...fromSite.keys()]).toEqual(['release-1']);
    expect([...fromFiles.keys()]).toEqual(['release-7']);
    server.put('config.json', JSON.stringify({ ...config, releases: undefined }));
    await expect(trustedKeysFromSite(server.url, deps(), RETRY)).rejects.toMatchObject({ code: 'no-keys' });
    await writeFile(pem, 'not a key');
    await expect(trustedKeysFromFiles([pem])).rejects.toThrow(/is not an Ed25519 public key/);
  });

  it('leaves no part behind after a refusal, so a later run starts clean', async () => {
    const tampered = randomBytes(body.length);
    await publish(server, signingKey, manifestFor(FILE, body), tampered);
    await expect(run()).rejects.toMatchObject({ code: 'hash-mismatch' });
    expect(existsSync(path.join(dir, `${FILE}.part`))).toBe(false);

    await publish(server, signingKey, manifestFor(FILE, body), body);
    await run();

    expect(server.fileRequests()[1]).not.toHaveProperty('range');
    expect(await readFile(path.join(dir, FILE))).toEqual(body);
  });
});
