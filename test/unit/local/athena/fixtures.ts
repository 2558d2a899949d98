/** The analytics and reports resources of a template, for the local Athena's tests. */
import type { ServiceConfig } from '../../../../scripts/local/service-config';
import { EVENT_COLUMNS, EVENT_PARTITION_KEYS } from '../../../support/analytics-events';

export const DATABASE = 'serverless_blog_local_analytics';

/** The analytics resources as `sls print --stage local` gives them (params resolved, intrinsics not), with `extra`. */
export const analyticsConfig = (extra: Record<string, unknown> = {}): ServiceConfig =>
  ({
    service: 'serverless-blog',
    provider: { stage: 'local' },
    params: {},
    functions: {},
    resources: {
      Resources: {
        IngestionBucket: { Type: 'AWS::S3::Bucket' },
        AthenaResultsBucket: { Type: 'AWS::S3::Bucket' },
        AnalyticsDatabase: { Type: 'AWS::Glue::Database', Properties: { CatalogId: { Ref: 'AWS::AccountId' }, DatabaseInput: { Name: DATABASE } } },
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
        ...extra,
      },
    },
  });

/** The reports' workgroup, as resources/reports.yml defines it. */
export const REPORTS_WORK_GROUP = {
  Type: 'AWS::Athena::WorkGroup',
  Properties: {
    Name: 'serverless-blog-local-reports',
    WorkGroupConfiguration: {
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: 104857600,
      ResultConfiguration: { OutputLocation: { 'Fn::Sub': 's3://${AthenaResultsBucket}/results/' } },
    },
  },
};
