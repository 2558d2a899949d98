/**
 * The HTTP API as clients call it: the front of front.ts — routes, JWT authorizers, CORS, throttling, the payload
 * quota and the integration timeout as API Gateway applies them ("Working with HTTP APIs", API Gateway Developer
 * Guide) — before serverless-offline (lambda/), which runs the functions.
 */
import { localUrl } from '../ports';
import type { StandIn } from '../stand-in';
import { offline } from '../lambda';
import { startApiFront } from './front';
import { jwtAuthorizers, jwtChecker } from './jwt';
import { apiRoutes, corsConfiguration } from './routes';
import { createThrottle, routeThrottling } from './throttle';

export const apiFront: StandIn = {
  name: 'api',
  row: { label: 'HTTP API', rank: 2 },
  env: (ports) => ({ LOCAL_API_PORT: String(ports.api) }),
  async start(ctx) {
    const checks = new Map([...jwtAuthorizers(ctx.config)].map(([name, authorizer]) => [name, jwtChecker(authorizer)]));
    const front = await startApiFront({
      host: ctx.host,
      port: ctx.ports.api,
      backendPort: ctx.ports.apiBackend,
      routes: apiRoutes(ctx.config),
      checks,
      cors: corsConfiguration(ctx.config),
      backendSecret: ctx.use(offline).backendSecret,
      throttle: createThrottle(routeThrottling(ctx.config)),
    });
    const url = localUrl(ctx.ports.api);
    return { url, note: `(try ${url}/health)`, stop: front.close };
  },
};
