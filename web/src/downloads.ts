/**
 * What the Downloads page shows, before any DOM: the channels (releases/channels.json) and each channel's versions
 * (releases/<channel>/index.json), each document verified with the release keys of config.json before anything of it
 * is used — the same verifier as the command-line client (releases/manifest.ts). A document that fails is an error
 * in its place and contributes nothing. The view is downloads-view.ts.
 */
import type { SiteConfig } from './config';
import { ApiError, describeReleaseError, NETWORK_ERROR_STATUS } from './messages';
import {
  importVerifyKey, releaseKeys, verifyChannelList, verifyIndex, type IndexEntry, type ReleaseKey,
} from './releases/manifest';

export interface VersionView extends IndexEntry {
  /** Where the file is on the site (the distribution's `/releases/*` behaviour). */
  url: string;
  /** The version the channel's latest.json points at (after a rollback, not the newest). */
  latest: boolean;
}

export type ChannelState =
  | { channel: string; status: 'ready'; versions: VersionView[] }
  | { channel: string; status: 'error'; message: string };

export type DownloadsState =
  | { status: 'loading' }
  /** The site publishes no release keys (config.json has no `releases`): nothing could be verified. */
  | { status: 'unavailable' }
  /** Nothing has been released yet. */
  | { status: 'empty' }
  | { status: 'error'; message: string }
  | { status: 'ready'; channels: ChannelState[] };

export interface LoadOptions {
  releases: SiteConfig['releases'];
  /** The distribution, where `/releases/*` is served (config.json `siteUrl`). */
  siteUrl: string;
  fetch: (url: string) => Promise<Response>;
  now?: Date;
}

const CHANNELS = 'the list of channels';
const versionsOf = (channel: string): string => `the list of ${channel} versions`;

/** The document at `key`, parsed; undefined when it does not exist (403 or 404: see loadDownloads). */
async function getDocument(options: LoadOptions, key: string, missing: 'undefined' | 'error'): Promise<unknown> {
  let response: Response;
  try {
    response = await options.fetch(`${options.siteUrl}/${key}`);
  } catch {
    throw new ApiError(NETWORK_ERROR_STATUS, 'network', key);
  }
  // Through Origin Access Control a key nobody wrote is 403 unless CloudFront may list the bucket, then 404.
  if ((response.status === 404 || response.status === 403) && missing === 'undefined') return undefined;
  if (!response.ok) throw new ApiError(response.status, 'release_document', key);
  try {
    return await response.json();
  } catch {
    // Not JSON is as unreadable as a malformed document.
    return null;
  }
}

async function trustedKeys(releases: NonNullable<SiteConfig['releases']>): Promise<Map<string, ReleaseKey>> {
  const keys = new Map<string, ReleaseKey>();
  for (const [keyId, pem] of Object.entries(releases.keys)) keys.set(keyId, await importVerifyKey(pem));
  return keys;
}

async function loadChannel(options: LoadOptions, keys: Map<string, ReleaseKey>, channel: string): Promise<ChannelState> {
  try {
    const signed = await getDocument(options, releaseKeys.index(channel), 'error');
    const index = await verifyIndex(signed, { keys, channel, ...(options.now ? { now: options.now } : {}) });
    const versions = index.versions.map((entry) => ({
      version: entry.version, file: entry.file, size: entry.size, sha256: entry.sha256, releasedAt: entry.releasedAt,
      url: `${options.siteUrl}/${releaseKeys.file(channel, entry.version, entry.file)}`,
      latest: entry.version === index.latest,
    }));
    return { channel, status: 'ready', versions };
  } catch (error) {
    return { channel, status: 'error', message: describeReleaseError(error, versionsOf(channel)) };
  }
}

export async function loadDownloads(options: LoadOptions): Promise<DownloadsState> {
  if (options.releases === undefined) return { status: 'unavailable' };
  let keys: Map<string, ReleaseKey>;
  try {
    keys = await trustedKeys(options.releases);
  } catch {
    // config.json's parser checked the PEM's shape; a browser without Ed25519 in Web Crypto cannot use it.
    return { status: 'error', message: "This browser cannot check the releases' signatures (Ed25519), so none are shown." };
  }
  let list;
  try {
    const signed = await getDocument(options, releaseKeys.channels(), 'undefined');
    if (signed === undefined) return { status: 'empty' };
    list = await verifyChannelList(signed, { keys, ...(options.now ? { now: options.now } : {}) });
  } catch (error) {
    return { status: 'error', message: describeReleaseError(error, CHANNELS) };
  }
  if (list.channels.length === 0) return { status: 'empty' };
  return { status: 'ready', channels: await Promise.all(list.channels.map((channel) => loadChannel(options, keys, channel))) };
}
