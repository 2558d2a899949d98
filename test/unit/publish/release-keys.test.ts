/** keys/<stage>/releases/*.public.pem → config.json's `releases.keys` (scripts/publish/release-keys.ts). */
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readReleaseKeys, releaseKeysDir } from '../../../scripts/publish/release-keys';
import { ROOT } from '../../../scripts/local/service-config';

const publicPem = (type: 'ed25519' | 'rsa' = 'ed25519') =>
  (type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519'))
    .publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('readReleaseKeys', () => {
  let dir: string;
  beforeEach(async () => {
    dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'release-keys-')), 'releases');
  });
  afterEach(() => rm(path.dirname(dir), { recursive: true, force: true }));

  it('lives under keys/<stage>/releases/', () => {
    expect(releaseKeysDir('prod')).toBe(path.join(ROOT, 'keys', 'prod', 'releases'));
  });

  it('reads every <keyId>.public.pem by its id (both keys during a rotation), and nothing else', async () => {
    // Prepare
    await mkdir(dir);
    const [one, two] = [publicPem(), publicPem()];
    await writeFile(path.join(dir, 'release-1.public.pem'), one);
    await writeFile(path.join(dir, 'release-2.public.pem'), two);
    await writeFile(path.join(dir, 'README.md'), 'notes');

    // Act / Assess
    await expect(readReleaseKeys(dir)).resolves.toEqual({ 'release-1': one, 'release-2': two });
  });

  it('gives nothing for a missing or empty folder (the site then offers no downloads)', async () => {
    await expect(readReleaseKeys(dir)).resolves.toBeUndefined();
    await mkdir(dir);
    await expect(readReleaseKeys(dir)).resolves.toBeUndefined();
  });

  it('stops the publish on a file that is not an Ed25519 public key', async () => {
    await mkdir(dir);
    await writeFile(path.join(dir, 'release-1.public.pem'), publicPem('rsa'));

    await expect(readReleaseKeys(dir)).rejects.toThrow(/release-1\.public\.pem is not an Ed25519 public key/);
  });
});
