/**
 * `npm run plan -- --stage <stage> --email <e> --plan premium [--until <ISO date>]`: the operator's way to change a
 * user's plan, with the same rules as the admin route (functions/plan/plan.ts). `local` writes the UsersTable of
 * `npm start` (LOCAL_PORT_OFFSET moves it); any other stage the table of stack <service>-<stage> (AWS credentials).
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DomainError, NotFoundError } from '../functions/lib/errors';
import { DynamoDbUserStore } from '../functions/lib/users';
import { changePlan, parsePlanChange } from '../functions/plan/plan';
import { HOST, LOCAL_CREDENTIALS, LOCAL_REGION, localPorts } from './local/ports';
import { loadServiceConfig, param } from './local/service-config';

const USAGE = 'Usage: npm run plan -- --stage <stage> --email <email> --plan <free|premium> [--until <ISO date>] [--region <r>]';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function usersTable(stage: string, region: string): Promise<{ client: DynamoDBClient; table: string }> {
  if (stage === 'local') {
    const config = await loadServiceConfig('local');
    const client = new DynamoDBClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: process.env.AWS_ENDPOINT_URL_DYNAMODB ?? `http://${HOST}:${localPorts().dynamodb}`,
    });
    return { client, table: String(param(config, 'usersTable')) };
  }
  const config = await loadServiceConfig(stage);
  const stackName = `${config.service}-${stage}`;
  const { Stacks } = await new CloudFormationClient({ region }).send(new DescribeStacksCommand({ StackName: stackName }));
  const table = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'UsersTableName')?.OutputValue;
  if (!table) throw new Error(`stack ${stackName} has no UsersTableName output; deploy it first`);
  return { client: new DynamoDBClient({ region }), table };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' }, email: { type: 'string' }, plan: { type: 'string' }, until: { type: 'string' },
      region: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE);
  if (!values.stage || !values.email || !values.plan) throw new UsageError(USAGE);
  const change = parsePlanChange({ plan: values.plan, premiumUntil: values.until }, Date.now());
  const { client, table } = await usersTable(values.stage, values.region ?? process.env.AWS_REGION ?? 'us-east-1');
  try {
    const store = new DynamoDbUserStore(DynamoDBDocumentClient.from(client), table);
    const found = await store.findByEmail(values.email);
    if (!found) throw new NotFoundError('user_not_found', `no user with e-mail ${values.email} in ${table}`);
    const user = await changePlan(found.userId, change, store, new Date());
    console.log(JSON.stringify(user));
  } finally {
    client.destroy();
  }
}

main().catch((error: unknown) => {
  // The operator's own mistakes (usage, a plan or date the rules refuse, an unknown address) are one sentence; anything
  // else is a fault and keeps its stack.
  console.error(error instanceof DomainError || error instanceof UsageError ? error.message : error);
  process.exitCode = 1;
});
