/**
 * `npm run redrive` knows every queue of the stack that receives failed work (scripts/redrive/queues.ts), and its
 * table says what the template does: a dead-letter queue's source queue names it in its RedrivePolicy, an on-failure
 * queue is its function's asynchronous on-failure destination.
 */
import { functionLogicalId } from '../../scripts/local/common/intrinsics';
import { REDRIVE_QUEUES, type RedriveQueue } from '../../scripts/redrive/queues';
import { referencedIds, Template, TEMPLATE_BUILDS, templateFile } from './template';

/** Redriven by `npm run redrive -- welcome`, from the subscribers it stands for (scripts/redrive/welcome.ts). */
const WELCOME = 'WelcomeFailuresQueue';

describe.each(TEMPLATE_BUILDS.map((build) => build.name))('the redrive table against the %s template', (build) => {
  const template = Template.load(templateFile(build));

  const failureQueues = template.failureQueues();

  it('has an entry for every queue that receives failures', () => {
    const known = new Set([...Object.keys(REDRIVE_QUEUES), WELCOME]);
    const missing = [...failureQueues.keys()].filter((queue) => !known.has(queue));
    expect(missing).toEqual([]);
  });

  it.each(Object.entries(REDRIVE_QUEUES) as [string, RedriveQueue][])('says what the template does of %s', (name, entry) => {
    const senders = failureQueues.get(name) ?? [];
    if (entry.kind === 'dead-letter') {
      expect(senders).toEqual([`dead letters of ${entry.source}`]);
    } else {
      const [config] = senders.map((sender) => sender.replace('on-failure destination of ', ''));
      expect(senders).toHaveLength(1);
      expect(template.resource(config!).Type).toBe('AWS::Lambda::EventInvokeConfig');
      expect(referencedIds(template.resource(config!).Properties?.FunctionName)).toContain(functionLogicalId(entry.functionKey));
    }
  });
});
