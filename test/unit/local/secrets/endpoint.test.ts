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

  it('finds a secret it was not given by name through its lookup (a release key made while the stack runs)', async () => {
    // Prepare
    const release = path.join(dir, 'release-2.pem');
    writeFileSync(release, 'release key');
    const lookup = await startLocalSecrets({
      host: '127.0.0.1', port: 0, region: 'us-east-1', secrets: {},
      lookup: (name) => (name === 'svc/local/release-key/release-2' ? release : undefined),
    });
    const lookupClient = new SecretsManagerClient({ region: 'us-east-1', endpoint: lookup.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });

    try {
      // Act
      const out = await lookupClient.send(new GetSecretValueCommand({ SecretId: 'svc/local/release-key/release-2' }));
      const unknown = lookupClient.send(new GetSecretValueCommand({ SecretId: 'svc/local/release-key/release-3' }));

      // Assess
      expect(out.SecretString).toBe('release key');
      await expect(unknown).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      lookupClient.destroy();
      await lookup.close();
    }
  });

  it('answers an unknown secret with ResourceNotFoundException', async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'svc/local/other' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });
});
