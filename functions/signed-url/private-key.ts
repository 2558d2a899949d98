import { createPrivateKey, type KeyObject } from 'node:crypto';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/** How long a container trusts its copy of the key before asking Secrets Manager again (rotation, see README). */
const MAX_AGE_SECONDS = 3_600;

let parsed: { pem: string; key: KeyObject } | undefined;

/**
 * The CloudFront private key as a KeyObject. Powertools caches the secret's value for MAX_AGE_SECONDS; the PEM is
 * parsed only when that value changes, since parsing costs about three RSA signatures (LOCAL-STACK-NOTES numbers).
 * Locally the same code reads the local stack's Secrets Manager endpoint (AWS_ENDPOINT_URL_SECRETS_MANAGER).
 */
export async function privateKey(secretName: string): Promise<KeyObject> {
  const pem = await getSecret(secretName, { maxAge: MAX_AGE_SECONDS });
  if (typeof pem !== 'string' || pem === '') throw new Error(`secret ${secretName} holds no PEM private key`);
  if (parsed?.pem !== pem) parsed = { pem, key: createPrivateKey(pem) };
  return parsed.key;
}
