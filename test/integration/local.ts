/** What the integration tests need to reach the stack that global-setup started. */
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HOST, localClientConfig, localPorts, localS3ClientConfig } from '../../scripts/local/ports';
import { portAcceptsConnections, spawnManaged, waitUntil } from '../../scripts/local/common/processes';
import { ROOT } from '../../scripts/local/service-config';

export const ports = localPorts();
export const apiUrl = `http://${HOST}:${ports.api}`;
export const siteUrl = `http://${HOST}:${ports.edge}`;
export const sesUrl = `http://${HOST}:${ports.ses}`;

export const s3 = new S3Client(localS3ClientConfig(`http://${HOST}:${ports.s3}`));
export const dynamodb = new DynamoDBClient(localClientConfig(`http://${HOST}:${ports.dynamodb}`));

/** The stack's state and logs (global-setup.ts): `.local/test-<offset>`. */
export const stateDir = path.join(ROOT, '.local', `test-${process.env.LOCAL_PORT_OFFSET ?? '100'}`);

/**
 * An SES outage: the stack's SES emulator is stopped (its process group, found by the pid file next to its log), so
 * sends are refused connections, as when SES is unreachable. `restart()` starts a new emulator on the same port
 * (its mail store starts empty), which serves the rest of the run; global-teardown stops it.
 */
let sesName = 'ses';

export async function stopSes(): Promise<{ restart(): Promise<void> }> {
  const logDir = path.join(stateDir, 'logs');
  const pid = Number(readFileSync(path.join(logDir, `${sesName}.pid`), 'utf8'));
  process.kill(-pid, 'SIGTERM');
  await waitUntil('SES emulator stopped', async () => !(await portAcceptsConnections(HOST, ports.ses)));
  return {
    async restart() {
      const proc = spawnManaged({
        name: 'ses-restarted',
        command: process.execPath,
        args: [require.resolve('aws-ses-v2-local/dist/cli.js'), '--host', HOST, '--port', String(ports.ses)],
        cwd: stateDir,
        env: process.env,
        logDir,
      });
      sesName = 'ses-restarted';
      await waitUntil('SES emulator restarted', () => portAcceptsConnections(HOST, ports.ses), { process: proc });
      // It outlives this file on purpose; global-teardown kills it by its pid file, which also closes its log pipes.
      proc.child.unref();
    },
  };
}
