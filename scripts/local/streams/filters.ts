/**
 * Lambda event filtering, the subset this project can use ("Control which events Lambda sends to your function",
 * Lambda developer guide, Filter rule syntax): values, prefix, exists and anything-but; any other operator refuses to
 * start rather than deliver more than AWS would.
 */
import type { DynamoDBRecord } from 'aws-lambda';

export type FilterPattern = { [key: string]: FilterPattern | FilterValue[] };
export type FilterValue = string | number | boolean | null | Record<string, unknown>;


const SUPPORTED_OPERATORS = new Set(['prefix', 'exists', 'anything-but']);

export function assertSupportedPattern(pattern: FilterPattern): void {
  for (const value of Object.values(pattern)) {
    if (!Array.isArray(value)) {
      assertSupportedPattern(value);
      continue;
    }
    for (const choice of value) {
      if (typeof choice === 'object' && choice !== null) {
        const unsupported = Object.keys(choice).filter((operator) => !SUPPORTED_OPERATORS.has(operator));
        if (unsupported.length > 0) {
          throw new Error(`filter operator ${unsupported.join(', ')} is not supported by the local event source mappings`);
        }
      }
    }
  }
}

function matchesChoice(choice: FilterValue, present: boolean, value: unknown): boolean {
  if (typeof choice !== 'object' || choice === null) return present && value === choice;
  if ('exists' in choice) return present === choice.exists;
  if (!present) return false;
  if ('prefix' in choice) return typeof value === 'string' && value.startsWith(String(choice.prefix));
  if ('anything-but' in choice) {
    const excluded = Array.isArray(choice['anything-but']) ? choice['anything-but'] : [choice['anything-but']];
    return !excluded.includes(value);
  }
  return false;
}

/** An object pattern matches when every key matches (AND); an array of choices when any matches (OR). */
export function matchesPattern(pattern: FilterPattern, subject: unknown): boolean {
  const object = (typeof subject === 'object' && subject !== null ? subject : {}) as Record<string, unknown>;
  return Object.entries(pattern).every(([key, expected]) => {
    const present = key in object;
    if (Array.isArray(expected)) return expected.some((choice) => matchesChoice(choice, present, object[key]));
    // An absent key is an empty object below: only `exists: false` leaves can match in it.
    return matchesPattern(expected, present ? object[key] : {});
  });
}

/** With patterns, a record goes to the function when any pattern matches; the others are skipped for good. */
export const passesFilters = (patterns: FilterPattern[], record: DynamoDBRecord): boolean =>
  patterns.length === 0 || patterns.some((pattern) => matchesPattern(pattern, record));
