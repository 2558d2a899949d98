/**
 * The report queries, one SQL file each (functions/reports/sql/), bundled as text. Each reads the Glue table `events`
 * of the query's database (QueryExecutionContext) and takes one parameter, the first day it covers (`dt >= ?`).
 *
 * They are written in the SQL that Athena (Trino) and DuckDB (the local Athena and the unit tests) run alike:
 * - the day is the `dt` partition (text, yyyy-MM-dd), never formatted from received_at: the engines share no date
 *   formatting function (Trino date_format/format_datetime, DuckDB strftime);
 * - top N per day is row_number() in a subquery filtered outside it: Trino has no QUALIFY;
 * - result columns are lower-case aliases: Trino lower-cases result column names, DuckDB keeps them as written;
 * - counts only (count(DISTINCT event_id), which also drops the repeats of at-least-once delivery): DuckDB's sum()
 *   of a bigint is a HUGEINT, Trino's a bigint;
 * - the parameter is a `?`: both bind positional parameters, Athena from SQL literal text (ExecutionParameters), so
 *   the adapter quotes it (athena.ts).
 * What the stand-in does for the rest is in scripts/local/athena/ (partition keys typed as the Glue table says, not
 * as DuckDB would guess; values as Athena's text).
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
