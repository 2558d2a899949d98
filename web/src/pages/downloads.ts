/** Downloads: the releases' channels and versions, verified before they are shown (../downloads.ts, ../downloads-view.ts). */
import { boot, byId } from '../boot';
import { loadDownloads } from '../downloads';
import { renderDownloads } from '../downloads-view';

const container = byId('downloads');
renderDownloads(container, { status: 'loading' });
const page = await boot();
if (page === undefined) {
  // boot() has said the site is not set up; there is nothing to load.
  container.replaceChildren();
  container.setAttribute('aria-busy', 'false');
} else {
  const { releases, siteUrl } = page.config;
  // no-cache: revalidate the pointers (a minute of max-age on the edge), so a new release shows on the next visit.
  const state = await loadDownloads({ releases, siteUrl, fetch: (url) => fetch(url, { cache: 'no-cache' }) });
  renderDownloads(container, state);
}
