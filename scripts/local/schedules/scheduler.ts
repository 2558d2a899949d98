/**
 * The schedule rules running: each enabled rule sends its target the Scheduled Event at the times of its expression,
 * in real time ("Creating a rule that runs on a schedule in Amazon EventBridge"). A run that was missed (the machine
 * slept) is not made up for; the rule goes on from its next time, as EventBridge does not replay a schedule. The
 * delivery itself (Lambda's asynchronous invocation, its retries and on-failure destination) is the caller's.
 *
 * `trigger` runs a rule now, for tests and developers: there is no such operation on AWS (EventBridge has no "run
 * rule now"), so it is what would happen if now were one of the rule's times — a disabled rule refuses it.
 */
import { randomUUID } from 'node:crypto';
import { parseScheduleExpression } from './expressions';
import { scheduledEvent, type ScheduleRule } from './rules';

export type Delivery = { succeeded: boolean; invocations: number };

export interface RuleInfo {
  name: string;
  arn: string;
  expression: string;
  enabled: boolean;
  function: string;
  /** The next scheduled run, ISO 8601; absent for a disabled rule or one with no run left. */
  next?: string;
}

export interface Scheduler {
  rules(): RuleInfo[];
  /** Runs an enabled rule now; resolves with how the delivery ended. Undefined: no such enabled rule. */
  trigger(name: string): Promise<Delivery> | undefined;
  stop(): Promise<void>;
}

/** setTimeout's longest wait (about 24.8 days); a later run is waited for in steps. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export function startScheduler(
  rules: readonly ScheduleRule[],
  deliver: (rule: ScheduleRule, event: unknown) => Promise<Delivery>,
  log: (message: string) => void = () => undefined,
): Scheduler {
  const started = new Date();
  const running = rules.map((rule) => ({ rule, schedule: parseScheduleExpression(rule.expression, started), next: undefined as Date | undefined, timer: undefined as NodeJS.Timeout | undefined }));
  const pending = new Set<Promise<unknown>>();
  let stopped = false;

  const fire = (rule: ScheduleRule, time: Date): Promise<Delivery> => {
    const event = rule.input ?? scheduledEvent(rule, time, randomUUID());
    const delivery = deliver(rule, event).then(
      (result) => {
        log(`${rule.name} (${time.toISOString()}) → ${rule.target.functionName}: ${result.succeeded ? 'succeeded' : 'failed'} after ${result.invocations} invocation(s)`);
        return result;
      },
      (error: unknown) => {
        log(`${rule.name} (${time.toISOString()}) → ${rule.target.functionName}: ${String(error)}`);
        return { succeeded: false, invocations: 0 };
      },
    );
    const tracked = delivery.finally(() => pending.delete(tracked));
    pending.add(tracked);
    return delivery;
  };

  const arm = (entry: (typeof running)[number]) => {
    if (stopped || !entry.next) return;
    const wait = Math.min(Math.max(0, entry.next.getTime() - Date.now()), LONGEST_TIMER_MS);
    entry.timer = setTimeout(() => {
      const due = entry.next;
      if (!due) return;
      if (Date.now() >= due.getTime()) {
        void fire(entry.rule, due);
        entry.next = entry.schedule.next(new Date(Math.max(Date.now(), due.getTime())));
      }
      arm(entry);
    }, wait);
  };

  for (const entry of running) {
    if (!entry.rule.enabled) continue;
    entry.next = entry.schedule.next(started);
    log(`${entry.rule.name}: ${entry.rule.expression} → ${entry.rule.target.functionName}, next ${entry.next?.toISOString() ?? 'never'}`);
    arm(entry);
  }

  return {
    rules: () =>
      running.map(({ rule, next }) => ({
        name: rule.name,
        arn: rule.arn,
        expression: rule.expression,
        enabled: rule.enabled,
        function: rule.target.functionName,
        ...(rule.enabled && next ? { next: next.toISOString() } : {}),
      })),
    trigger: (name) => {
      const entry = running.find(({ rule }) => rule.name === name && rule.enabled);
      return entry && !stopped ? fire(entry.rule, new Date()) : undefined;
    },
    async stop() {
      stopped = true;
      for (const entry of running) clearTimeout(entry.timer);
      await Promise.all([...pending]);
    },
  };
}
