import { athena } from '../lib/clients/athena';
import { s3 } from '../lib/clients/s3';
import { sqs } from '../lib/clients/sqs';
import { SqsDeadLetters } from '../lib/dead-letters';
import { count, instrumented } from '../lib/observability';
import { S3ReportWriter } from '../lib/reports';
import { AthenaQueryRunner } from './athena';
import { config } from './config';
import { REPORT_QUERIES } from './queries';
import { rebuildReports } from './reports';
import { reportsHandler } from './triggers';

const deps = {
  runner: new AthenaQueryRunner(athena(), { workGroup: config.workGroup, database: config.database }),
  store: new S3ReportWriter(s3(), config.reportingBucket),
  queries: REPORT_QUERIES,
  windowDays: config.windowDays,
  queryTimeoutMs: config.queryTimeoutMs,
};

/** Reports queue (S3 ObjectCreated of the ingestion bucket) and the EventBridge schedule → every report rebuilt. */
export const handler = instrumented(
  'reports',
  reportsHandler({
    rebuild: async (deadlineMs) => {
      try {
        const built = await rebuildReports(deps, deadlineMs);
        count('ReportsBuilt');
        return built;
      } catch (error) {
        count('ReportsFailed');
        throw error;
      }
    },
    deadLetters: new SqsDeadLetters(sqs(), config.deadLetterQueueUrl),
  }),
);
