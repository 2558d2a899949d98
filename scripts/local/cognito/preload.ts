/**
 * cognito-local's data files for the user pool of the template — AWS::Cognito::UserPool, UserPoolClient and
 * UserPoolGroup (CloudFormation) — and the pool's Lambda triggers ("Customizing user pool workflows with Lambda
 * triggers", Amazon Cognito Developer Guide), which cognito-local calls through serverless-offline's Lambda API.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
// cognito-local's own defaults for a new pool (its standard attribute schema), so a preloaded pool equals a created one.
import { USER_POOL_AWS_DEFAULTS } from 'cognito-local/lib/services/cognitoService';
import { param, resourcesOfType, type ServiceConfig } from '../service-config';
import { functionKeyOf, functionName } from '../common/intrinsics';

export interface LocalUserPool {
  userPoolId: string;
  clientId: string;
  issuer: string;
}

function readJson(file: string): Record<string, unknown> {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new Error(`the local stack expects exactly one ${what} in resources, found ${items.length}`);
  return items[0]!;
}

/**
 * The pool's LambdaConfig (`PostConfirmation: !GetAtt RegistrationLambdaFunction.Arn`) as cognito-local's
 * TriggerFunctions: trigger → the function's deployed name, which serverless-offline's Lambda API answers to.
 */
export function triggerFunctions(config: ServiceConfig, lambdaConfig: unknown): Record<string, string> {
  const triggers: Record<string, string> = {};
  for (const [trigger, target] of Object.entries((lambdaConfig ?? {}) as Record<string, unknown>)) {
    const key = functionKeyOf(config, target);
    if (key === undefined) throw new Error(`UserPool LambdaConfig.${trigger}: ${JSON.stringify(target)} names no function`);
    triggers[trigger] = functionName(config, key);
  }
  return triggers;
}

/**
 * Writes cognito-local's data files so the user pool and web client from resources/auth.yml exist with the fixed
 * ids of the `local` params: the token issuer (`http://127.0.0.1:<port>/<pool id>`) is then the same on every start.
 * Users and group memberships from earlier runs are kept; pool options, clients and groups follow the template.
 */
export function preloadCognito(
  config: ServiceConfig,
  cognitoDir: string,
  ports: { cognito: number; lambda: number },
  host: string,
): LocalUserPool {
  const userPoolId = String(param(config, 'userPoolId'));
  const clientId = String(param(config, 'userPoolClientId'));
  const [, pool] = only(resourcesOfType(config, 'AWS::Cognito::UserPool'), 'AWS::Cognito::UserPool');
  const [, client] = only(resourcesOfType(config, 'AWS::Cognito::UserPoolClient'), 'AWS::Cognito::UserPoolClient');
  const groups = resourcesOfType(config, 'AWS::Cognito::UserPoolGroup');
  const props = pool.Properties ?? {};
  const now = new Date().toISOString();

  const dbDir = path.join(cognitoDir, '.cognito', 'db');
  mkdirSync(dbDir, { recursive: true });
  const issuerDomain = `http://${host}:${ports.cognito}`;
  writeFileSync(
    path.join(cognitoDir, '.cognito', 'config.json'),
    JSON.stringify(
      {
        TokenConfig: { IssuerDomain: issuerDomain },
        // Cognito triggers reach the functions through serverless-offline's Lambda API.
        LambdaClient: {
          endpoint: `http://${host}:${ports.lambda}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
        TriggerFunctions: triggerFunctions(config, props.LambdaConfig),
      },
      null,
      2,
    ),
  );

  const poolFile = path.join(dbDir, `${userPoolId}.json`);
  const existing = readJson(poolFile);
  const existingGroups = (existing.Groups ?? {}) as Record<string, unknown>;
  const poolData = {
    Users: existing.Users ?? {},
    Groups: Object.fromEntries(
      groups.map(([, g]) => {
        const name = String(g.Properties?.GroupName);
        const kept = (existingGroups[name] ?? {}) as Record<string, unknown>;
        return [
          name,
          {
            CreationDate: now,
            ...kept,
            GroupName: name,
            Description: g.Properties?.Description,
            Precedence: g.Properties?.Precedence,
            UserPoolId: userPoolId,
            LastModifiedDate: now,
          },
        ];
      }),
    ),
    Options: {
      ...USER_POOL_AWS_DEFAULTS,
      ...(existing.Options as Record<string, unknown> | undefined),
      Id: userPoolId,
      Name: props.UserPoolName,
      UsernameAttributes: props.UsernameAttributes,
      AutoVerifiedAttributes: props.AutoVerifiedAttributes,
      Policies: props.Policies ?? USER_POOL_AWS_DEFAULTS.Policies,
      MfaConfiguration: props.MfaConfiguration ?? 'OFF',
      LambdaConfig: {},
    },
  };
  writeFileSync(poolFile, JSON.stringify(poolData, null, 2));

  const clientProps = client.Properties ?? {};
  writeFileSync(
    path.join(dbDir, 'clients.json'),
    JSON.stringify(
      {
        Clients: {
          [clientId]: {
            ClientId: clientId,
            ClientName: clientProps.ClientName,
            UserPoolId: userPoolId,
            ExplicitAuthFlows: clientProps.ExplicitAuthFlows,
            PreventUserExistenceErrors: clientProps.PreventUserExistenceErrors,
            EnableTokenRevocation: clientProps.EnableTokenRevocation,
            TokenValidityUnits: clientProps.TokenValidityUnits,
            AccessTokenValidity: clientProps.AccessTokenValidity,
            IdTokenValidity: clientProps.IdTokenValidity,
            RefreshTokenValidity: clientProps.RefreshTokenValidity,
            // Read by refresh-tokens.cjs, which refuses to stand in for rotation.
            RefreshTokenRotation: clientProps.RefreshTokenRotation,
            CreationDate: now,
            LastModifiedDate: now,
          },
        },
      },
      null,
      2,
    ),
  );
  return { userPoolId, clientId, issuer: `${issuerDomain}/${userPoolId}` };
}
