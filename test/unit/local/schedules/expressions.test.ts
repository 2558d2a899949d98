/**
 * Schedule expressions as EventBridge reads them ("Schedule expressions for rules", Amazon EventBridge User Guide):
 * the guide's own examples, and what it refuses. Times in UTC; 2026-03-04 is a Wednesday.
 */
import { cronSchedule, parseScheduleExpression, rateSchedule } from '../../../../scripts/local/schedules/expressions';

const AFTER = new Date('2026-03-04T10:07:30Z');
const runs = (expression: string, after = AFTER, count = 3): string[] => {
  const schedule = cronSchedule(expression);
  const found: string[] = [];
  let at: Date | undefined = after;
  while (found.length < count && (at = schedule.next(at))) found.push(at.toISOString());
  return found;
};

describe('cron expressions: the examples of the guide', () => {
  it.each([
    ['cron(0 10 * * ? *)', 'at 10:00 am every day', ['2026-03-05T10:00:00.000Z', '2026-03-06T10:00:00.000Z', '2026-03-07T10:00:00.000Z']],
    ['cron(15 12 * * ? *)', 'at 12:15 pm every day', ['2026-03-04T12:15:00.000Z', '2026-03-05T12:15:00.000Z', '2026-03-06T12:15:00.000Z']],
    ['cron(0 18 ? * MON-FRI *)', 'at 6:00 pm Monday through Friday', ['2026-03-04T18:00:00.000Z', '2026-03-05T18:00:00.000Z', '2026-03-06T18:00:00.000Z']],
    ['cron(0 8 1 * ? *)', 'at 8:00 am on the first day of the month', ['2026-04-01T08:00:00.000Z', '2026-05-01T08:00:00.000Z', '2026-06-01T08:00:00.000Z']],
    ['cron(0/15 * * * ? *)', 'every 15 minutes', ['2026-03-04T10:15:00.000Z', '2026-03-04T10:30:00.000Z', '2026-03-04T10:45:00.000Z']],
    ['cron(0/10 * ? * MON-FRI *)', 'every 10 minutes Monday through Friday', ['2026-03-04T10:10:00.000Z', '2026-03-04T10:20:00.000Z', '2026-03-04T10:30:00.000Z']],
    ['cron(0 9 ? * 2#1 *)', 'at 9:00 am on the first Monday of each month', ['2026-04-06T09:00:00.000Z', '2026-05-04T09:00:00.000Z', '2026-06-01T09:00:00.000Z']],
  ])('%s runs %s', (expression, _, expected) => {
    expect(runs(expression)).toEqual(expected);
  });

  it('runs every 5 minutes between 8:00 am and 5:55 pm on weekdays: from Friday evening to Monday morning (cron(0/5 8-17 ? * MON-FRI *))', () => {
    expect(runs('cron(0/5 8-17 ? * MON-FRI *)', new Date('2026-03-06T17:56:00Z'))).toEqual(['2026-03-09T08:00:00.000Z', '2026-03-09T08:05:00.000Z', '2026-03-09T08:10:00.000Z']);
  });

  it.each([
    ['cron(0 12 L * ? *)', 'the last day of the month', new Date('2027-02-01T00:00:00Z'), ['2027-02-28T12:00:00.000Z', '2027-03-31T12:00:00.000Z']],
    ['cron(0 12 15W * ? *)', 'the weekday nearest the 15th (a Sunday in March 2026)', AFTER, ['2026-03-16T12:00:00.000Z', '2026-04-15T12:00:00.000Z']],
    ['cron(0 12 ? * 6L *)', 'the last Friday of the month', AFTER, ['2026-03-27T12:00:00.000Z', '2026-04-24T12:00:00.000Z']],
    ['cron(0 12 ? * 1 *)', 'Sundays (1 is Sunday)', AFTER, ['2026-03-08T12:00:00.000Z', '2026-03-15T12:00:00.000Z']],
    ['cron(0 0 1 JAN-MAR ? *)', 'the first of January to March, by name', AFTER, ['2027-01-01T00:00:00.000Z', '2027-02-01T00:00:00.000Z']],
    ['cron(30 23 31 12 ? 2026)', 'once, in its year', AFTER, ['2026-12-31T23:30:00.000Z']],
  ])('%s runs on %s', (expression, _, after, expected) => {
    expect(runs(expression, after, 2)).toEqual(expected);
  });

  it('has no run left once its last year has passed', () => {
    expect(cronSchedule('cron(0 0 1 1 ? 2026)').next(AFTER)).toBeUndefined();
  });

  it('is strictly after the time it is asked from', () => {
    expect(cronSchedule('cron(0 10 * * ? *)').next(new Date('2026-03-04T10:00:00Z'))?.toISOString()).toBe('2026-03-05T10:00:00.000Z');
  });
});

describe('what EventBridge refuses', () => {
  it.each([
    ['cron(0 10 * * * *)', /one of day-of-month and day-of-week must be \?/],
    ['cron(0 10 ? * ? *)', /one of day-of-month and day-of-week must be \?/],
    ['cron(0 10 * * ?)', /six fields|minutes hours day-of-month month day-of-week year/],
    ['cron(0 10 * * ? * *)', /minutes hours day-of-month month day-of-week year/],
    ['cron(60 10 * * ? *)', /minutes "60"/],
    ['cron(0 24 * * ? *)', /hours "24"/],
    ['cron(0 10 32 * ? *)', /day-of-month "32"/],
    ['cron(0 10 * 13 ? *)', /month "13"/],
    ['cron(0 10 ? * 0 *)', /day-of-week "0"/],
    ['cron(0 10 ? * 8 *)', /day-of-week "8"/],
    ['cron(0 10 * * ? 2200)', /year "2200"/],
    ['cron(0 10 * * ? 1969)', /year "1969"/],
    ['cron(x 10 * * ? *)', /minutes "x"/],
    ['cron(0/0 10 * * ? *)', /step/],
    ['cron(? 10 * * ? *)', /\? is only for day-of-month or day-of-week/],
    ['cron(0 10 L * L *)', /one of day-of-month and day-of-week must be \?/],
    ['cron(0 10 ? * 2#6 *)', /day-of-week "2#6"/],
  ])('%s', (expression, message) => {
    expect(() => cronSchedule(expression)).toThrow(message);
  });

  it.each(['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(-1 minutes)', 'rate(5 seconds)', 'rate(1.5 hours)', 'rate(5  minutes)'])('%s', (expression) => {
    expect(() => rateSchedule(expression, AFTER)).toThrow(/not a valid rate expression/);
  });

  it('refuses what is neither', () => {
    expect(() => parseScheduleExpression('at(2026-03-04T10:00:00)', AFTER)).toThrow(/rate\(...\) or cron\(...\)/);
  });
});

describe('rate expressions', () => {
  it('run one period after the rule is made, then every period ("rate(5 minutes)", "rate(1 hour)", "rate(7 days)")', () => {
    const fiveMinutes = rateSchedule('rate(5 minutes)', AFTER);
    expect(fiveMinutes.next(AFTER)!.toISOString()).toBe('2026-03-04T10:12:30.000Z');
    expect(fiveMinutes.next(new Date('2026-03-04T10:12:30Z'))!.toISOString()).toBe('2026-03-04T10:17:30.000Z');
    expect(fiveMinutes.next(new Date('2026-03-04T10:14:00Z'))!.toISOString()).toBe('2026-03-04T10:17:30.000Z');
    expect(rateSchedule('rate(1 hour)', AFTER).next(AFTER)!.toISOString()).toBe('2026-03-04T11:07:30.000Z');
    expect(rateSchedule('rate(7 days)', AFTER).next(AFTER)!.toISOString()).toBe('2026-03-11T10:07:30.000Z');
  });
});
