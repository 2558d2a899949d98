import { NotFoundError } from '../lib/errors';
import type { SubscriberStore } from '../lib/subscribers';
import { UNSUBSCRIBE_TOKEN } from '../subscribe/subscribe';

/** Removes the subscriber the token belongs to; an unknown or malformed token is not found alike (no hint which). */
export async function unsubscribe(token: string | undefined, store: SubscriberStore): Promise<void> {
  if (token === undefined || !UNSUBSCRIBE_TOKEN.test(token) || !(await store.removeByToken(token))) {
    throw new NotFoundError('subscription_not_found', 'No subscription with this link');
  }
}

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
  `<meta name="robots" content="noindex"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem">${body}</body></html>`;

/**
 * What the link in the mail opens. A GET changes nothing: mail scanners and link previews fetch links, and must not
 * unsubscribe anyone. The button POSTs to the same URL, as a one-click List-Unsubscribe-Post (RFC 8058) does.
 */
export function confirmPage(): string {
  return page(
    'Unsubscribe',
    '<h1>Unsubscribe?</h1><p>You will get no more mail from this blog.</p>' +
      '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">' +
      '<button type="submit">Unsubscribe</button></form>',
  );
}

/** After the POST: the same words whether or not the link was still valid, since the address is off the list. */
export function donePage(): string {
  return page('Unsubscribed', '<h1>You are unsubscribed</h1><p>You will get no more mail from this blog.</p>');
}
