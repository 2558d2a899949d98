/**
 * The rules running in time ("Creating a rule that runs on a schedule in Amazon EventBridge"), on Jest's clock, and
 * the scheduler's endpoint (`POST /rules/<name>/trigger`) against a fake Lambda API with Lambda's async retries.
 */
import { startScheduler, type Delivery } from '../../../../scripts/local/schedules/scheduler';
import { scheduleEndpoint } from '../../../../scripts/local/schedules/endpoint';
import type { ScheduleRule } from '../../../../scripts/local/schedules/rules';
import { invokeAsync } from '../../../../scripts/local/common/invoke';
import { listen } from '../../../../scripts/local/common/http-server';
import http from 'node:http';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { startFakeLambda } from '../../../support/fake-lambda';

const rule = (name: string, expression: string, extra: Partial<ScheduleRule> = {}): ScheduleRule => ({
  name,
  arn: `arn:aws:events:us-east-1:000000000000:rule/${name}`,
  expression,
  enabled: true,
  target: { functionKey: 'reports', functionName: 'svc-local-reports', maxRetries: 2 },
  ...extra,
});

describe('startScheduler, in time', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-03-04T10:07:30Z') }));
  afterEach(() => jest.useRealTimers());

  it('sends each enabled rule its Scheduled Event at the times of its expression, with the scheduled time', async () => {
    // Prepare
    const delivered: { rule: string; event: Record<string, unknown>; at: string }[] = [];
    const deliver = async (target: ScheduleRule, event: unknown): Promise<Delivery> => {
      delivered.push({ rule: target.name, event: event as Record<string, unknown>, at: new Date().toISOString() });
      return { succeeded: true, invocations: 1 };
    };
    const scheduler = startScheduler([rule('every-minute', 'rate(1 minute)'), rule('quarterly', 'cron(0/15 * * * ? *)'), rule('off', 'rate(1 minute)', { enabled: false })], deliver);

    // Act
    await jest.advanceTimersByTimeAsync(8 * 60_000);
    await scheduler.stop();

    // Assess
    expect(delivered.filter((d) => d.rule === 'every-minute').map((d) => d.at)).toEqual(
      Array.from({ length: 8 }, (_, n) => new Date(Date.parse('2026-03-04T10:07:30Z') + (n + 1) * 60_000).toISOString()),
    );
    const quarterly = delivered.filter((d) => d.rule === 'quarterly');
    expect(quarterly.map((d) => d.at)).toEqual(['2026-03-04T10:15:00.000Z']);
    expect(quarterly[0]!.event).toMatchObject({ 'detail-type': 'Scheduled Event', source: 'aws.events', time: '2026-03-04T10:15:00Z', resources: [rule('quarterly', '').arn] });
    expect(delivered.some((d) => d.rule === 'off')).toBe(false);
  });

  it('waits for a run weeks away in steps (past the longest timer) and lists each rule with its next run', async () => {
    // Prepare
    const delivered: string[] = [];
    const scheduler = startScheduler([rule('new-year', 'cron(0 0 1 1 ? *)'), rule('off', 'rate(1 day)', { enabled: false })], async () => {
      delivered.push(new Date().toISOString());
      return { succeeded: true, invocations: 1 };
    });

    // Act
    const listed = scheduler.rules();
    await jest.advanceTimersByTimeAsync(Date.parse('2027-01-01T00:00:00Z') - Date.now() + 1000);
    await scheduler.stop();

    // Assess
    expect(listed).toEqual([
      { name: 'new-year', arn: rule('new-year', '').arn, expression: 'cron(0 0 1 1 ? *)', enabled: true, function: 'svc-local-reports', next: '2027-01-01T00:00:00.000Z' },
      { name: 'off', arn: rule('off', '').arn, expression: 'rate(1 day)', enabled: false, function: 'svc-local-reports' },
    ]);
    expect(delivered).toEqual(['2027-01-01T00:00:00.000Z']);
  });

  it('refuses to start with an expression EventBridge would refuse', () => {
    expect(() => startScheduler([rule('bad', 'rate(1 minutes)')], async () => ({ succeeded: true, invocations: 1 }))).toThrow(/not a valid rate expression/);
  });
});

describe('the scheduler endpoint: run a rule now', () => {
  it('invokes the function asynchronously now and answers how it ended; 404 and 409 for an unknown or disabled rule', async () => {
    // Prepare
    let fail = false;
    const lambda = await startFakeLambda(() => {
      if (fail) throw new Error('report failed');
    });
    const sqs = { send: async () => ({}) } as unknown as SQSClient;
    const scheduler = startScheduler([rule('reports', 'rate(1 day)'), rule('off', 'rate(1 day)', { enabled: false })], (target, event) =>
      invokeAsync(target.target, event, { lambda: lambda.client, sqs, retryDelayMs: () => 10 }),
    );
    const server = await listen(http.createServer(scheduleEndpoint(scheduler)), '127.0.0.1', 0);
    const post = async (path: string) => {
      const response = await fetch(`${server.url}${path}`, { method: 'POST' });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };

    try {
      // Act
      const ok = await post('/rules/reports/trigger');
      fail = true;
      const failed = await post('/rules/reports/trigger');
      const unknown = await post('/rules/nope/trigger');
      const disabled = await post('/rules/off/trigger');
      const listed = (await (await fetch(`${server.url}/rules`)).json()) as { rules: { name: string; next?: string }[] };

      // Assess
      expect(ok).toEqual({ status: 200, body: { rule: 'reports', succeeded: true, invocations: 1 } });
      expect(failed).toEqual({ status: 200, body: { rule: 'reports', succeeded: false, invocations: 3 } });
      expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'rule_not_found' } } });
      expect(disabled).toMatchObject({ status: 409, body: { error: { code: 'rule_disabled' } } });
      expect(lambda.invocations[0]).toMatchObject({ functionName: 'svc-local-reports', event: { 'detail-type': 'Scheduled Event', resources: [rule('reports', '').arn] } });
      expect(listed.rules.map((r) => r.name)).toEqual(['reports', 'off']);
    } finally {
      await scheduler.stop();
      await server.close();
      await lambda.close();
    }
  });
});
