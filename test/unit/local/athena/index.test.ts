import type { ServiceConfig } from '../../../../scripts/local/service-config';
import { athenaDefinition } from '../../../../scripts/local/athena';
import { EVENT_COLUMNS, EVENT_PARTITION_KEYS } from '../../../support/analytics-events';

/** The analytics and reports resources as `sls print --stage local` gives them: params resolved, intrinsics not. */
const config = (extra: Record<string, unknown> = {}): ServiceConfig =>
  ({
    service: 'serverless-blog',
    provider: { stage: 'local' },
    params: {},
    functions: {},
    resources: {
      Resources: {
        IngestionBucket: { Type: 'AWS::S3::Bucket' },
        AthenaResultsBucket: { Type: 'AWS::S3::Bucket' },
        AnalyticsDatabase: { Type: 'AWS::Glue::Database', Properties: { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: 'serverless_blog_local_analytics' } } },
        AnalyticsEventsTable: {
          Type: 'AWS::Glue::Table',
          Properties: {
            DatabaseName: { Ref: 'AnalyticsDatabase' },
            TableInput: {
              Name: 'events',
              PartitionKeys: EVENT_PARTITION_KEYS.map((key) => ({ Name: key.name, Type: key.type, Comment: 'UTC' })),
              StorageDescriptor: {
                Location: { 'Fn::Sub': 's3://${IngestionBucket}/events/' },
                Columns: EVENT_COLUMNS.map((column) => ({ Name: column.name, Type: column.type })),
              },
            },
          },
        },
        ReportsWorkGroup: {
          Type: 'AWS::Athena::WorkGroup',
          Properties: {
            Name: 'serverless-blog-local-reports',
            WorkGroupConfiguration: {
              EnforceWorkGroupConfiguration: true,
              BytesScannedCutoffPerQuery: 104857600,
              ResultConfiguration: { OutputLocation: { 'Fn::Sub': 's3://${AthenaResultsBucket}/results/' } },
            },
          },
        },
        ...extra,
      },
    },
  });

const BUCKETS: Record<string, string> = {
  IngestionBucket: 'serverless-blog-local-ingestion-bucket',
  AthenaResultsBucket: 'serverless-blog-local-athena-results-bucket',
};
const lookup = (logicalId: string) => BUCKETS[logicalId];

describe('athenaDefinition', () => {
  it('reads the database, the table with its columns, partitions and S3 location, and the workgroup from the template', () => {
    expect(athenaDefinition(config(), lookup)).toEqual({
      database: 'serverless_blog_local_analytics',
      tables: [
        {
          name: 'events',
          columns: EVENT_COLUMNS,
          partitionKeys: EVENT_PARTITION_KEYS,
          location: { bucket: 'serverless-blog-local-ingestion-bucket', prefix: 'events/' },
        },
      ],
      workGroups: {
        primary: { outputLocation: '', enforce: false },
        'serverless-blog-local-reports': {
          outputLocation: 's3://serverless-blog-local-athena-results-bucket/results/',
          bytesScannedCutoffPerQuery: 104857600,
        },
      },
    });
  });

  it('refuses a second database rather than guess which one queries mean', () => {
    const second = { Type: 'AWS::Glue::Database', Properties: { DatabaseInput: { Name: 'other' } } };
    expect(() => athenaDefinition(config({ OtherDatabase: second }), lookup)).toThrow(/one Glue database/);
  });

  it('has the primary workgroup every account has, and no other, when the template defines none', () => {
    // Prepare
    const others = Object.fromEntries(Object.entries(config().resources.Resources).filter(([id]) => id !== 'ReportsWorkGroup'));
    const withoutWorkGroup = { ...config(), resources: { Resources: others } };

    // Act
    const { workGroups } = athenaDefinition(withoutWorkGroup, lookup);

    // Assess
    expect(workGroups).toEqual({ primary: { outputLocation: '', enforce: false } });
  });

  it("reads a workgroup's State and EnforceWorkGroupConfiguration", () => {
    // Prepare
    const other = {
      Type: 'AWS::Athena::WorkGroup',
      Properties: { Name: 'adhoc', State: 'DISABLED', WorkGroupConfiguration: { EnforceWorkGroupConfiguration: false } },
    };

    // Act
    const { workGroups } = athenaDefinition(config({ AdhocWorkGroup: other }), lookup);

    // Assess
    expect(workGroups.adhoc).toEqual({ outputLocation: '', enforce: false, enabled: false });
  });

  it('refuses a location it cannot resolve', () => {
    expect(() => athenaDefinition(config(), () => undefined)).toThrow(/IngestionBucket/);
  });
});
