/**
 * The local stage's release key for tests that sign releases themselves: the pair `npm start` makes
 * (scripts/local/secrets/keys.ts), made here first when missing, so that the e2e stack's site trusts a key the tests
 * can sign with.
 */
import { readFileSync } from 'node:fs';
import { ensureLocalReleaseKeyPair, LOCAL_RELEASE_KEY_NAME, localReleaseKeyPath } from '../../scripts/local/secrets/keys';

export const LOCAL_RELEASE_KEY_ID = LOCAL_RELEASE_KEY_NAME;

/** The private half's PEM. */
export function ensureLocalReleaseKey(keyId = LOCAL_RELEASE_KEY_ID): string {
  ensureLocalReleaseKeyPair(keyId);
  return readFileSync(localReleaseKeyPath(keyId), 'utf8');
}
