import { generateKeyPairSync } from 'node:crypto';
import {
  checkDownload, compareReleaseVersions, importSigningKey, importVerifyKey, normalVersion, releaseKeys, signDocument,
  verifyChannelList, verifyIndex, verifyManifest, type ReleaseKey, type ReleaseManifest, type SignedManifest,
} from '../../../../web/src/releases/manifest';

function pemPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const NOW = new Date('2026-12-02T10:00:00Z');
const manifest = (over: Partial<ReleaseManifest> = {}): ReleaseManifest => ({
  format: 1, channel: 'stable', version: '1.2.3', file: 'app-1.2.3.tar.gz', size: 1234,
  sha256: 'a'.repeat(64), releasedAt: '2026-12-01T00:00:00Z', signedAt: '2026-12-01T00:00:00Z',
  expiresAt: '2027-03-01T00:00:00Z', keyId: 'release-1', ...over,
});

describe('release manifests', () => {
  const pair = pemPair();
  const other = pemPair();
  let keys: Map<string, ReleaseKey>;
  let signingKey: ReleaseKey;
  beforeAll(async () => {
    signingKey = await importSigningKey(pair.privatePem);
    keys = new Map([['release-1', await importVerifyKey(pair.publicPem)]]);
  });
  const verify = (signed: unknown, extra: { installedVersion?: string; channel?: string } = {}) =>
    verifyManifest(signed, { keys, now: NOW, channel: 'stable', ...extra });

  it('verifies what it signed, field for field', async () => {
    const signed = await signDocument(manifest(), signingKey);
    await expect(verify(signed)).resolves.toEqual(manifest());
  });

  it('refuses a payload with one byte changed', async () => {
    const signed = await signDocument(manifest(), signingKey);
    const bytes = Buffer.from(signed.payload, 'base64url');
    bytes[bytes.indexOf('1234')] = '9'.charCodeAt(0); // size 1234 → 9234
    const tampered: SignedManifest = { ...signed, payload: bytes.toString('base64url') };
    await expect(verify(tampered)).rejects.toMatchObject({ code: 'bad-signature' });
  });

  it('refuses a flipped signature bit, a truncated signature and a signature of another key', async () => {
    const signed = await signDocument(manifest(), signingKey);
    const sig = Buffer.from(signed.signature, 'base64url');
    sig[10] = (sig[10] ?? 0) ^ 1;
    await expect(verify({ ...signed, signature: sig.toString('base64url') })).rejects.toMatchObject({ code: 'bad-signature' });
    await expect(verify({ ...signed, signature: signed.signature.slice(0, 40) })).rejects.toMatchObject({ code: 'bad-signature' });
    const forged = await signDocument(manifest(), await importSigningKey(other.privatePem));
    await expect(verify(forged)).rejects.toMatchObject({ code: 'bad-signature' });
  });

  it('refuses a key it does not trust, and an outer keyId that differs from the signed one', async () => {
    const signed = await signDocument(manifest({ keyId: 'release-2' }), signingKey);
    await expect(verify(signed)).rejects.toMatchObject({ code: 'unknown-key' });
    const relabelled = { ...(await signDocument(manifest({ keyId: 'release-0' }), signingKey)), keyId: 'release-1' };
    await expect(verify(relabelled)).rejects.toMatchObject({ code: 'malformed' });
  });

  it('refuses an expired manifest and one signed in the future', async () => {
    await expect(verify(await signDocument(manifest({ expiresAt: '2026-12-02T09:59:59Z' }), signingKey)))
      .rejects.toMatchObject({ code: 'expired' });
    await expect(verify(await signDocument(manifest({ signedAt: '2026-12-03T00:00:00Z' }), signingKey)))
      .rejects.toMatchObject({ code: 'not-yet-valid' });
  });

  it('refuses a version older than the installed one, accepts the same or a newer one', async () => {
    const signed = await signDocument(manifest({ version: '1.2.3' }), signingKey);
    await expect(verify(signed, { installedVersion: '1.10.0' })).rejects.toMatchObject({ code: 'rollback' });
    await expect(verify(signed, { installedVersion: '1.2.3-beta.1' })).resolves.toMatchObject({ version: '1.2.3' });
    await expect(verify(signed, { installedVersion: '1.2.3' })).resolves.toMatchObject({ version: '1.2.3' });
  });

  it('refuses another channel, an unknown format and fields that could name another key', async () => {
    const signed = await signDocument(manifest(), signingKey);
    await expect(verify(signed, { channel: 'beta' })).rejects.toMatchObject({ code: 'wrong-channel' });
    await expect(verify(await signDocument({ ...manifest(), format: 2 } as unknown as ReleaseManifest, signingKey)))
      .rejects.toMatchObject({ code: 'unknown-format' });
    for (const bad of [{ file: '../x' }, { file: 'a/b' }, { channel: 'Stable' }, { version: 'v1.2.3' }, { size: -1 }, { sha256: 'A'.repeat(64) }]) {
      await expect(verify(await signDocument(manifest(bad as Partial<ReleaseManifest>), signingKey), { channel: bad.channel ?? 'stable' }))
        .rejects.toMatchObject({ code: 'malformed' });
    }
  });

  it('refuses what is not a signed document at all', async () => {
    for (const value of [null, 'x', [], {}, { payload: 'a', signature: 'b' }, { payload: '%%', signature: 'b', keyId: 'release-1' }]) {
      await expect(verify(value)).rejects.toMatchObject({ code: expect.stringMatching(/malformed|bad-signature/) as unknown });
    }
  });

  it('verifies an index and a channel list, and refuses one document in place of the other', async () => {
    const base = { format: 1, signedAt: '2026-12-01T00:00:00Z', expiresAt: '2027-03-01T00:00:00Z', keyId: 'release-1' };
    const entry = { version: '1.2.3', file: 'app.tgz', size: 1, sha256: 'b'.repeat(64), releasedAt: '2026-12-01T00:00:00Z' };
    const index = await signDocument({ ...base, kind: 'index', channel: 'stable', versions: [entry], latest: '1.2.3' }, signingKey);
    const channels = await signDocument({ ...base, kind: 'channels', channels: ['stable', 'beta'] }, signingKey);
    await expect(verifyIndex(index, { keys, now: NOW, channel: 'stable' })).resolves.toMatchObject({ versions: [entry] });
    await expect(verifyChannelList(channels, { keys, now: NOW })).resolves.toMatchObject({ channels: ['stable', 'beta'] });
    await expect(verifyIndex(channels, { keys, now: NOW, channel: 'stable' })).rejects.toMatchObject({ code: 'malformed' });
    await expect(verifyChannelList(index, { keys, now: NOW })).rejects.toMatchObject({ code: 'malformed' });
    await expect(verify(index)).rejects.toMatchObject({ code: 'malformed' });
  });

  it('orders versions by semver precedence, not as strings', () => {
    const sorted = ['1.10.0', '1.2.0', '1.2.0-rc.1', '1.2.0-beta.2', '1.2.0-beta.10', '0.9.9'].sort(compareReleaseVersions);
    expect(sorted).toEqual(['0.9.9', '1.2.0-beta.2', '1.2.0-beta.10', '1.2.0-rc.1', '1.2.0', '1.10.0']);
    expect(normalVersion('1.2.3')).toBe('1.2.3');
    expect(normalVersion('v1.2.3')).toBeUndefined();
    expect(normalVersion('1.2')).toBeUndefined();
    expect(normalVersion('01.2.3')).toBeUndefined();
  });

  it('checks a download against the manifest: size first, then the hash', () => {
    expect(() => checkDownload(manifest(), 1233, 'a'.repeat(64))).toThrow(expect.objectContaining({ code: 'size-mismatch' }) as Error);
    expect(() => checkDownload(manifest(), 1234, 'b'.repeat(64))).toThrow(expect.objectContaining({ code: 'hash-mismatch' }) as Error);
    expect(() => checkDownload(manifest(), 1234, 'A'.repeat(64))).not.toThrow();
  });

  it('keeps every object of a release under releases/<channel>/', () => {
    expect(releaseKeys.file('stable', '1.2.3', 'app.tgz')).toBe('releases/stable/1.2.3/app.tgz');
    expect(releaseKeys.latest('stable')).toBe('releases/stable/latest.json');
  });
});
