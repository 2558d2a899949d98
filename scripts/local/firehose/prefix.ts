/**
 * S3 prefixes with expressions, as Firehose evaluates them ("Understand custom prefixes for Amazon S3 objects" and
 * "Configure Amazon S3 object name format", Amazon Data Firehose Developer Guide): `!{namespace:value}` with the
 * namespaces `timestamp` (a Java DateTimeFormatter pattern over the approximate arrival time of the oldest record of
 * the object, UTC), `firehose` (`error-output-type`, `random-string`) and `partitionKeyFromLambda` (dynamic
 * partitioning keys the processing function returned). Without a prefix Firehose uses `yyyy/MM/dd/HH/`; an error
 * prefix left out puts errors under `<error-output-type>/yyyy/MM/dd/HH/`.
 *
 * The rules Firehose checks when the stream is created are checked when the local stack starts: partition keys only
 * in the prefix and only with dynamic partitioning, which then needs an error prefix; `error-output-type` only in the
 * error prefix. `partitionKeyFromQuery` (jq) and pattern letters beyond y M d H m s are not done locally and refused.
 */
import { randomBytes } from 'node:crypto';

type Token =
  | { kind: 'text'; text: string }
  | { kind: 'timestamp'; pattern: TimeToken[] }
  | { kind: 'error-output-type' }
  | { kind: 'random-string' }
  | { kind: 'partition-key'; key: string };

type TimeToken = { text: string } | { field: 'y' | 'M' | 'd' | 'H' | 'm' | 's'; width: number };

export interface Prefix {
  source: string;
  tokens: Token[];
  /** The partition keys it names, in order (dynamic partitioning). */
  partitionKeys: string[];
}

/** A Java DateTimeFormatter pattern, for the letters a prefix needs; `Y` (week-based year) and others refuse. */
function parseTimePattern(pattern: string, where: string): TimeToken[] {
  const tokens: TimeToken[] = [];
  for (let i = 0; i < pattern.length; ) {
    const char = pattern[i]!;
    if (char === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new Error(`${where}: unterminated quote in !{timestamp:${pattern}}`);
      tokens.push({ text: end === i + 1 ? "'" : pattern.slice(i + 1, end) });
      i = end + 1;
    } else if (/[A-Za-z]/.test(char)) {
      let width = 1;
      while (pattern[i + width] === char) width += 1;
      if (!'yMdHms'.includes(char) || (char === 'y' && width !== 2 && width !== 4) || (char !== 'y' && width > 2)) {
        throw new Error(`${where}: the local Firehose cannot evaluate "${char.repeat(width)}" in !{timestamp:${pattern}}`);
      }
      tokens.push({ field: char as 'y' | 'M' | 'd' | 'H' | 'm' | 's', width });
      i += width;
    } else {
      tokens.push({ text: char });
      i += 1;
    }
  }
  return tokens;
}

export type PrefixKind = 'prefix' | 'error-prefix';

/** Parses a prefix of the delivery stream; throws on what Firehose would refuse or the local stack cannot do. */
export function parsePrefix(source: string, kind: PrefixKind, options: { dynamicPartitioning: boolean; where: string }): Prefix {
  const { where } = options;
  const tokens: Token[] = [];
  const partitionKeys: string[] = [];
  let rest = source;
  while (rest.length > 0) {
    const start = rest.indexOf('!{');
    if (start < 0) {
      tokens.push({ kind: 'text', text: rest });
      break;
    }
    if (start > 0) tokens.push({ kind: 'text', text: rest.slice(0, start) });
    const end = rest.indexOf('}', start);
    if (end < 0) throw new Error(`${where}: unterminated expression in ${kind} ${source}`);
    const expression = rest.slice(start + 2, end);
    rest = rest.slice(end + 1);
    const colon = expression.indexOf(':');
    const [namespace, value] = colon < 0 ? [expression, ''] : [expression.slice(0, colon), expression.slice(colon + 1)];
    if (namespace === 'timestamp' && value !== '') {
      tokens.push({ kind: 'timestamp', pattern: parseTimePattern(value, where) });
    } else if (namespace === 'firehose' && value === 'error-output-type') {
      if (kind !== 'error-prefix') throw new Error(`${where}: !{firehose:error-output-type} belongs in the error output prefix only`);
      tokens.push({ kind: 'error-output-type' });
    } else if (namespace === 'firehose' && value === 'random-string') {
      tokens.push({ kind: 'random-string' });
    } else if (namespace === 'partitionKeyFromLambda' && value !== '') {
      if (kind !== 'prefix' || !options.dynamicPartitioning) {
        throw new Error(`${where}: !{partitionKeyFromLambda:${value}} needs dynamic partitioning and belongs in the prefix only`);
      }
      tokens.push({ kind: 'partition-key', key: value });
      partitionKeys.push(value);
    } else {
      throw new Error(`${where}: the local Firehose cannot evaluate !{${expression}} in ${source}`);
    }
  }
  if (kind === 'prefix' && options.dynamicPartitioning && partitionKeys.length === 0) {
    throw new Error(`${where}: with dynamic partitioning the prefix must use a partition key`);
  }
  return { source, tokens, partitionKeys };
}

/** Firehose's prefixes when none is given. */
export const defaultPrefix = (where: string): Prefix => parsePrefix('!{timestamp:yyyy/MM/dd/HH}/', 'prefix', { dynamicPartitioning: false, where });
export const defaultErrorPrefix = (where: string): Prefix =>
  parsePrefix('!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/', 'error-prefix', { dynamicPartitioning: false, where });

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** A time as a parsed pattern formats it (UTC). */
function formatTime(pattern: readonly TimeToken[], ms: number): string {
  const date = new Date(ms);
  const fields = {
    y: date.getUTCFullYear(),
    M: date.getUTCMonth() + 1,
    d: date.getUTCDate(),
    H: date.getUTCHours(),
    m: date.getUTCMinutes(),
    s: date.getUTCSeconds(),
  };
  return pattern
    .map((token) => {
      if ('text' in token) return token.text;
      const value = fields[token.field];
      return token.field === 'y' && token.width === 2 ? pad(value % 100, 2) : pad(value, token.width);
    })
    .join('');
}

/** Evaluates a time pattern (also the object name's suffix). */
export const formatUtc = (pattern: string, ms: number): string => formatTime(parseTimePattern(pattern, pattern), ms);

/** A partition key the prefix needs and the record did not bring: the record cannot be delivered under the prefix. */
export class MissingPartitionKey extends Error {
  constructor(readonly key: string) {
    super(`partition key ${key} is missing or empty`);
    this.name = 'MissingPartitionKey';
  }
}

/** Eleven characters, as `!{firehose:random-string}` gives. */
const randomString = (): string => randomBytes(16).toString('base64url').replace(/[-_]/g, '').slice(0, 11).padEnd(11, '0');

export interface PrefixValues {
  /** Approximate arrival time of the oldest record of the object, epoch ms. */
  oldestArrivalMs: number;
  errorOutputType?: string;
  partitionKeys?: Readonly<Record<string, string>>;
}

/** Evaluates a prefix for one object. Every `!{timestamp:…}` of it is the same instant, as Firehose documents. */
export function evaluatePrefix(prefix: Prefix, values: PrefixValues): string {
  return prefix.tokens
    .map((token) => {
      switch (token.kind) {
        case 'text':
          return token.text;
        case 'timestamp':
          return formatTime(token.pattern, values.oldestArrivalMs);
        case 'error-output-type':
          if (!values.errorOutputType) throw new Error('error-output-type is evaluated for errors only');
          return values.errorOutputType;
        case 'random-string':
          return randomString();
        case 'partition-key': {
          const value = values.partitionKeys?.[token.key];
          if (typeof value !== 'string' || value === '') throw new MissingPartitionKey(token.key);
          return value;
        }
      }
    })
    .join('');
}

/** The partition-key values a record brings for the prefix, or the key it lacks. */
export function partitionOf(prefix: Prefix, keys: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of prefix.partitionKeys) {
    const value = keys?.[key];
    if (typeof value !== 'string' || value === '') throw new MissingPartitionKey(key);
    values[key] = value;
  }
  return values;
}
