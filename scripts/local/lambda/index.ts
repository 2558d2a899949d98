/**
 * Lambda: serverless-offline runs the functions from their esbuild bundles and answers the Lambda API (Invoke, for the
 * stream pollers, S3 events and Cognito triggers) and, behind the API front, the HTTP API routes. Preloaded into it:
 * offline-guard.cjs, which refuses requests that did not come through the front, and lambda-worker.cjs, one Lambda
 * execution environment per function as "Lambda execution environment lifecycle" (AWS Lambda Developer Guide) has it.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { FRONT_SECRET_HEADER } from '../api/front';
import { localUrl } from '../ports';
import { ROOT } from '../service-config';
import { httpOk, waitUntil } from '../common/processes';
import { metrics } from '../metrics';
import type { StandIn } from '../stand-in';

export const offline: StandIn<{ backendSecret: string }> = {
  name: 'offline',
  title: 'Starting the HTTP API (serverless-offline)',
  row: { label: 'Lambda API', rank: 8 },
  env: (ports) => ({
    AWS_ENDPOINT_URL_LAMBDA: localUrl(ports.lambda),
    LOCAL_API_BACKEND_PORT: String(ports.apiBackend),
    LOCAL_LAMBDA_PORT: String(ports.lambda),
  }),
  async start(ctx) {
    // Known only to the front and serverless-offline's guard: the backend refuses requests that bypass the front.
    const backendSecret = randomBytes(32).toString('base64url');
    const guard = path.join(__dirname, 'offline-guard.cjs');
    const proc = ctx.spawn({
      command: path.join(ROOT, 'node_modules', '.bin', 'sls'),
      // The function timeout is lambda-worker.cjs's (preloaded with the guard), which leaves Init out of it.
      args: ['offline', 'start', '--stage', 'local', '--noTimeout'],
      cwd: ROOT,
      // The functions' output: EMF lines counted and shown readable (metrics/).
      stdoutLines: ctx.use(metrics).mapOfflineLines,
      env: {
        ...ctx.env,
        NODE_OPTIONS: [ctx.env.NODE_OPTIONS, `--require ${JSON.stringify(guard)}`].filter(Boolean).join(' '),
        LOCAL_API_FRONT_SECRET: backendSecret,
      },
    });
    await waitUntil(
      'serverless-offline',
      () => httpOk(`${localUrl(ctx.ports.apiBackend)}/health`, { [FRONT_SECRET_HEADER]: backendSecret }),
      { process: proc, timeoutMs: 120_000 },
    );
    return { url: localUrl(ctx.ports.lambda), provides: { backendSecret }, stop: () => proc.stop() };
  },
};
