/**
 * The local stage's release key, where the design keeps it: the private half (PKCS #8 PEM, mode 0600) in the
 * git-ignored .local/keys/local/releases/<keyId>.pem, the public half in keys/local/releases/<keyId>.public.pem, which
 * `npm run publish:site -- --stage local` puts in config.json. Made here if missing, so that the e2e stack's site
 * trusts a key the tests can sign with; `npm start` makes the same pair in the same place, and each uses the other's.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../scripts/local/service-config';

export const LOCAL_RELEASE_KEY_ID = 'release-1';

export function localReleaseKeyPaths(keyId = LOCAL_RELEASE_KEY_ID): { privatePath: string; publicPath: string } {
  return {
    privatePath: path.join(ROOT, '.local', 'keys', 'local', 'releases', `${keyId}.pem`),
    publicPath: path.join(ROOT, 'keys', 'local', 'releases', `${keyId}.public.pem`),
  };
}

/** The private half's PEM; both halves are made when either is missing (a lone half is useless). */
export function ensureLocalReleaseKey(keyId = LOCAL_RELEASE_KEY_ID): string {
  const { privatePath, publicPath } = localReleaseKeyPaths(keyId);
  if (existsSync(privatePath) && existsSync(publicPath)) return readFileSync(privatePath, 'utf8');
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  mkdirSync(path.dirname(privatePath), { recursive: true });
  writeFileSync(privatePath, privatePem, { mode: 0o600 });
  chmodSync(privatePath, 0o600);
  mkdirSync(path.dirname(publicPath), { recursive: true });
  writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return privatePem;
}
