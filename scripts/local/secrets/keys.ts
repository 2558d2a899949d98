/**
 * The CloudFront signing key pair of the `local` stage. Public half: keys/local/<name>.public.pem (read by
 * resources/paid.yml like every stage's); private half: .local/keys/local/<name>.private.pem, served by the local
 * Secrets Manager endpoint. Both git-ignored: a local key is made on first start and never leaves the machine.
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
