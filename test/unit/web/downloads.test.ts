/**
 * What the Downloads page lists (web/src/downloads.ts), from documents served as the distribution serves
 * `/releases/*`: only what verifies with config.json's keys, each failing document an error in its place.
 */
import { generateKeyPairSync } from 'node:crypto';
import { loadDownloads, type LoadOptions } from '../../../web/src/downloads';
import {
  importSigningKey, signDocument, type ChannelList, type IndexEntry, type ReleaseIndex, type ReleaseKey,
} from '../../../web/src/releases/manifest';

const SITE = 'https://d111111abcdef8.cloudfront.net';
const NOW = new Date('2026-12-02T10:00:00Z');
const VALIDITY = { format: 1, signedAt: '2026-12-01T00:00:00Z', expiresAt: '2027-03-01T00:00:00Z', keyId: 'release-1' } as const;

function pemPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const entry = (version: string, over: Partial<IndexEntry> = {}): IndexEntry => ({
  version, file: `app-${version}.tar.gz`, size: 5 * 1024 * 1024, sha256: version.replace(/\D/g, '').padEnd(64, 'a'),
  releasedAt: '2026-11-20T08:00:00Z', ...over,
});
const channels = (names: string[]): ChannelList => ({ ...VALIDITY, kind: 'channels', channels: names });
const index = (channel: string, versions: IndexEntry[], latest = versions[0]?.version ?? ''): ReleaseIndex =>
  ({ ...VALIDITY, kind: 'index', channel, versions, latest });

describe('loadDownloads', () => {
  const pair = pemPair();
  const releases = { keys: { 'release-1': pair.publicPem } };
  let key: ReleaseKey;
  let served: Map<string, { status: number; body?: unknown } | Error>;
  const options = (): LoadOptions => ({
    releases, siteUrl: SITE, now: NOW,
    fetch: async (url) => {
      const answer = served.get(url) ?? { status: 404 };
      if (answer instanceof Error) throw answer;
      return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status });
    },
  });
  const serve = async (path: string, document: ChannelList | ReleaseIndex, signWith = key) =>
    served.set(`${SITE}/${path}`, { status: 200, body: await signDocument(document, signWith) });

  beforeAll(async () => {
    key = await importSigningKey(pair.privatePem);
  });
  beforeEach(() => {
    served = new Map();
  });

  it('lists every channel and its versions newest first, with links to the files and the latest marked', async () => {
    // Prepare: stable was rolled back to 1.1.0.
    await serve('releases/channels.json', channels(['stable', 'beta']));
    await serve('releases/stable/index.json', index('stable', [entry('1.2.0'), entry('1.1.0')], '1.1.0'));
    await serve('releases/beta/index.json', index('beta', [entry('2.0.0-beta.1')]));

    // Act
    const state = await loadDownloads(options());

    // Assess
    expect(state).toEqual({
      status: 'ready',
      channels: [
        {
          channel: 'stable', status: 'ready', versions: [
            { ...entry('1.2.0'), url: `${SITE}/releases/stable/1.2.0/app-1.2.0.tar.gz`, latest: false },
            { ...entry('1.1.0'), url: `${SITE}/releases/stable/1.1.0/app-1.1.0.tar.gz`, latest: true },
          ],
        },
        {
          channel: 'beta', status: 'ready', versions: [
            { ...entry('2.0.0-beta.1'), url: `${SITE}/releases/beta/2.0.0-beta.1/app-2.0.0-beta.1.tar.gz`, latest: true },
          ],
        },
      ],
    });
  });

  it('lists nothing at all when the channel list fails verification', async () => {
    await serve('releases/channels.json', channels(['stable']), await importSigningKey(pemPair().privatePem));
    await serve('releases/stable/index.json', index('stable', [entry('1.2.0')]));

    const state = await loadDownloads(options());

    expect(state).toEqual({ status: 'error', message: expect.stringMatching(/^The list of channels failed its signature check/) as unknown });
  });

  it('shows an error in place of a channel whose index fails (tampered, expired), and the other channels as they are', async () => {
    // Prepare: stable's index has a version added after signing; beta's signature has expired.
    await serve('releases/channels.json', channels(['stable', 'beta', 'nightly']));
    const signed = await signDocument(index('stable', [entry('1.2.0')]), key);
    const payload = JSON.parse(Buffer.from(signed.payload, 'base64url').toString()) as ReleaseIndex;
    payload.versions.unshift(entry('9.9.9'));
    served.set(`${SITE}/releases/stable/index.json`, { status: 200, body: { ...signed, payload: Buffer.from(JSON.stringify(payload)).toString('base64url') } });
    await serve('releases/beta/index.json', index('beta', [entry('2.0.0')], '2.0.0'));
    await serve('releases/nightly/index.json', { ...index('nightly', [entry('3.0.0')]), expiresAt: '2026-12-02T09:00:00Z' });

    // Act
    const state = await loadDownloads(options());

    // Assess
    expect(state.status).toBe('ready');
    const byChannel = state.status === 'ready' ? state.channels : [];
    expect(byChannel.map((channel) => [channel.channel, channel.status])).toEqual([['stable', 'error'], ['beta', 'ready'], ['nightly', 'error']]);
    expect(byChannel[0]).toEqual({ channel: 'stable', status: 'error', message: expect.stringMatching(/^The list of stable versions failed its signature check/) as unknown });
    expect(byChannel[2]).toEqual({ channel: 'nightly', status: 'error', message: expect.stringMatching(/^The list of nightly versions has expired/) as unknown });
  });

  it('refuses an index that is another channel\'s, validly signed (a swapped document)', async () => {
    await serve('releases/channels.json', channels(['stable']));
    await serve('releases/stable/index.json', index('beta', [entry('2.0.0')]));

    const state = await loadDownloads(options());

    expect(state).toMatchObject({ channels: [{ channel: 'stable', status: 'error', message: 'The list of stable versions could not be read, so nothing from it is shown.' }] });
  });

  it('says downloads are unavailable when config.json has no release keys, without asking for anything', async () => {
    const fetch = jest.fn();
    await expect(loadDownloads({ ...options(), releases: undefined, fetch })).resolves.toEqual({ status: 'unavailable' });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('is empty before the first release (the bucket answers 403 or 404 for channels.json), and with no channels', async () => {
    await expect(loadDownloads(options())).resolves.toEqual({ status: 'empty' });
    served.set(`${SITE}/releases/channels.json`, { status: 403 });
    await expect(loadDownloads(options())).resolves.toEqual({ status: 'empty' });
    await serve('releases/channels.json', channels([]));
    await expect(loadDownloads(options())).resolves.toEqual({ status: 'empty' });
  });

  it('says what failed when the site does not answer, or answers with an error', async () => {
    served.set(`${SITE}/releases/channels.json`, new TypeError('Failed to fetch'));
    await expect(loadDownloads(options())).resolves.toEqual({ status: 'error', message: "We couldn't load the list of channels. Check your connection and try again." });

    await serve('releases/channels.json', channels(['stable']));
    served.set(`${SITE}/releases/stable/index.json`, { status: 502 });
    await expect(loadDownloads(options())).resolves.toMatchObject({
      channels: [{ status: 'error', message: 'The list of stable versions could not be loaded (HTTP 502). Please try again in a moment.' }],
    });
  });
});
