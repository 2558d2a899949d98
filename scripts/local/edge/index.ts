/**
 * The local edge: a stand-in for the blog's CloudFront distribution on the offline stack.
 *
 * Written by hand because no CloudFront emulator exists on npm. It reads the distribution from the resolved
 * serverless config and serves each behaviour's private S3 origin with credentials, as Origin Access Control does.
 * Rules follow the CloudFront Developer Guide; each is cited where it is applied. Like CloudFront, it trusts nothing
 * the viewer says about where the request went: the Host must be one of the distribution's own names, and signed
 * URL/cookie policies are matched against that name, never against the raw header. A response headers policy's CORS
 * settings apply as CloudFront applies them: Access-Control-Allow-Origin only for a request whose Origin the policy
 * allows, and Vary: Origin on every answer of such a behaviour; preflights are not answered (OPTIONS is not emulated).
 * Not emulated: caching and invalidations, TLS and ViewerProtocolPolicy, Brotli, multi-range responses,
 * CloudFront Functions / Lambda@Edge, custom (non-S3) origins and origin groups, WAF and geo restriction.
 */
import { resources } from '../cloudformation';
import type { StandIn } from '../stand-in';
import { edgeFromConfig } from './distribution';
import { s3ObjectSource } from './origin';
import { startEdge } from './server';
import { attachSignedRequestAuth } from './signed-requests';

export const edge: StandIn = {
  name: 'edge',
  title: 'Starting the local edge (CloudFront stand-in)',
  row: { label: 'Blog site', rank: 1 },
  env: (ports) => ({ LOCAL_EDGE_PORT: String(ports.edge) }),
  async start(ctx) {
    const { buckets } = ctx.use(resources);
    const definition = edgeFromConfig(ctx.config, (logicalId) => {
      const name = buckets.get(logicalId);
      if (!name) throw new Error(`the distribution names an origin bucket ${logicalId} that is not in resources`);
      return name;
    });
    attachSignedRequestAuth(definition, ctx.config);
    // Its log is the terminal's (startEdge's default): an origin failure shows where `npm start` runs.
    const running = await startEdge({ host: ctx.host, port: ctx.ports.edge, definition, source: s3ObjectSource(ctx.clients.s3) });
    return { url: `${running.url}/`, stop: running.close };
  },
};
