/** The local Secrets Manager endpoint, spoken to by the real SDK ("GetSecretValue", AWS Secrets Manager API Reference). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { startLocalSecrets, type LocalSecrets } from '../../../../scripts/local/secrets/endpoint';

describe('local Secrets Manager endpoint', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'secrets-'));
  const file = path.join(dir, 'key.pem');
  let server: LocalSecrets;
  let client: SecretsManagerClient;

  beforeAll(async () => {
    writeFileSync(file, '-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');
    server = await startLocalSecrets({ host: '127.0.0.1', port: 0, region: 'us-east-1', secrets: { 'svc/local/cloudfront-key/key-1': file } });
    client = new SecretsManagerClient({ region: 'us-east-1', endpoint: server.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  });
  afterAll(async () => {
    client.destroy();
    await server.close();
  });

  it('answers GetSecretValue with the file content, as the SDK expects it', async () => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: 'svc/local/cloudfront-key/key-1' }));
    expect(out.SecretString).toBe('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n');
    expect(out.Name).toBe('svc/local/cloudfront-key/key-1');
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'svc/local/other' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
