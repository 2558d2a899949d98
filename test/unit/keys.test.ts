/**
 * `npm run keys -- --stage local --release`: an Ed25519 pair whose private half is owner-only and never printed, and
 * whose halves sign and verify a release manifest.
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { localReleaseKeyPath, releasePublicKeyPath } from '../../scripts/local/secrets/keys';
import { importSigningKey, importVerifyKey, signDocument, verifyChannelList } from '../../web/src/releases/manifest';
import { runScript } from '../support/scripts';

jest.setTimeout(60_000);

const NAME = `test-${process.pid}`;

afterAll(() => {
  rmSync(localReleaseKeyPath(NAME), { force: true });
  rmSync(releasePublicKeyPath('local', NAME), { force: true });
});

describe('npm run keys -- --stage local --release', () => {
  it('writes a working Ed25519 pair, the private half 0600, and prints neither key', async () => {
    // Act
    const run = await runScript('scripts/keys.ts', '--stage', 'local', '--release', '--name', NAME);

    // Assess
    expect(run.code).toBe(0);
    const privatePem = readFileSync(localReleaseKeyPath(NAME), 'utf8');
    const publicPem = readFileSync(releasePublicKeyPath('local', NAME), 'utf8');
    expect(statSync(localReleaseKeyPath(NAME)).mode & 0o777).toBe(0o600);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/BEGIN|PRIVATE/);
    expect(run.stdout).toContain(`keys/local/releases/${NAME}.public.pem`);
    const now = new Date();
    const signed = await signDocument(
      { format: 1, kind: 'channels', channels: ['stable'], signedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString(), keyId: NAME },
      await importSigningKey(privatePem),
    );
    await expect(verifyChannelList(signed, { keys: new Map([[NAME, await importVerifyKey(publicPem)]]), now })).resolves.toEqual(
      expect.objectContaining({ channels: ['stable'] }),
    );
  });

  it('refuses to replace an existing pair without --force, and a name that cannot be a key id', async () => {
    // Act
    const again = await runScript('scripts/keys.ts', '--stage', 'local', '--release', '--name', NAME);
    const badName = await runScript('scripts/keys.ts', '--stage', 'local', '--release', '--name', '../escape');

    // Assess
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists; pass --force/);
    expect(badName.code).toBe(1);
    expect(badName.stderr).toMatch(/a release key name is/);
  });
});
