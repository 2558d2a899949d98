import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { getReport } from '../../../../functions/get-report/get-report';
import { S3ReportReader, type ReportName, type ReportReader, type StoredReport } from '../../../../functions/lib/reports';
import { rejection } from '../../../support/errors';

const sampleEvent = (): APIGatewayProxyEventV2WithJWTAuthorizer =>
  JSON.parse(readFileSync(path.join(__dirname, '../../../../events/http/get-report.json'), 'utf8')) as APIGatewayProxyEventV2WithJWTAuthorizer;

const store = (reports: Partial<Record<ReportName, string>>): ReportReader => ({
  get: async (name): Promise<StoredReport | undefined> => (reports[name] === undefined ? undefined : { json: reports[name] }),
});

const ADMIN = { sub: 'admin-1', 'cognito:groups': '[admins]' };

describe('getReport', () => {
  it('gives an admin the stored report as it is', async () => {
    const report = await getReport(ADMIN, 'uploads', store({ uploads: '[{"dt":"2026-11-22","uploads":2}]' }));
    expect(report.json).toBe('[{"dt":"2026-11-22","uploads":2}]');
  });

  it.each([
    ['no groups', { sub: 'reader-1' }],
    ['another group', { sub: 'reader-1', 'cognito:groups': '[editors]' }],
    ['a look-alike group', { sub: 'reader-1', 'cognito:groups': ['admins-old'] }],
  ])('refuses a caller with %s: 403 not_admin', async (_, claims) => {
    expect(await rejection(getReport(claims, 'uploads', store({ uploads: '[]' })))).toEqual({ statusCode: 403, code: 'not_admin' });
  });

  it.each([undefined, 'nope', '__proto__', 'uploads.json', '../uploads'])('answers 404 report_not_found for %p', async (name) => {
    expect(await rejection(getReport(ADMIN, name, store({ uploads: '[]' })))).toEqual({ statusCode: 404, code: 'report_not_found' });
  });

  it('answers 404 report_not_built for a report not written yet', async () => {
    expect(await rejection(getReport(ADMIN, 'top-referrers', store({})))).toEqual({ statusCode: 404, code: 'report_not_built' });
  });

  it('the admin check comes first: a non-admin learns nothing about which names exist', async () => {
    expect(await rejection(getReport({ sub: 'reader-1' }, 'nope', store({})))).toEqual({ statusCode: 403, code: 'not_admin' });
  });
});

describe('S3ReportReader', () => {
  const s3 = (objects: Record<string, string>) => {
    const keys: string[] = [];
    const client = {
      send: async (command: GetObjectCommand) => {
        const key = command.input.Key ?? '';
        keys.push(`${command.input.Bucket}/${key}`);
        const body = objects[key];
        if (body === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} });
        return { Body: { transformToString: async () => body }, LastModified: new Date('2026-11-22T05:03:00Z') };
      },
    };
    return { client: client as unknown as S3Client, keys };
  };

  it('reads reports/<name>.json of the reporting bucket', async () => {
    const { client, keys } = s3({ 'reports/uploads.json': '[]' });
    expect(await new S3ReportReader(client, 'reporting').get('uploads')).toEqual({ json: '[]', lastModified: new Date('2026-11-22T05:03:00Z') });
    expect(keys).toEqual(['reporting/reports/uploads.json']);
  });

  it('a missing object is a report not built yet', async () => {
    expect(await new S3ReportReader(s3({}).client, 'reporting').get('uploads')).toBeUndefined();
  });
});

describe('handler', () => {
  const ENV = { REPORTING_BUCKET: 'reporting', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
  let handler: (event: APIGatewayProxyEventV2WithJWTAuthorizer) => Promise<{ statusCode?: number; headers?: Record<string, unknown>; body?: string }>;

  beforeAll(async () => {
    Object.assign(process.env, ENV);
    ({ handler } = await import('../../../../functions/get-report/handler'));
  });
  afterAll(() => {
    for (const key of Object.keys(ENV)) delete process.env[key];
  });

  it('serves the stored JSON with its Last-Modified, not cached', async () => {
    // Prepare
    const { s3 } = await import('../../../../functions/lib/clients/s3');
    const send = jest.spyOn(s3(), 'send').mockResolvedValue({
      Body: { transformToString: async () => '[{"dt":"2026-11-22","visitors":3}]' },
      LastModified: new Date('2026-11-22T05:03:00Z'),
    } as never);

    // Act
    const response = await handler(sampleEvent());

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('[{"dt":"2026-11-22","visitors":3}]');
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store', 'last-modified': 'Sun, 22 Nov 2026 05:03:00 GMT' });
    expect((send.mock.calls[0]?.[0] as GetObjectCommand).input).toEqual({ Bucket: 'reporting', Key: 'reports/views-per-post.json' });
    send.mockRestore();
  });

  it('a token without sub is a 401 before anything is read', async () => {
    const event = sampleEvent();
    delete (event.requestContext.authorizer.jwt.claims as Record<string, unknown>).sub;
    expect((await handler(event)).statusCode).toBe(401);
  });
});
