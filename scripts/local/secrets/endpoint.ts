/**
 * A Secrets Manager endpoint for the local stack that answers GetSecretValue (the one call the functions make) from
 * git-ignored local files. No Secrets Manager emulator on npm fits (LocalStack needs Docker); with this, the
 * function's code path is the same as on AWS — Powertools parameters and the SDK client, pointed here by
 * AWS_ENDPOINT_URL_SECRETS_MANAGER — and the private key stays out of env values and the repo.
 * Protocol: AWS JSON 1.1 (`X-Amz-Target: secretsmanager.<Operation>`), errors as `{ __type, message }`.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LocalSecrets {
  url: string;
  close(): Promise<void>;
}

function reply(res: http.ServerResponse, status: number, body: unknown, errorType?: string): void {
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

/** Port 0 picks a free port. `secrets` maps a secret name to the file holding its value (read on every call, so a new key is picked up). */
export async function startLocalSecrets(options: {
  host: string;
  port: number;
  secrets: Record<string, string>;
  region: string;
}): Promise<LocalSecrets> {
  const arn = (name: string) => `arn:aws:secretsmanager:${options.region}:000000000000:secret:${name}-local0`;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^secretsmanager\./, '');
      if (req.method !== 'POST' || operation !== 'GetSecretValue') {
        return reply(res, 400, { __type: 'InvalidRequestException', message: `${operation || 'request'} is not emulated` }, 'InvalidRequestException');
      }
      let secretId: unknown;
      try {
        secretId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { SecretId?: unknown }).SecretId;
      } catch {
        return reply(res, 400, { __type: 'InvalidRequestException', message: 'body is not JSON' }, 'InvalidRequestException');
      }
      const name = Object.keys(options.secrets).find((key) => key === secretId || arn(key) === secretId);
      const file = name === undefined ? undefined : options.secrets[name];
      if (name === undefined || file === undefined) {
        const message = "Secrets Manager can't find the specified secret.";
        return reply(res, 400, { __type: 'ResourceNotFoundException', message }, 'ResourceNotFoundException');
      }
      reply(res, 200, {
        ARN: arn(name),
        Name: name,
        VersionId: 'local',
        VersionStages: ['AWSCURRENT'],
        SecretString: readFileSync(file, 'utf8'),
        CreatedDate: Math.floor(Date.now() / 1000),
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
