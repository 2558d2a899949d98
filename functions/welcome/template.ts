/**
 * The welcome mail, versioned with the code (a change is reviewed and tested like code, and goes out with the
 * deploy that needs it). Rendered here rather than by an SES template so that escaping is ours and unit-tested.
 */
export const WELCOME_TEMPLATE_VERSION = '1';

export interface WelcomeTemplateData {
  name?: string;
  unsubscribeUrl: string;
  siteUrl: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string): string => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

// eslint-disable-next-line no-control-regex -- a reader's name must not add lines to the subject or the text part
const oneLine = (value: string): string => value.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();

export function renderWelcome(data: WelcomeTemplateData): RenderedEmail {
  const name = data.name === undefined ? undefined : oneLine(data.name);
  const greeting = name ? `Hi ${name},` : 'Hi,';
  const subject = 'Welcome to the blog';
  const text = [
    greeting,
    '',
    'Thanks for subscribing. New posts will come to this address.',
    `Read the blog: ${data.siteUrl}`,
    '',
    `Unsubscribe at any time: ${data.unsubscribeUrl}`,
    '',
  ].join('\n');
  const html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Welcome to the blog</title></head>' +
    '<body style="font-family:system-ui,sans-serif;max-width:36rem">' +
    `<p>${escapeHtml(greeting)}</p>` +
    '<p>Thanks for subscribing. New posts will come to this address.</p>' +
    `<p><a href="${escapeHtml(data.siteUrl)}">Read the blog</a></p>` +
    `<p style="color:#666;font-size:0.9em"><a href="${escapeHtml(data.unsubscribeUrl)}">Unsubscribe</a> at any time.</p>` +
    '</body></html>';
  return { subject, html, text };
}
