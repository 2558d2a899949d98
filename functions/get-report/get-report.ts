import { groupsOf, type Claims } from '../lib/claims';
import { ForbiddenError, NotFoundError } from '../lib/errors';
import { isReportName, type ReportReader, type StoredReport } from '../lib/reports';

/** The Cognito group of resources/auth.yml whose members see the analytics (the plan route's admins too). */
export const ADMINS_GROUP = 'admins';

/**
 * A report for an admin, as the reports function last wrote it. Refusals: not an admin (403 not_admin), a name that
 * is no report (404 report_not_found), a report not built yet — no events have arrived since the stack was made
 * (404 report_not_built, which the dashboard shows as its empty state).
 */
export async function getReport(claims: Claims, name: string | undefined, store: ReportReader): Promise<StoredReport> {
  if (!groupsOf(claims).includes(ADMINS_GROUP)) {
    throw new ForbiddenError('not_admin', `Only members of ${ADMINS_GROUP} may read reports`);
  }
  if (name === undefined || !isReportName(name)) throw new NotFoundError('report_not_found', 'No such report');
  const report = await store.get(name);
  if (!report) throw new NotFoundError('report_not_built', 'The report has not been built yet');
  return report;
}
