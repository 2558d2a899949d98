/**
 * The signing key pairs of the `local` stage, and where every stage keeps their halves.
 * - CloudFront (signed URLs): public half keys/local/<name>.public.pem (read by resources/paid.yml like every stage's);
 *   private half .local/keys/local/<name>.private.pem, served by the local Secrets Manager endpoint.
 * - Releases (signed manifests, Ed25519): public half keys/<stage>/releases/<name>.public.pem (published with the
 *   site); private half in Secrets Manager as <service>/<stage>/release-key/<name>, locally
 *   .local/keys/local/releases/<name>.pem, served by the same endpoint.
 * The local ones are git-ignored: made on first start, they never leave the machine.
 */
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../service-config';

/** serverless.yml's default `premiumKeyName`; the stack checks that the resolved config agrees. */
export const LOCAL_KEY_NAME = 'key-1';

export function publicKeyPath(stage: string, name: string): string {
  return path.join(ROOT, 'keys', stage, `${name}.public.pem`);
}

export function localPrivateKeyPath(name: string): string {
  return path.join(ROOT, '.local', 'keys', 'local', `${name}.private.pem`);
}

/** RSA-2048, the size CloudFront requires for public keys. */
export function generateKeyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function writeLocalKeyPair(name: string): void {
  const { publicPem, privatePem } = generateKeyPair();
  const privatePath = localPrivateKeyPath(name);
  mkdirSync(path.dirname(privatePath), { recursive: true });
  writeFileSync(privatePath, privatePem, { mode: 0o600 });
  chmodSync(privatePath, 0o600);
  mkdirSync(path.dirname(publicKeyPath('local', name)), { recursive: true });
  writeFileSync(publicKeyPath('local', name), publicPem);
}

/** Makes the local pair unless both halves exist (a lone half is useless, so both are replaced). */
export function ensureLocalKeyPair(name = LOCAL_KEY_NAME): void {
  if (existsSync(localPrivateKeyPath(name)) && existsSync(publicKeyPath('local', name))) return;
  writeLocalKeyPair(name);
}

/** The release key the local stack makes, and the default key of `npm run keys -- --release` and `npm run release`. */
export const LOCAL_RELEASE_KEY_NAME = 'release-1';

// A release key's name is its keyId in every manifest, a file name and a secret name: one conservative alphabet.
const RELEASE_KEY_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;

export const isReleaseKeyName = (name: string): boolean => RELEASE_KEY_NAME.test(name);

export function releasePublicKeyPath(stage: string, name: string): string {
  return path.join(ROOT, 'keys', stage, 'releases', `${name}.public.pem`);
}

export function localReleaseKeyPath(name: string): string {
  return path.join(ROOT, '.local', 'keys', 'local', 'releases', `${name}.pem`);
}

/** Where a stage's release private key lives in Secrets Manager (the local endpoint serves the local ones there too). */
export function releaseKeySecretName(service: string, stage: string, name: string): string {
  return `${service}/${stage}/release-key/${name}`;
}

/** Ed25519: small signatures, no parameters to get wrong, and in Web Crypto for the browser that verifies them. */
export function generateReleaseKeyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function writeLocalReleaseKeyPair(name: string): void {
  if (!isReleaseKeyName(name)) throw new Error(`${name} is not a release key name (a-z, 0-9 and -, at most 64)`);
  const { publicPem, privatePem } = generateReleaseKeyPair();
  const privatePath = localReleaseKeyPath(name);
  mkdirSync(path.dirname(privatePath), { recursive: true, mode: 0o700 });
  writeFileSync(privatePath, privatePem, { mode: 0o600 });
  chmodSync(privatePath, 0o600);
  mkdirSync(path.dirname(releasePublicKeyPath('local', name)), { recursive: true });
  writeFileSync(releasePublicKeyPath('local', name), publicPem);
}

/** Makes the local release pair unless both halves exist. */
export function ensureLocalReleaseKeyPair(name = LOCAL_RELEASE_KEY_NAME): void {
  if (existsSync(localReleaseKeyPath(name)) && existsSync(releasePublicKeyPath('local', name))) return;
  writeLocalReleaseKeyPair(name);
}
