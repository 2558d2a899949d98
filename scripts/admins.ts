/**
 * `npm run admins -- --stage <stage> --email <e> [--remove]`: the operator's way to add a user to the user pool's
 * `admins` group (resources/auth.yml), whose members see the Dashboard (GET /reports/{name}) and may change plans
 * (PUT /users/{userId}/plan) — or to take them out of it. `local` talks to the cognito-local of `npm start`
 * (LOCAL_PORT_OFFSET moves it); any other stage to the user pool of stack <service>-<stage> (AWS credentials with
 * cognito-idp:ListUsers, AdminAddUserToGroup and AdminRemoveUserFromGroup on it, and DescribeStacks).
 *
 * The user is found by e-mail (ListUsers with an `email = "…"` filter), then added by their username. Tokens carry the
 * groups of when they were issued: the user sees the change once their tokens are refreshed (the Dashboard page
 * refreshes them) or they sign in again.
 */
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AdminAddUserToGroupCommand,
  AdminRemoveUserFromGroupCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { ADMINS_GROUP } from '../functions/get-report/get-report';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localPorts, localUrl } from './local/ports';
import { loadServiceConfig, param } from './local/service-config';

const USAGE = 'Usage: npm run admins -- --stage <stage> --email <email> [--remove] [--region <r>]';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

async function userPool(stage: string, region: string): Promise<{ client: CognitoIdentityProviderClient; userPoolId: string }> {
  const config = await loadServiceConfig(stage);
  if (stage === 'local') {
    const client = new CognitoIdentityProviderClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: process.env.AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER ?? localUrl(localPorts().cognito),
    });
    return { client, userPoolId: String(param(config, 'userPoolId')) };
  }
  const stackName = `${config.service}-${stage}`;
  const { Stacks } = await new CloudFormationClient({ region }).send(new DescribeStacksCommand({ StackName: stackName }));
  const userPoolId = Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'UserPoolId')?.OutputValue;
  if (!userPoolId) throw new Error(`stack ${stackName} has no UserPoolId output; deploy it first`);
  return { client: new CognitoIdentityProviderClient({ region }), userPoolId };
}

/** ListUsers' filter is `attribute = "value"`; a quote or backslash in the value is escaped with a backslash. */
const emailFilter = (email: string): string => `email = "${email.replace(/["\\]/g, (c) => `\\${c}`)}"`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string' }, email: { type: 'string' }, remove: { type: 'boolean' }, region: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return console.log(USAGE);
  if (!values.stage || !values.email) throw new UsageError(USAGE);
  const email = values.email.trim();
  const { client, userPoolId } = await userPool(values.stage, values.region ?? process.env.AWS_REGION ?? 'us-east-1');
  try {
    const { Users } = await client.send(new ListUsersCommand({ UserPoolId: userPoolId, Filter: emailFilter(email), Limit: 1 }));
    const username = Users?.[0]?.Username;
    if (username === undefined) throw new UsageError(`no user with e-mail ${email} in user pool ${userPoolId}`);
    if (values.remove) {
      await client.send(new AdminRemoveUserFromGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: ADMINS_GROUP }));
      console.log(`${email} is no longer in ${ADMINS_GROUP} (user pool ${userPoolId}); their current tokens say otherwise until they expire (1 hour at most).`);
    } else {
      await client.send(new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: username, GroupName: ADMINS_GROUP }));
      console.log(`${email} is in ${ADMINS_GROUP} (user pool ${userPoolId}): the Dashboard shows on their next visit to it, or once they sign in again.`);
    }
  } finally {
    client.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof UsageError ? error.message : error);
  process.exitCode = 1;
});
