/**
 * The analytics reports' names: the SQL files of functions/reports/sql/, the keys of the reporting bucket, the
 * `{name}` of GET /reports/{name} and the dashboard's sections. No imports, so the web build takes it as it is
 * (web/src/reports.ts) and a report without a dashboard view fails the web's type check.
 */
export const REPORT_NAMES = ['views-per-post', 'unique-visitors', 'top-referrers', 'premium-plays', 'uploads'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export function isReportName(name: string): name is ReportName {
  return (REPORT_NAMES as readonly string[]).includes(name);
}
