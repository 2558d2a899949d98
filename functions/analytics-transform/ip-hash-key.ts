import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

/** How long a container keeps its copy of the key before asking Secrets Manager again (a rotated key is picked up). */
const MAX_AGE_SECONDS = 3_600;
/** 256 bits of a random string, as the stack generates it (resources/analytics.yml). */
const MIN_KEY_LENGTH = 32;

/**
 * The key of the address hash, cached by Powertools for MAX_AGE_SECONDS (the shape of functions/signed-url's
 * private-key.ts). Locally the same code reads the local stack's Secrets Manager endpoint
 * (AWS_ENDPOINT_URL_SECRETS_MANAGER).
 */
export async function ipHashKey(secretName: string): Promise<Buffer> {
  const value = await getSecret(secretName, { maxAge: MAX_AGE_SECONDS });
  if (typeof value !== 'string' || value.length < MIN_KEY_LENGTH) {
    throw new Error(`secret ${secretName} holds no key of at least ${MIN_KEY_LENGTH} characters`);
  }
  return Buffer.from(value, 'utf8');
}
