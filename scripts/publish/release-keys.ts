/**
 * The release keys a stage's site publishes in its config.json (`releases.keys`): every keys/<stage>/releases/
 * <keyId>.public.pem — committed for deployed stages, generated for `local` (git-ignored). Several during a rotation:
 * clients trust every key listed, so a new key is published before the first release signed with it.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { importVerifyKey } from '../../web/src/releases/manifest';
import { ROOT } from '../local/service-config';

const SUFFIX = '.public.pem';

export const releaseKeysDir = (stage: string): string => path.join(ROOT, 'keys', stage, 'releases');

/**
 * keyId → SPKI PEM, or undefined when the folder does not exist or holds no public key (the site then has no
 * downloads). A file that is not an Ed25519 public key stops the publish: a site must not advertise a key no
 * client can use, nor silently drop one.
 */
export async function readReleaseKeys(dir: string): Promise<Record<string, string> | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const keys: Record<string, string> = {};
  for (const name of names.filter((file) => file.endsWith(SUFFIX)).sort()) {
    const file = path.join(dir, name);
    const pem = await readFile(file, 'utf8');
    try {
      await importVerifyKey(pem);
    } catch {
      throw new Error(`${path.relative(ROOT, file)} is not an Ed25519 public key (SPKI PEM)`);
    }
    keys[name.slice(0, -SUFFIX.length)] = pem;
  }
  return Object.keys(keys).length === 0 ? undefined : keys;
}
