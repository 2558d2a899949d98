/**
 * The template's secrets that Secrets Manager generates ("AWS::SecretsManager::Secret" GenerateSecretString,
 * CloudFormation User Guide; "GetRandomPassword", Secrets Manager API Reference), made locally the same way: a random
 * string of PasswordLength characters (32 by default) from letters, digits and — unless ExcludePunctuation — the
 * punctuation Secrets Manager uses, without ExcludeCharacters. Made once per state folder and kept there (git-ignored,
 * owner-only), like the stack keeps what Secrets Manager generated for as long as the stack exists; never logged. A
 * secret the template gives a value, or JSON-shaped generation (SecretStringTemplate), is not made up here: it stops
 * the stack.
 */
import { randomInt } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { localPhysicalName } from '../common/intrinsics';
import { resourcesOfType, type ServiceConfig } from '../service-config';

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

export interface GenerateSecretString {
  PasswordLength?: number;
  ExcludePunctuation?: boolean;
  ExcludeCharacters?: string;
}

/** A random string as GenerateSecretString describes it (crypto.randomInt: uniform, no modulo bias). */
export function generateSecretString(spec: GenerateSecretString): string {
  const length = spec.PasswordLength ?? 32;
  if (!Number.isInteger(length) || length < 1 || length > 4096) throw new Error('PasswordLength must be 1 to 4096');
  const excluded = new Set(spec.ExcludeCharacters ?? '');
  const alphabet = [...`${LETTERS}${DIGITS}${spec.ExcludePunctuation ? '' : PUNCTUATION}`].filter((char) => !excluded.has(char));
  if (alphabet.length === 0) throw new Error('GenerateSecretString leaves no character to use');
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');
}

/** Secret name → file holding its value, for the template's generated secrets; the files are made on first use. */
export function generatedSecrets(config: ServiceConfig, stateDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [logicalId, resource] of resourcesOfType(config, 'AWS::SecretsManager::Secret')) {
    const props = resource.Properties ?? {};
    const spec = props.GenerateSecretString as Record<string, unknown> | undefined;
    const unknown = Object.keys(spec ?? {}).filter((key) => !['PasswordLength', 'ExcludePunctuation', 'ExcludeCharacters'].includes(key));
    if (!spec || props.SecretString !== undefined || unknown.length > 0) {
      throw new Error(`${logicalId}: the local Secrets Manager generates plain GenerateSecretString values only (${unknown.join(', ') || 'no GenerateSecretString'})`);
    }
    const name = typeof props.Name === 'string' ? props.Name : localPhysicalName(config, logicalId);
    const file = path.join(stateDir, 'secrets', logicalId);
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      writeFileSync(file, generateSecretString(spec), { mode: 0o600 });
      chmodSync(file, 0o600);
    }
    out[name] = file;
  }
  return out;
}
