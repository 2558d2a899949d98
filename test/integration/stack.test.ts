import { DescribeTableCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { apiUrl, dynamodb, ports, s3, sesUrl } from './local';
import { loadServiceConfig } from '../../scripts/local/service-config';
import { bucketNames } from '../../scripts/local/cloudformation/buckets';

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

/** The local addresses of the TCP sockets listening on `port` (Linux: /proc/net/tcp and tcp6, hex, host order). */
function listenAddresses(port: number): string[] {
  const found: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || !local) continue; // 0A: LISTEN
      const [address, hexPort] = local.split(':');
      if (parseInt(hexPort ?? '', 16) !== port || !address) continue;
      const v4 = address.length === 8 ? address : address.startsWith('0000000000000000FFFF0000') ? address.slice(24) : undefined;
      found.push(v4 ? (v4.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)).join('.') : `v6:${address}`);
    }
  }
  return found;
}

describe('the local stack', () => {
  it('listens on loopback only, every emulator and stand-in (DynamoDB Local included)', () => {
    // Act
    const addresses = Object.fromEntries((Object.entries(ports) as [string, number][]).map(([name, port]) => [name, listenAddresses(port)]));

    // Assess
    for (const [name, found] of Object.entries(addresses)) {
      expect({ name, found }).toEqual({ name, found: expect.arrayContaining(['127.0.0.1']) as string[] });
      expect({ name, found: found.filter((address) => address !== '127.0.0.1') }).toEqual({ name, found: [] });
    }
  });

  it('serves GET /health through the HTTP API with the stage and the package version', async () => {
    // Act
    const response = await fetch(`${apiUrl}/health`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok', stage: 'local', version });
  });

  it('has created every bucket and table that resources/*.yml defines', async () => {
    // Prepare
    const config = await loadServiceConfig('local');
    const buckets = [...bucketNames(config).values()];
    const tables = Object.values(config.resources.Resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');

    // Act
    const listed = await dynamodb.send(new ListTablesCommand({}));

    // Assess
    expect(buckets).toContain('serverless-blog-local-content-bucket');
    for (const bucket of buckets) await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    expect(listed.TableNames ?? []).toHaveLength(tables.length);
    for (const name of listed.TableNames ?? []) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: name }));
      expect(Table?.TableStatus).toBe('ACTIVE');
    }
  }, 30_000);

  it('runs cognito-local with the preloaded pool, so the token issuer is fixed', async () => {
    // Act
    const response = await fetch(`http://127.0.0.1:${ports.cognito}/local_serverlessBlog/.well-known/jwks.json`);

    // Assess
    expect(response.status).toBe(200);
    const jwks = (await response.json()) as { keys: { kty: string; alg: string }[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256' });
  });

  it('runs the SES emulator with an inbox store', async () => {
    // Act
    const response = await fetch(`${sesUrl}/store`);

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty('emails');
  });
});
