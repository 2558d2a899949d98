/**
 * Cognito user pools: cognito-local, an emulator of the Cognito user pools API ("Amazon Cognito user pools API
 * Reference"), preloaded with the pool, client and groups of resources/auth.yml (preload.ts) under the fixed ids of the
 * `local` params, so that its token issuer is the same on every start. Preloaded into it: refresh-tokens.cjs, the
 * GetTokensFromRefreshToken operation it lacks and Amplify refreshes tokens with.
 */
import path from 'node:path';
import { localUrl } from '../ports';
import { httpOk, portAcceptsConnections, waitUntil } from '../common/processes';
import type { StandIn } from '../stand-in';
import { preloadCognito } from './preload';

export const cognito: StandIn = {
  name: 'cognito',
  title: 'Starting Cognito (cognito-local)',
  row: { label: 'Cognito', rank: 5 },
  env: (ports) => ({ AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: localUrl(ports.cognito), LOCAL_COGNITO_PORT: String(ports.cognito) }),
  async start(ctx) {
    const cognitoDir = path.join(ctx.dirs.state, 'cognito');
    const pool = preloadCognito(ctx.config, cognitoDir, ctx.ports, ctx.host);
    const proc = ctx.spawn({
      command: process.execPath,
      args: [require.resolve('cognito-local/lib/bin/start.js')],
      cwd: cognitoDir,
      env: {
        ...ctx.env,
        PORT: String(ctx.ports.cognito),
        HOST: ctx.host,
        NODE_OPTIONS: [ctx.env.NODE_OPTIONS, `--require ${JSON.stringify(path.join(__dirname, 'refresh-tokens.cjs'))}`].filter(Boolean).join(' '),
      },
    });
    await waitUntil('cognito-local', () => portAcceptsConnections(ctx.host, ctx.ports.cognito), { process: proc });
    await waitUntil('cognito-local JWKS', () => httpOk(`${pool.issuer}/.well-known/jwks.json`), { process: proc });
    return { url: pool.issuer, note: `(client ${pool.clientId})`, stop: () => proc.stop() };
  },
};
