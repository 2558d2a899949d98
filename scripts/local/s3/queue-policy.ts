/**
 * Whether a queue's policy lets S3 send it a bucket's notifications. S3 checks this when a notification configuration
 * names the queue and refuses the configuration otherwise ("Unable to validate the following destination
 * configurations"; "Granting permissions to publish event notification messages to a destination", Amazon S3 User
 * Guide): the queue's AWS::SQS::QueuePolicy must allow `sqs:SendMessage` to the service principal s3.amazonaws.com,
 * under its conditions on the bucket (`aws:SourceArn`) and account (`aws:SourceAccount`), and no statement may deny it.
 *
 * The policy is evaluated for that one request ("Policy evaluation logic", IAM User Guide): principal, action,
 * resource, and the condition operators and keys such a policy uses; a condition it cannot decide stops the stack.
 */
import { LOCAL_ACCOUNT_ID } from '../ports';
import { resourcesOfType, type ServiceConfig } from '../service-config';
import { refOf, resolve, type Lookup } from '../common/intrinsics';

interface Statement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** IAM's wildcards: `*` any run of characters, `?` one character. */
const wildcard = (pattern: string, value: string, ignoreCase = false): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'i' : '').test(value);

const OPERATORS: Record<string, (expected: string, actual: string) => boolean> = {
  StringEquals: (expected, actual) => expected === actual,
  StringLike: (expected, actual) => wildcard(expected, actual),
  ArnEquals: (expected, actual) => expected === actual,
  ArnLike: (expected, actual) => wildcard(expected, actual),
  Bool: (expected, actual) => expected.toLowerCase() === actual,
};

function principalIsS3(principal: unknown): boolean {
  if (principal === '*') return true;
  const { Service, AWS } = (principal ?? {}) as { Service?: unknown; AWS?: unknown };
  return list(Service).includes('s3.amazonaws.com') || list(AWS).includes('*');
}

export function s3MaySendTo(
  config: ServiceConfig,
  queue: { logicalId: string; arn: string },
  bucket: { name: string; arn: string },
  lookup: Lookup,
): boolean {
  // What S3's SendMessage carries: it comes over TLS, from the bucket, in the bucket owner's account.
  const context: Record<string, string> = { 'aws:sourcearn': bucket.arn, 'aws:sourceaccount': LOCAL_ACCOUNT_ID, 'aws:securetransport': 'true' };
  const applies = (statement: Statement, where: string): boolean => {
    if (!principalIsS3(statement.Principal)) return false;
    if (!list(statement.Action).some((action) => typeof action === 'string' && wildcard(action, 'sqs:SendMessage', true))) return false;
    const resources = list(statement.Resource).map((value) => resolve(value, lookup));
    if (resources.length > 0 && !resources.some((resource) => wildcard(resource, queue.arn))) return false;
    return Object.entries(statement.Condition ?? {}).every(([operator, keys]) => {
      const test = OPERATORS[operator];
      if (!test) throw new Error(`${where}: condition operator ${operator} cannot be decided locally`);
      return Object.entries(keys).every(([key, expected]) => {
        const actual = context[key.toLowerCase()];
        if (actual === undefined) throw new Error(`${where}: condition key ${key} cannot be decided locally`);
        return list(expected).some((value) => test(resolve(value, lookup), actual));
      });
    });
  };

  let allowed = false;
  for (const [policyId, policy] of resourcesOfType(config, 'AWS::SQS::QueuePolicy')) {
    const queues = list(policy.Properties?.Queues).map((value) => refOf(value));
    if (!queues.includes(queue.logicalId)) continue;
    const document = (policy.Properties?.PolicyDocument ?? {}) as { Statement?: unknown };
    for (const statement of list(document.Statement) as Statement[]) {
      if (!applies(statement, policyId)) continue;
      if (statement.Effect === 'Deny') return false;
      if (statement.Effect === 'Allow') allowed = true;
    }
  }
  return allowed;
}
