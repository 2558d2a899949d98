/**
 * `npm run download` (scripts/download.ts) as a user runs it, against an in-process origin: what it prints, its exit
 * status, and what it leaves in the folder — installed, already installed, refused.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { importSigningKey, type ReleaseKey } from '../../../web/src/releases/manifest';
import { manifestFor, publish, ReleaseServer } from '../../support/release-server';
import { runScript } from '../../support/scripts';

const download = (...args: string[]) => runScript('scripts/download.ts', ...args);
const body = randomBytes(64 * 1024);
// The command checks expiry against the real clock.
const fresh = { signedAt: new Date(Date.now() - 60_000).toISOString(), expiresAt: new Date(Date.now() + 86_400_000).toISOString() };

describe('npm run download', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let signingKey: ReleaseKey;
  let server: ReleaseServer;
  let dir: string;
  let keyFile: string;

  beforeAll(async () => {
    signingKey = await importSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    server = await new ReleaseServer().start();
  });

  afterAll(() => server.close());

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'download-command-'));
    keyFile = path.join(dir, 'keys', 'release-1.public.pem');
    await mkdir(path.dirname(keyFile));
    await writeFile(keyFile, publicPem);
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('installs the release, then says it is already installed and downloads nothing', async () => {
    // Prepare
    await publish(server, signingKey, manifestFor('app.bin', body, fresh), body);
    const to = path.join(dir, 'app');

    // Act
    const first = await download('--channel', 'stable', '--site', server.url, '--public-key', keyFile, '--to', to);
    const second = await download('--channel', 'stable', '--site', `${server.url}/`, '--public-key', keyFile, '--to', to);

    // Assess
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^Installed stable 1\.0\.0: .*app\.bin, 65536 bytes, SHA-256 [0-9a-f]{64} verified, signed by release-1\. State: /m);
    expect(await readFile(path.join(to, 'app.bin'))).toEqual(body);
    expect(second).toMatchObject({ code: 0, stderr: '' });
    expect(second.stdout).toMatch(/^Already installed: stable 1\.0\.0 \(.*app\.bin\); nothing to download\.$/m);
    expect(server.fileRequests()).toHaveLength(1);
  }, 60_000);

  it('trusts the keys in the site\'s config.json when given no --public-key', async () => {
    await publish(server, signingKey, manifestFor('app.bin', body, fresh), body);
    server.put('config.json', JSON.stringify({
      stage: 'local', region: 'us-east-1', apiUrl: 'http://127.0.0.1:3000', siteUrl: server.url,
      auth: { userPoolId: 'local_x', userPoolClientId: 'c', flow: 'USER_PASSWORD_AUTH' },
      uploads: { maxBytes: 1, types: ['image/jpeg'] }, thumbnails: { widths: [160], format: 'webp' },
      releases: { keys: { 'release-1': publicPem } },
    }));

    const run = await download('--channel', 'stable', '--site', server.url, '--to', path.join(dir, 'app'));

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Installed stable 1\.0\.0/m);
  }, 30_000);

  it('refuses a tampered file with exit status 1, naming the reason, and leaves the folder empty', async () => {
    const tampered = Buffer.from(body);
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    await publish(server, signingKey, manifestFor('app.bin', body, fresh), tampered);
    const to = path.join(dir, 'app');

    const run = await download('--channel', 'stable', '--site', server.url, '--public-key', keyFile, '--to', to);

    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe('Refused (hash-mismatch): the file does not match the SHA-256 in its manifest. Nothing was installed.\n');
    expect(await readdir(to)).toEqual([]);
  }, 30_000);

  it.each([
    [[], /^--channel is required\n\nUsage: npm run download/],
    [['--channel', 'Stable!'], /^--channel Stable! is not a channel name/],
    [['--channel', 'stable', '--site', 'ftp://example.com'], /^--site ftp:\/\/example.com is not an http\(s\) URL/],
  ])('refuses %p with the usage and exit status 2', async (args, message) => {
    const run = await download(...args);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  }, 30_000);
});
