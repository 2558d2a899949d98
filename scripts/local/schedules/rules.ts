/**
 * The schedule rules of serverless.yml (the framework's `schedule` event, compiled to an AWS::Events::Rule with the
 * function as its target): one rule per expression, named as the rule's Name property or, without one, as its
 * logical id `<Function>EventsRuleSchedule<n>` in the stack (CloudFormation adds a random suffix that cannot be known
 * here). The target gets the EventBridge event ("Amazon EventBridge events", Scheduled Event) or the event's constant
 * `input`. The framework's `scheduler` method (EventBridge Scheduler), inputPath and inputTransformer are not
 * emulated and stop the stack.
 */
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../ports';
import type { ServiceConfig } from '../service-config';
import { functionLogicalId } from '../common/intrinsics';
import { asyncTarget, type AsyncTarget } from '../common/invoke';

export interface ScheduleRule {
  name: string;
  arn: string;
  expression: string;
  enabled: boolean;
  /** What the target gets instead of the Scheduled Event, when the event sets `input`. */
  input?: unknown;
  target: AsyncTarget;
}

export function scheduleRules(config: ServiceConfig, queues: ReadonlyMap<string, { url: string }>): ScheduleRule[] {
  const rules: ScheduleRule[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions)) {
    let number = 0;
    for (const event of fn.events ?? []) {
      const declared = (event as { schedule?: unknown }).schedule;
      if (declared === undefined) continue;
      const where = `${functionKey}: schedule event`;
      const schedule = (typeof declared === 'string' ? { rate: [declared] } : declared) as Record<string, unknown>;
      for (const option of ['inputPath', 'inputTransformer', 'timezone', 'groupName']) {
        if (schedule[option] !== undefined) throw new Error(`${where}: ${option} is not emulated locally`);
      }
      if (schedule.method !== undefined && schedule.method !== 'eventBus') throw new Error(`${where}: method ${JSON.stringify(schedule.method)} is not emulated locally (only eventBus rules)`);
      const expressions = Array.isArray(schedule.rate) ? (schedule.rate as unknown[]) : [schedule.rate];
      let input: unknown;
      if (schedule.input !== undefined) {
        try {
          input = typeof schedule.input === 'string' ? (JSON.parse(schedule.input) as unknown) : schedule.input;
        } catch {
          throw new Error(`${where}: input must be JSON`);
        }
      }
      for (const expression of expressions) {
        number += 1;
        if (typeof expression !== 'string') throw new Error(`${where}: the rate ${JSON.stringify(expression)} is not a string the local stack can read`);
        const logicalId = `${functionLogicalId(functionKey).replace(/LambdaFunction$/, '')}EventsRuleSchedule${number}`;
        const name = typeof schedule.name === 'string' ? schedule.name : `${config.service}-${config.provider.stage}-${logicalId}`;
        rules.push({
          name,
          arn: `arn:aws:events:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:rule/${name}`,
          expression,
          enabled: schedule.enabled !== false,
          ...(input === undefined ? {} : { input }),
          target: asyncTarget(config, functionKey, queues),
        });
      }
    }
  }
  return rules;
}

/** The event a rule's target gets at `time` ("Amazon EventBridge events": a Scheduled Event has an empty detail). */
export function scheduledEvent(rule: Pick<ScheduleRule, 'arn'>, time: Date, id: string): Record<string, unknown> {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: LOCAL_ACCOUNT_ID,
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [rule.arn],
    detail: {},
  };
}
