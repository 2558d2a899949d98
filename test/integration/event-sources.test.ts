/**
 * The stand-ins of issue 13 on the running stack, with what this stack declares today: the local Athena (reached
 * through AWS_ENDPOINT_URL_ATHENA, as the report function reaches it) over the real ingestion bucket, and the schedule
 * rules' endpoint. The SQS pollers, the S3 → SQS notifications and the rules themselves have no declaration to run
 * yet (the reports function and its queue come with its own resources); their behaviour is tested in
 * test/unit/local/queues, s3 and schedules against real fauxqs and s3rver.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { athenaDefinition } from '../../scripts/local/athena';
import { resourceLookup } from '../../scripts/local/cloudformation';
import { bucketNames } from '../../scripts/local/cloudformation/buckets';
import { HOST, localClientConfig } from '../../scripts/local/ports';
import { loadServiceConfig, type ServiceConfig } from '../../scripts/local/service-config';
import { DELIVERIES, writeEventsParquet } from '../support/analytics-events';
import { ports, s3 } from './local';

jest.setTimeout(30_000);

const athena = new AthenaClient(localClientConfig(`http://${HOST}:${ports.athena}`));
let config: ServiceConfig;
beforeAll(async () => {
  config = await loadServiceConfig('local');
}, 120_000);
afterAll(() => athena.destroy());

async function count(database: string): Promise<number> {
  const { QueryExecutionId } = await athena.send(
    new StartQueryExecutionCommand({ QueryString: 'SELECT count(*) FROM events', QueryExecutionContext: { Database: database }, ResultConfiguration: { OutputLocation: 's3://results/' } }),
  );
  for (;;) {
    const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    const state = QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED') break;
    if (state !== 'QUEUED' && state !== 'RUNNING') throw new Error(`query ${state}: ${QueryExecution?.Status?.StateChangeReason}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { ResultSet } = await athena.send(new GetQueryResultsCommand({ QueryExecutionId }));
  return Number(ResultSet?.Rows?.[1]?.Data?.[0]?.VarCharValue);
}

describe('the local Athena on the stack', () => {
  it('queries the Glue table of resources/analytics.yml over the objects in the local ingestion bucket, as they land', async () => {
    // Prepare
    const buckets = bucketNames(config);
    const { database, tables } = athenaDefinition(config, resourceLookup(buckets, new Map(), new Map()));
    const location = tables.find((table) => table.name === 'events')!.location;
    const parquet = await writeEventsParquet();
    const files = readdirSync(parquet, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.parquet'))
      .map((entry) => path.join(entry.parentPath, entry.name));
    const keys = files.map((file) => `${location.prefix}${path.relative(parquet, file).split(path.sep).join('/')}`);

    try {
      // Act
      const before = await count(database);
      await Promise.all(files.map((file, index) => s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: keys[index], Body: readFileSync(file) }))));
      const after = await count(database);

      // Assess
      expect(location.bucket).toBe(buckets.get('IngestionBucket'));
      expect(after - before).toBe(DELIVERIES.flat().length);
    } finally {
      await Promise.all(keys.map((Key) => s3.send(new DeleteObjectCommand({ Bucket: location.bucket, Key }))));
      rmSync(parquet, { recursive: true, force: true });
    }
  });

  it('refuses a query in a workgroup the template does not define', async () => {
    await expect(athena.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1', WorkGroup: 'no-such-workgroup' }))).rejects.toMatchObject({
      name: 'InvalidRequestException',
    });
  });
});

describe('the schedule rules on the stack', () => {
  it('lists the rules of serverless.yml with their next run, and answers 404 for a rule it does not have', async () => {
    // Prepare
    const declared = Object.values(config.functions).flatMap((fn) => (fn.events ?? []).filter((event) => (event as { schedule?: unknown }).schedule !== undefined));

    // Act
    const listed = (await (await fetch(`http://${HOST}:${ports.schedules}/rules`)).json()) as { rules: { name: string; next?: string }[] };
    const unknown = await fetch(`http://${HOST}:${ports.schedules}/rules/no-such-rule/trigger`, { method: 'POST' });

    // Assess
    expect(listed.rules.length).toBeGreaterThanOrEqual(declared.length);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'rule_not_found' } });
  });
});
