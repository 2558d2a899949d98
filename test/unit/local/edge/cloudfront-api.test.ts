/**
 * The local CloudFront API, spoken to by the real SDK client ("CreateInvalidation", "GetInvalidation", Amazon
 * CloudFront API Reference): an invalidation empties the edge cache of what it names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CloudFrontClient,
  CreateInvalidationCommand,
  GetInvalidationCommand,
  InconsistentQuantities,
  InvalidArgument,
  NoSuchDistribution,
  NoSuchInvalidation,
  waitUntilInvalidationCompleted,
} from '@aws-sdk/client-cloudfront';
import { EdgeCache } from '../../../../scripts/local/edge/cache';
import { startCloudFrontApi, type LocalCloudFrontApi } from '../../../../scripts/local/edge/cloudfront-api';
import { LOCAL_CREDENTIALS, LOCAL_DISTRIBUTION_ID, LOCAL_REGION } from '../../../../scripts/local/ports';
import { fakeOrigin, read, type FakeOrigin } from './cache-fixtures';

const KEY = 'releases/stable/latest.json';
const POLICY = { minTtl: 0, defaultTtl: 86_400, maxTtl: 31_536_000 };

describe('the local CloudFront API', () => {
  let dir: string;
  let origin: FakeOrigin;
  let cache: EdgeCache;
  let api: LocalCloudFrontApi;
  let client: CloudFrontClient;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'cloudfront-api-'));
    origin = fakeOrigin({ [KEY]: { body: Buffer.from('{"version":"1.0.0"}'), cacheControl: 'public, max-age=60' } });
    cache = await EdgeCache.open(origin, { dir, maxBytes: 1_000_000 });
    api = await startCloudFrontApi({
      host: '127.0.0.1', port: 0, distributionId: LOCAL_DISTRIBUTION_ID, invalidate: (paths) => cache.invalidate(paths),
    });
    client = new CloudFrontClient({ endpoint: api.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  });
  afterAll(async () => {
    client.destroy();
    await api.close();
    await cache.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What a viewer of /releases/stable/latest.json gets: X-Cache and the body. */
  async function view(): Promise<[string | undefined, string]> {
    const { result, headers } = await cache.get({ origin: { bucket: 'releases', missingKeyStatus: 404 }, key: KEY, path: `/${KEY}`, policy: POLICY });
    if (result.kind !== 'found') throw new Error(result.kind);
    return [headers['x-cache'], (await read(result.body)).toString()];
  }

  const batch = (paths: string[], callerReference = `test-${Math.random()}`) =>
    ({ CallerReference: callerReference, Paths: { Quantity: paths.length, Items: paths } });

  it('CreateInvalidation drops the path from the edge cache: the next viewer gets the new object', async () => {
    // Prepare
    await view();
    origin.objects[KEY] = { body: Buffer.from('{"version":"1.1.0"}'), cacheControl: 'public, max-age=60' };
    const beforeInvalidation = await view();
    // Act
    const out = await client.send(new CreateInvalidationCommand({
      DistributionId: LOCAL_DISTRIBUTION_ID, InvalidationBatch: batch([`/${KEY}`], 'release-1.1.0'),
    }));
    // Assess
    expect(beforeInvalidation).toEqual(['Hit from cloudfront', '{"version":"1.0.0"}']);
    expect(await view()).toEqual(['Miss from cloudfront', '{"version":"1.1.0"}']);
    expect(out.Invalidation).toMatchObject({
      Status: 'InProgress',
      InvalidationBatch: { CallerReference: 'release-1.1.0', Paths: { Quantity: 1, Items: [`/${KEY}`] } },
    });
    expect(out.Invalidation?.Id).toMatch(/^I[A-Z0-9]{13}$/);
    expect(out.Invalidation?.CreateTime).toBeInstanceOf(Date);
    expect(out.Location).toBe(`${api.url}/2020-05-31/distribution/${LOCAL_DISTRIBUTION_ID}/invalidation/${out.Invalidation?.Id}`);
  });

  it('GetInvalidation reports it Completed, so the SDK waiter returns at once', async () => {
    // Prepare
    const { Invalidation } = await client.send(new CreateInvalidationCommand({
      DistributionId: LOCAL_DISTRIBUTION_ID, InvalidationBatch: batch(['/releases/*']),
    }));
    // Act
    const got = await client.send(new GetInvalidationCommand({ DistributionId: LOCAL_DISTRIBUTION_ID, Id: Invalidation!.Id! }));
    const waited = await waitUntilInvalidationCompleted(
      { client, maxWaitTime: 10, minDelay: 1 }, { DistributionId: LOCAL_DISTRIBUTION_ID, Id: Invalidation!.Id! });
    // Assess
    expect(got.Invalidation).toMatchObject({ Id: Invalidation!.Id, Status: 'Completed' });
    expect(waited.state).toBe('SUCCESS');
  });

  it('answers the same CallerReference with the same invalidation, and refuses it for other paths', async () => {
    // Prepare
    const first = await client.send(new CreateInvalidationCommand({
      DistributionId: LOCAL_DISTRIBUTION_ID, InvalidationBatch: batch(['/a.txt'], 'same-ref'),
    }));
    // Act
    const again = await client.send(new CreateInvalidationCommand({
      DistributionId: LOCAL_DISTRIBUTION_ID, InvalidationBatch: batch(['/a.txt'], 'same-ref'),
    }));
    const other = client.send(new CreateInvalidationCommand({
      DistributionId: LOCAL_DISTRIBUTION_ID, InvalidationBatch: batch(['/b.txt'], 'same-ref'),
    }));
    // Assess
    expect(again.Invalidation?.Id).toBe(first.Invalidation?.Id);
    await expect(other).rejects.toMatchObject({ name: 'InvalidationBatchAlreadyExists', $metadata: { httpStatusCode: 409 } });
  });

  it('answers any other distribution id with NoSuchDistribution (404)', async () => {
    // Act
    const sent = client.send(new CreateInvalidationCommand({ DistributionId: 'E2QWRUHEXAMPLE', InvalidationBatch: batch(['/x']) }));
    // Assess
    await expect(sent).rejects.toBeInstanceOf(NoSuchDistribution);
    await expect(sent).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });

  it('answers an unknown invalidation id with NoSuchInvalidation', async () => {
    // Act
    const sent = client.send(new GetInvalidationCommand({ DistributionId: LOCAL_DISTRIBUTION_ID, Id: 'INOSUCHONE0000' }));
    // Assess
    await expect(sent).rejects.toBeInstanceOf(NoSuchInvalidation);
  });

  it.each<[string, string[], number | undefined, new (...args: never[]) => Error]>([
    ['a path without its leading slash', ['releases/stable/latest.json'], undefined, InvalidArgument],
    ['a wildcard that is not last', ['/releases/*/latest.json'], undefined, InvalidArgument],
    ['a Quantity that is not the number of paths', ['/a', '/b'], 3, InconsistentQuantities],
    ['no path at all', [], undefined, InvalidArgument],
  ])('refuses %s', async (_case, paths, quantity, error) => {
    // Act
    const sent = client.send(new CreateInvalidationCommand({
      DistributionId: LOCAL_DISTRIBUTION_ID,
      InvalidationBatch: { CallerReference: `bad-${Math.random()}`, Paths: { Quantity: quantity ?? paths.length, Items: paths } },
    }));
    // Assess
    await expect(sent).rejects.toBeInstanceOf(error);
  });

  /** A raw request, for what the SDK would never send. */
  async function raw(body: string, headers: Record<string, string> = { authorization: 'AWS4-HMAC-SHA256 Credential=local/20261201/us-east-1/cloudfront/aws4_request' }) {
    const response = await fetch(`${api.url}/2020-05-31/distribution/${LOCAL_DISTRIBUTION_ID}/invalidation`, { method: 'POST', body, headers });
    return { status: response.status, text: await response.text() };
  }

  it('refuses an unsigned request with 403, as AWS does, before looking at it', async () => {
    // Act
    const reply = await raw('<InvalidationBatch/>', {});
    // Assess
    expect(reply.status).toBe(403);
    expect(reply.text).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it.each([
    ['a body that is not XML', 'paths=/x', 'MalformedInput'],
    ['an unclosed element', '<InvalidationBatch><Paths><Quantity>1</Quantity>', 'MalformedInput'],
    ['another document', '<DistributionConfig><Enabled>true</Enabled></DistributionConfig>', 'MalformedInput'],
    ['no body', '', 'MissingBody'],
  ])('answers %s with 400 in CloudFront\'s XML error shape', async (_case, body, code) => {
    // Act
    const reply = await raw(body);
    // Assess
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(new RegExp(`^<\\?xml[^>]*>\\s*<ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>${code}</Code><Message>[^<]+</Message></Error><RequestId>[0-9a-f-]{36}</RequestId></ErrorResponse>$`));
  });
});
