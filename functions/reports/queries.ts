/**
 * The report queries, one SQL file each (functions/reports/sql/), bundled as text. They are written in the subset of
 * SQL that Athena (Trino) and DuckDB (the local stand-in and the unit tests) both run the same way — README
 * "Analytics", report queries — and each reads the Glue table `events` of the query's database (the workgroup's
 * QueryExecutionContext) and takes one parameter, the first day it covers.
 */
import type { ReportName } from '../lib/reports';
import premiumPlays from './sql/premium-plays.sql';
import topReferrers from './sql/top-referrers.sql';
import uniqueVisitors from './sql/unique-visitors.sql';
import uploads from './sql/uploads.sql';
import viewsPerPost from './sql/views-per-post.sql';

export const REPORT_QUERIES: Readonly<Record<ReportName, string>> = {
  'views-per-post': viewsPerPost,
  'unique-visitors': uniqueVisitors,
  'top-referrers': topReferrers,
  'premium-plays': premiumPlays,
  uploads,
};
