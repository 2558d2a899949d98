/**
 * A browser family and a device class from a user agent, and nothing finer (no versions, no OS build, no model): the
 * reports need "which browsers, phones or desktops", and the raw string is never stored.
 *
 * A few rules rather than a parser: the two coarse answers need only the tokens that MDN's "Browser detection using
 * the user agent" names (order matters: Edge and Opera also say Chrome, Chrome also says Safari; "Mobi" for mobile).
 * bowser, the smallest maintained parser, adds ~35 KB to the bundle for the same two answers.
 */
export type BrowserFamily = 'edge' | 'opera' | 'samsung' | 'chrome' | 'firefox' | 'safari' | 'other';
export type DeviceClass = 'desktop' | 'mobile' | 'tablet' | 'other';

const BROWSERS: readonly [BrowserFamily, RegExp][] = [
  ['edge', /\bEdg(?:e|A|iOS)?\//],
  ['opera', /\b(?:OPR|Opera|OPX)\//],
  ['samsung', /\bSamsungBrowser\//],
  ['firefox', /\b(?:Firefox|FxiOS)\//],
  ['chrome', /\b(?:Chrome|Chromium|CriOS)\//],
  ['safari', /\bVersion\/[\d.]+.*\bSafari\//],
];

export function browserFamily(userAgent: string): BrowserFamily {
  return BROWSERS.find(([, pattern]) => pattern.test(userAgent))?.[0] ?? 'other';
}

export function deviceClass(userAgent: string): DeviceClass {
  // iPadOS 13+ says "Macintosh" like a Mac; nothing in the string tells them apart, so such iPads count as desktop.
  if (/\biPad\b|\bTablet\b|\bAndroid\b(?!.*\bMobi)/.test(userAgent)) return 'tablet';
  if (/\bMobi|\biPhone\b|\biPod\b/.test(userAgent)) return 'mobile';
  if (/\b(?:Windows NT|Macintosh|X11|CrOS)\b/.test(userAgent)) return 'desktop';
  return 'other';
}
