/**
 * Which behaviour a request goes to, and what it asks for: the request target and its path as CloudFront normalises
 * it, path patterns ("Cache behavior settings, Path pattern", distribution-web-values-specify.md) and byte ranges
 * ("Use range GETs", RangeGETs.md).
 */
import type { EdgeBehaviour, EdgeDefinition } from './definition';
import type { ByteRange } from './origin';


/**
 * CloudFront path-pattern semantics: case-sensitive, `*` matches 0 or more characters (`/` included, so
 * `images/*.jpg` covers subdirectories), `?` exactly one, and a leading `/` on either side makes no difference.
 */
export function matchesPathPattern(pattern: string, path: string): boolean {
  const source = Array.from(pattern.replace(/^\//, ''), (c) =>
    c === '*' ? '[\\s\\S]*' : c === '?' ? '[\\s\\S]' : c.replace(/[\\^$.|+()[\]{}]/, '\\$&')).join('');
  return new RegExp(`^${source}$`).test(path.replace(/^\//, ''));
}

/** The first behaviour, in template order, whose pattern matches; the default behaviour is always tried last. */
export function selectBehaviour(definition: EdgeDefinition, path: string): EdgeBehaviour {
  return definition.behaviours.find((b) => matchesPathPattern(b.pathPattern, path)) ?? definition.defaultBehaviour;
}

export interface Target {
  rawPath: string;
  /** Percent-decoded: the S3 key is this without its leading slash, and behaviours are matched against it too, so
   * an encoded spelling (`/%70remium/…`) cannot reach an object past the behaviour that guards it. */
  path: string;
  query: URLSearchParams;
}

/**
 * The request target, or undefined for one the edge refuses with 400: not a path (absolute-form, `*`, CONNECT's
 * authority-form), malformed percent-encoding, or a dot segment. CloudFront "normalizes URI paths consistent with
 * RFC 3986 and then matches the path with the correct cache behavior. Once the cache behavior is matched, CloudFront
 * sends the raw URI path to the origin" (Cache behavior settings, Path pattern): with a dot segment the behaviour (and
 * its signature check) and the key would disagree, and the local S3 resolves dot segments as file paths. Neither can be
 * reproduced faithfully, so the edge refuses them rather than serve another key.
 */
export function parseTarget(url: string): Target | undefined {
  if (!url.startsWith('/')) return undefined;
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined; // malformed percent-encoding
  }
  if (path.split('/').some((segment) => segment === '.' || segment === '..')) return undefined;
  return { rawPath, path, query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)) };
}

/**
 * One range, or none. CloudFront answers 200 with the whole object when a Range header is malformed (RangeGETs.md);
 * several ranges also get the whole object here, since S3 serves one range per GET.
 */
export function parseRange(header: string | undefined): ByteRange | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  const [, first = '', last = ''] = match ?? [];
  if (first === '' && last === '') return undefined;
  if (first === '') return { suffix: Number(last) };
  if (last !== '' && Number(last) < Number(first)) return undefined;
  return last === '' ? { start: Number(first) } : { start: Number(first), end: Number(last) };
}
