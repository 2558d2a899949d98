/**
 * The admins' Dashboard (dashboard.html): every analytics report from GET /reports/{name}, each drawn as soon as it
 * arrives. Who may see it is the API's decision (403 not_admin); the page reads the same `cognito:groups` claim from
 * the token only so as not to ask for five reports it would be refused. A token keeps the groups of when it was
 * issued, so a signed-in non-admin's token is refreshed once here: someone just added to `admins` needs only a reload.
 */
import { isAdmin } from './admins';
import type { Api } from './api';
import type { SignedInUser } from './auth';
import { renderReport, reportSection, reportState, type Refusal, type ViewOptions } from './dashboard-view';
import { REPORT_NAMES } from './reports';

export interface DashboardDeps {
  document: Document;
  api: Pick<Api, 'report'>;
  user: SignedInUser | undefined;
  /** The user from fresh tokens, which carry the groups as they are now; undefined when none could be had. */
  refreshUser: () => Promise<SignedInUser | undefined>;
  /** Tells the header who is signed in now. */
  onUser: (user: SignedInUser | undefined) => void;
  view: ViewOptions;
}

type PageView = 'signed-out' | 'not-admin' | 'reports';

/** Shows the dashboard to an admin, the sign-in prompt or the "admins only" notice to anyone else. */
export async function startDashboard(deps: DashboardDeps): Promise<void> {
  const { document: doc, api, view: options } = deps;
  const byId = (id: string): HTMLElement => {
    const element = doc.getElementById(id);
    if (element === null) throw new Error(`#${id} is missing from the page`);
    return element;
  };
  const views: Record<PageView, HTMLElement> = {
    'signed-out': byId('dashboard-signed-out'),
    'not-admin': byId('dashboard-not-admin'),
    reports: byId('dashboard-reports'),
  };
  const refresh = byId('dashboard-refresh') as HTMLButtonElement;
  const sections = new Map(REPORT_NAMES.map((name) => [name, reportSection(doc, name)] as const));
  byId('reports').replaceChildren(...sections.values());

  const show = (view: PageView, user?: SignedInUser): void => {
    for (const [name, element] of Object.entries(views)) element.hidden = name !== view;
    byId('dashboard-email').textContent = user?.email ?? '';
  };

  let user = deps.user;
  const load = async (): Promise<void> => {
    refresh.disabled = true;
    for (const [name, section] of sections) renderReport(section, name, { status: 'loading' }, options);
    let refusal: Refusal | undefined;
    await Promise.all(
      REPORT_NAMES.map(async (name) => {
        const outcome = await api.report(name).then(
          (value) => ({ status: 'fulfilled', value }) as const,
          (reason: unknown) => ({ status: 'rejected', reason }) as const,
        );
        const state = reportState(name, outcome);
        if (state === 'signed-out' || state === 'not-admin') refusal ??= state;
        else renderReport(sections.get(name)!, name, state, options);
      }),
    );
    refresh.disabled = false;
    // The token said admin and the API did not agree (a session that ended, a group left since): the API decides.
    if (refusal !== undefined) show(refusal, user);
  };

  if (user !== undefined && !isAdmin(user)) {
    // No fresh tokens (offline, or the session ended elsewhere): the groups of the tokens at hand still say no.
    user = (await deps.refreshUser()) ?? user;
    deps.onUser(user);
  }
  if (user === undefined) return show('signed-out');
  if (!isAdmin(user)) return show('not-admin', user);
  const zone = new Intl.DateTimeFormat(options.locale, options.timeZone === undefined ? {} : { timeZone: options.timeZone }).resolvedOptions().timeZone;
  byId('dashboard-time-note').textContent =
    `Times are in your time zone (${zone}). Days are UTC days: each report counts events by the UTC day the blog received them.`;
  show('reports');
  refresh.addEventListener('click', () => void load());
  await load();
}
