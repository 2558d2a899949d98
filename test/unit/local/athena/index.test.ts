import type { ServiceConfig } from '../../../../scripts/local/service-config';
import { athenaDefinition } from '../../../../scripts/local/athena';
import { EVENT_COLUMNS, EVENT_PARTITION_KEYS } from '../../../support/analytics-events';
import { analyticsConfig, REPORTS_WORK_GROUP } from './fixtures';

/** The analytics and reports resources: the table of resources/analytics.yml and the reports' workgroup. */
const config = (extra: Record<string, unknown> = {}): ServiceConfig => analyticsConfig({ ReportsWorkGroup: REPORTS_WORK_GROUP, ...extra });

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
    const withoutWorkGroup = analyticsConfig();

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
