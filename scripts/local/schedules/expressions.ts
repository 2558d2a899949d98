/**
 * EventBridge schedule expressions ("Schedule expressions for rules", Amazon EventBridge User Guide), in UTC:
 * - `rate(value unit)`: a positive whole value; unit minute(s), hour(s) or day(s), singular for 1 and plural above
 *   (`rate(1 minutes)` and `rate(5 minute)` are refused). The first run is one period after the rule is made.
 * - `cron(minutes hours day-of-month month day-of-week year)`: six fields; `, - * /` everywhere, `?` in one of the day
 *   fields (one must be `?`: "You can't specify the Day-of-month and Day-of-week fields in the same cron expression"),
 *   `L` and `W` in day-of-month, `L` and `#` in day-of-week; months 1–12 or JAN–DEC, weekdays 1–7 or SUN–SAT (1 is
 *   Sunday), years 1970–2199.
 * What EventBridge would refuse is refused here, with the field. The next run of a valid cron expression comes from
 * croner (its 7-part mode with Quartz weekdays is this syntax with a seconds field in front), which
 * aws-cron-parser does not do safely: it accepts what EventBridge refuses (a letter where a number goes, both day
 * fields set, a missing field).
 */
import { Cron } from 'croner';

export interface Schedule {
  expression: string;
  /** The first run strictly after `after`; undefined when there is none (a cron's last year has passed). */
  next(after: Date): Date | undefined;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** A rate expression's runs: every period from `start` (when the rule was made) on. */
export function rateSchedule(expression: string, start: Date): Schedule {
  const match = RATE.exec(expression);
  const value = Number(match?.[1]);
  const unit = match?.[2] ?? '';
  if (!match || !Number.isSafeInteger(value) || value < 1 || (value === 1) !== !unit.endsWith('s')) {
    throw new Error(`${expression} is not a valid rate expression: rate(1 minute|hour|day) or rate(<n> minutes|hours|days) for n above 1`);
  }
  const period = value * UNIT_MS[unit.replace(/s$/, '')]!;
  return {
    expression,
    next: (after) => new Date(start.getTime() + (Math.floor((after.getTime() - start.getTime()) / period) + 1) * period),
  };
}

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** What else a part of this field may be, besides numbers, ranges, steps and `*`. */
  special?: RegExp;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;
const FIELDS: readonly Field[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  // L: the last day of the month; nW: the weekday nearest day n; LW: the last weekday of the month.
  { name: 'day-of-month', min: 1, max: 31, special: /^(L|LW|([1-9]|[12]\d|3[01])W)$/ },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // nL: the last weekday n of the month; n#k: the k-th weekday n of the month.
  { name: 'day-of-week', min: 1, max: 7, names: WEEKDAYS, special: /^(L|[1-7]L|[1-7]#[1-5])$/ },
  { name: 'year', min: 1970, max: 2199 },
];

/** A value of a field as a number (a name is its position, from 1), or undefined when it is neither. */
function valueOf(text: string, field: Field): number | undefined {
  const named = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) return undefined;
  const number = Number(text);
  return number >= field.min && number <= field.max ? number : undefined;
}

/** One field checked part by part; returned as croner reads it (`n/step` spelled `n-max/step`, names as numbers). */
function checkField(text: string, field: Field, expression: string): string {
  const refuse = (why: string): never => {
    throw new Error(`${expression}: ${field.name} "${text}" ${why}`);
  };
  if (text === '?') return '?';
  return text
    .split(',')
    .map((part) => {
      if (field.special?.test(part.toUpperCase())) return part.toUpperCase();
      const [range = '', step, extra] = part.split('/');
      if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) refuse('has a step that is not a positive number');
      if (range === '*') return part;
      const [from = '', to, more] = range.split('-');
      const first = valueOf(from, field);
      const last = to === undefined ? undefined : valueOf(to, field);
      if (more !== undefined || first === undefined || (to !== undefined && last === undefined)) refuse(`is not a value from ${field.min} to ${field.max}`);
      if (step !== undefined) return `${first}-${last ?? field.max}/${step}`;
      return last === undefined ? String(first) : `${first}-${last}`;
    })
    .join(',');
}

/** A cron expression's runs. */
export function cronSchedule(expression: string): Schedule {
  const match = /^cron\((.*)\)$/.exec(expression);
  const fields = match?.[1]?.trim().split(/\s+/) ?? [];
  if (!match || fields.length !== 6) throw new Error(`${expression} is not a valid cron expression: cron(minutes hours day-of-month month day-of-week year)`);
  const checked = fields.map((text, index) => checkField(text, FIELDS[index]!, expression));
  const [, , dayOfMonth, , dayOfWeek] = checked;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw new Error(`${expression}: one of day-of-month and day-of-week must be ?, and only one`);
  }
  for (const [index, text] of checked.entries()) {
    if (text === '?' && index !== 2 && index !== 4) throw new Error(`${expression}: ? is only for day-of-month or day-of-week`);
  }
  let cron: Cron;
  try {
    cron = new Cron(`0 ${checked.join(' ')}`, { mode: '7-part', alternativeWeekdays: true, timezone: 'UTC', paused: true });
  } catch (error) {
    throw new Error(`${expression}: ${(error as Error).message}`, { cause: error });
  }
  return { expression, next: (after) => cron.nextRun(after) ?? undefined };
}

/** A rule's ScheduleExpression; `start` is when the rule was made (rate expressions count from it). */
export function parseScheduleExpression(expression: string, start: Date): Schedule {
  if (expression.startsWith('rate(')) return rateSchedule(expression, start);
  if (expression.startsWith('cron(')) return cronSchedule(expression);
  throw new Error(`${expression} is not a schedule expression: rate(...) or cron(...)`);
}
