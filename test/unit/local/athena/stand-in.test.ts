/**
 * The local Athena as the stack starts it (startAthenaFromConfig): the table and workgroups from a template, its files
 * read from the real local S3 (s3rver behind its gate) when each query runs — as Athena reads S3 when it runs, so an
 * object that has just landed (the local Firehose delivering) counts in the next query.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand, type QueryExecution } from '@aws-sdk/client-athena';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAthenaFromConfig } from '../../../../scripts/local/athena';
import type { LocalAthena } from '../../../../scripts/local/athena/endpoint';
import { resourceLookup } from '../../../../scripts/local/cloudformation';
import { localClientConfig, localS3ClientConfig } from '../../../../scripts/local/ports';
import { startLocalS3, type LocalS3 } from '../../../../scripts/local/s3/server';
import { DELIVERIES, writeEventsParquet } from '../../../support/analytics-events';
import { analyticsConfig, DATABASE } from './fixtures';

jest.setTimeout(30_000);

const BUCKET = 'serverless-blog-local-ingestion-bucket';
/** The analytics resources as `sls print --stage local` gives them, before the reports' workgroup exists. */
const config = analyticsConfig();

let state: string;
let parquet: string;
let local: LocalS3;
let s3: S3Client;
let athena: LocalAthena;
let client: AthenaClient;

beforeAll(async () => {
  state = mkdtempSync(path.join(tmpdir(), 'athena-stand-in-'));
  parquet = await writeEventsParquet();
  local = await startLocalS3({ host: '127.0.0.1', port: 0, directory: path.join(state, 's3') });
  s3 = new S3Client(localS3ClientConfig(`http://127.0.0.1:${local.port}`));
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  athena = await startAthenaFromConfig({
    config,
    lookup: resourceLookup(new Map([['IngestionBucket', BUCKET]]), new Map(), new Map()),
    s3,
    cacheDir: path.join(state, 'athena'),
    host: '127.0.0.1',
    port: 0,
  });
  client = new AthenaClient(localClientConfig(athena.url));
});
afterAll(async () => {
  client?.destroy();
  await athena?.close();
  s3?.destroy();
  await local?.close();
  for (const dir of [state, parquet]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The Parquet files of delivery `index`, with their keys under the table's location (dt=…/hour=…/…). */
function deliveryFiles(index: number): { key: string; file: string }[] {
  return readdirSync(parquet, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.startsWith(`delivery-${index}-`))
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return { key: `events/${path.relative(parquet, file).split(path.sep).join('/')}`, file };
    });
}

async function query(QueryString: string, WorkGroup?: string): Promise<{ execution: QueryExecution; rows: string[][] }> {
  const { QueryExecutionId } = await client.send(
    new StartQueryExecutionCommand({ QueryString, WorkGroup, QueryExecutionContext: { Database: DATABASE }, ResultConfiguration: { OutputLocation: 's3://results/' } }),
  );
  for (;;) {
    const { QueryExecution: execution = {} } = await client.send(new GetQueryExecutionCommand({ QueryExecutionId }));
    if (['QUEUED', 'RUNNING'].includes(execution.Status?.State ?? '')) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    if (execution.Status?.State !== 'SUCCEEDED') return { execution, rows: [] };
    const { ResultSet } = await client.send(new GetQueryResultsCommand({ QueryExecutionId }));
    return { execution, rows: (ResultSet?.Rows ?? []).slice(1).map((row) => (row.Data ?? []).map((datum) => datum.VarCharValue ?? '')) };
  }
}

const count = async () => Number((await query('SELECT count(*) FROM events')).rows[0]?.[0]);

describe('the local Athena over the local S3', () => {
  it('answers an empty table before any delivery, then counts each object as soon as it is in the bucket, and forgets a deleted one', async () => {
    // Prepare
    const first = deliveryFiles(0);
    const rest = DELIVERIES.slice(1).flatMap((_, index) => deliveryFiles(index + 1));
    const put = ({ key, file }: { key: string; file: string }) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(file) }));

    // Act + Assess
    expect(await count()).toBe(0);
    await Promise.all(first.map(put));
    expect(await count()).toBe(DELIVERIES[0]!.length);
    await Promise.all(rest.map(put));
    expect(await count()).toBe(DELIVERIES.flat().length);
    await Promise.all(first.map(({ key }) => s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }))));
    expect(await count()).toBe(DELIVERIES.flat().length - DELIVERIES[0]!.length);
  });

  it('runs in the primary workgroup every account has, and refuses a workgroup the template does not define, as Athena does', async () => {
    // Act
    const { execution } = await query('SELECT 1');
    const refused = client.send(new StartQueryExecutionCommand({ QueryString: 'SELECT 1', WorkGroup: 'serverless-blog-local-reports', QueryExecutionContext: { Database: DATABASE } }));

    // Assess
    expect([execution.WorkGroup, execution.Status?.State]).toEqual(['primary', 'SUCCEEDED']);
    await expect(refused).rejects.toMatchObject({ name: 'InvalidRequestException', message: 'WorkGroup serverless-blog-local-reports is not found.' });
  });
});
