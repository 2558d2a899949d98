/**
 * A Secrets Manager endpoint for the local stack that answers GetSecretValue (the one call the functions make) from
 * git-ignored local files ("GetSecretValue", AWS Secrets Manager API Reference). No Secrets Manager emulator on npm
 * fits (LocalStack needs Docker); with this, the function's code path is the same as on AWS — Powertools parameters
 * and the SDK client, pointed here by AWS_ENDPOINT_URL_SECRETS_MANAGER — and the private key stays out of env values
 * and the repo. Protocol: AWS JSON 1.1 (shared/json-endpoint.ts).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { LOCAL_ACCOUNT_ID } from '../ports';
import { listen } from '../common/http-server';
import { jsonEndpoint, ServiceError } from '../common/json-endpoint';

export interface LocalSecrets {
  url: string;
  close: () => Promise<void>;
}

/**
 * Port 0 picks a free port. `secrets` maps a secret name to the file holding its value (read on every call, so a new
 * key is picked up); `lookup` finds the file of a name not in that map (a family of secrets whose members are made
 * while the stack runs, such as release keys), or returns undefined.
 */
export async function startLocalSecrets(options: {
  host: string;
  port: number;
  secrets: Record<string, string>;
  lookup?: (name: string) => string | undefined;
  region: string;
}): Promise<LocalSecrets> {
  const arn = (name: string) => `arn:aws:secretsmanager:${options.region}:${LOCAL_ACCOUNT_ID}:secret:${name}-local0`;
  const find = (secretId: string): [string, string] | undefined => {
    const name = Object.keys(options.secrets).find((key) => key === secretId || arn(key) === secretId);
    if (name !== undefined) return [name, options.secrets[name] as string];
    const file = options.lookup?.(secretId);
    return file === undefined ? undefined : [secretId, file];
  };
  const endpoint = jsonEndpoint('secretsmanager', {
    GetSecretValue: ({ SecretId }) => {
      const [name, file] = (typeof SecretId === 'string' ? find(SecretId) : undefined) ?? [];
      if (name === undefined || file === undefined) {
        throw new ServiceError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      }
      return {
        ARN: arn(name),
        Name: name,
        VersionId: 'local',
        VersionStages: ['AWSCURRENT'],
        SecretString: readFileSync(file, 'utf8'),
        CreatedDate: Math.floor(Date.now() / 1000),
      };
    },
  });
  const { url, close } = await listen(http.createServer(endpoint), options.host, options.port);
  return { url, close };
}
