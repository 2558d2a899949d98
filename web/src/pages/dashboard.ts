/** The admins' Dashboard: the flow is in ../dashboard.ts, the sections in ../dashboard-view.ts, the charts in ../charts.ts. */
import { currentUser } from '../auth';
import { boot, showAccount } from '../boot';
import { drawDailyChart } from '../charts';
import { startDashboard } from '../dashboard';

const page = await boot();
if (page !== undefined) {
  await startDashboard({
    document,
    api: page.api,
    user: page.user,
    refreshUser: () => currentUser({ refresh: true }),
    onUser: showAccount,
    view: { drawChart: drawDailyChart },
  });
}
