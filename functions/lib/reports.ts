/**
 * The analytics reports (README "Analytics"): their names, and the ReportingBucket that holds each one as a JSON
 * array of rows at `reports/<name>.json`. The reports function writes them (functions/reports); GET /reports/{name}
 * reads them (functions/get-report). The ports are what the cores use; the S3 adapters are created once per container.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ReportName } from './report-names';

export { REPORT_NAMES, isReportName, type ReportName } from './report-names';

/** One row of a report: column name → value (numbers for Athena's numeric types, strings otherwise, null for NULL). */
export type ReportRow = Record<string, string | number | boolean | null>;

export interface StoredReport {
  /** The JSON array, as stored: it is served as is, never parsed on the way. */
  json: string;
  lastModified?: Date;
}

/** Where the reports function writes… */
export interface ReportWriter {
  put(name: ReportName, rows: readonly ReportRow[]): Promise<void>;
}

/** …and GET /reports/{name} reads. */
export interface ReportReader {
  /** undefined when the report has not been built yet. */
  get(name: ReportName): Promise<StoredReport | undefined>;
}

export const reportKey = (name: ReportName): string => `reports/${name}.json`;

/** Two classes, so that each function bundles only the S3 command it sends. */
export class S3ReportWriter implements ReportWriter {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(name: ReportName, rows: readonly ReportRow[]): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: reportKey(name),
        Body: JSON.stringify(rows),
        ContentType: 'application/json; charset=utf-8',
      }),
    );
  }
}

export class S3ReportReader implements ReportReader {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async get(name: ReportName): Promise<StoredReport | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: reportKey(name) }));
      const json = (await out.Body?.transformToString('utf-8')) ?? '[]';
      return { json, ...(out.LastModified ? { lastModified: out.LastModified } : {}) };
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}
