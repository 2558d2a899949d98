/**
 * Premium content: each item on the page names its object key; the API checks the caller's plan and returns a
 * short-lived CloudFront signed URL for it. The API decides who may see what, so the page always asks: a signed-out
 * visitor gets the API's 401, a free account its 403 not_premium, each shown as a sentence.
 */
import { boot, byId, say } from '../boot';
import { ApiError, describeApiError } from '../messages';

const page = await boot();
const status = byId('premium-status');
const items = [...document.querySelectorAll<HTMLElement>('[data-premium-key]')];

function mediaOf(item: HTMLElement): HTMLImageElement | HTMLVideoElement {
  const media = item.querySelector<HTMLImageElement | HTMLVideoElement>('img, video');
  if (media === null) throw new Error('A premium item needs an img or a video');
  return media;
}

async function unlock(): Promise<void> {
  if (page === undefined) return;
  say(status, 'Checking your plan…');
  try {
    const urls = await Promise.all(items.map((item) => page.api.premiumUrl(item.dataset.premiumKey!)));
    items.forEach((item, i) => {
      const media = mediaOf(item);
      media.src = urls[i]!.url;
      item.hidden = false;
      // Opened: the member now sees the photo or can play the video.
      page.analytics?.track('premium_open', { path: location.pathname, target: item.dataset.premiumKey });
    });
    const until = new Date(Math.min(...urls.map((u) => Date.parse(u.expiresAt))));
    say(status, `Welcome, premium member. These links work until ${until.toLocaleTimeString()}.`, 'success');
  } catch (error) {
    for (const item of items) item.hidden = true;
    say(status, error instanceof ApiError ? describeApiError(error, 'premium') : String(error), 'error');
  }
}

byId('premium-refresh').addEventListener('click', () => void unlock());
await unlock();
