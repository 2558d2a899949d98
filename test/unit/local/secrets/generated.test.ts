/**
 * Secrets the template has Secrets Manager generate ("AWS::SecretsManager::Secret" GenerateSecretString), made locally
 * once per state folder and kept there.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generatedSecrets, generateSecretString } from '../../../../scripts/local/secrets/generated';
import { analyticsConfig } from '../firehose/fixtures';

function withKeySecret() {
  const config = analyticsConfig();
  config.resources.Resources.AnalyticsIpHashKeySecret = {
    Type: 'AWS::SecretsManager::Secret',
    Properties: { Name: 'serverless-blog/local/analytics-ip-hash-key', GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true } },
  };
  return config;
}

describe('generated secrets', () => {
  it('makes the IP-hash key as GenerateSecretString says (64 letters and digits), owner-only, under its name', () => {
    // Prepare
    const state = mkdtempSync(path.join(tmpdir(), 'state-'));

    // Act
    const secrets = generatedSecrets(withKeySecret(), state);

    // Assess
    const file = secrets['serverless-blog/local/analytics-ip-hash-key'];
    expect(file).toBe(path.join(state, 'secrets', 'AnalyticsIpHashKeySecret'));
    expect(readFileSync(file!, 'utf8')).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
  });

  it('keeps the value of a state folder between runs, and makes another one for another folder', () => {
    // Prepare
    const [a, b] = [mkdtempSync(path.join(tmpdir(), 'state-')), mkdtempSync(path.join(tmpdir(), 'state-'))];
    const value = (state: string) => readFileSync(generatedSecrets(withKeySecret(), state)['serverless-blog/local/analytics-ip-hash-key']!, 'utf8');

    // Act
    const [first, again, other] = [value(a), value(a), value(b)];

    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it('uses punctuation unless excluded, and never an excluded character', () => {
    const values = Array.from({ length: 20 }, () => generateSecretString({ PasswordLength: 200, ExcludeCharacters: 'abc"\\' })).join('');
    expect(values).toMatch(/[!#%&()*+,\-./:;<=>?@[\]^_`{|}~]/);
    expect(values).not.toMatch(/[abc"\\]/);
  });

  it('refuses a secret it would have to make up otherwise (a JSON template, or a value in the template)', () => {
    // Prepare
    const json = withKeySecret();
    (json.resources.Resources.AnalyticsIpHashKeySecret!.Properties!.GenerateSecretString as Record<string, unknown>).SecretStringTemplate = '{"u":"x"}';

    // Act, Assess
    expect(() => generatedSecrets(json, mkdtempSync(path.join(tmpdir(), 'state-')))).toThrow(/SecretStringTemplate/);
  });
});
