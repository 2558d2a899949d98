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
 * Behaviours whose cache policy is a template resource are served through an edge cache (cache.ts) kept in the
 * state folder, and the CloudFront API's CreateInvalidation (cloudfront-api.ts, on its own port) empties it.
 * Behaviours with a managed policy are not cached, so an edited page shows at once.
 * Not emulated: TLS and ViewerProtocolPolicy, Brotli, multi-range responses, CloudFront Functions / Lambda@Edge,
 * custom (non-S3) origins and origin groups, WAF and geo restriction.
 */
import path from 'node:path';
import { resources } from '../cloudformation';
import { LOCAL_DISTRIBUTION_ID, localUrl } from '../ports';
import type { StandIn } from '../stand-in';
import { EdgeCache } from './cache';
import { startCloudFrontApi } from './cloudfront-api';
import { edgeFromConfig } from './distribution';
import { s3ObjectSource } from './origin';
import { startEdge } from './server';
import { attachSignedRequestAuth } from './signed-requests';

/** Room for a release file of a few hundred MB and its neighbours; a larger object passes through uncached. */
export const CACHE_BYTES = 2 * 1024 ** 3;

export const edge: StandIn = {
  name: 'edge',
  title: 'Starting the local edge (CloudFront stand-in)',
  row: { label: 'Blog site', rank: 1 },
  env: (ports) => ({ LOCAL_EDGE_PORT: String(ports.edge), AWS_ENDPOINT_URL_CLOUDFRONT: localUrl(ports.cloudfront) }),
  async start(ctx) {
    const { buckets } = ctx.use(resources);
    const definition = edgeFromConfig(ctx.config, (logicalId) => {
      const name = buckets.get(logicalId);
      if (!name) throw new Error(`the distribution names an origin bucket ${logicalId} that is not in resources`);
      return name;
    });
    attachSignedRequestAuth(definition, ctx.config);
    const source = s3ObjectSource(ctx.clients.s3);
    // Emptied at every start: a restarted edge is a cold edge (cache.ts, EdgeCache.open).
    const cache = await EdgeCache.open(source, { dir: path.join(ctx.dirs.state, 'edge-cache'), maxBytes: CACHE_BYTES });
    // Its log is the terminal's (startEdge's default): an origin failure shows where `npm start` runs.
    const running = await startEdge({ host: ctx.host, port: ctx.ports.edge, definition, source, cache });
    const api = await startCloudFrontApi({
      host: ctx.host,
      port: ctx.ports.cloudfront,
      distributionId: LOCAL_DISTRIBUTION_ID,
      invalidate: (paths) => cache.invalidate(paths),
    }).catch(async (error: unknown) => {
      await running.close();
      throw error;
    });
    const stop = async () => {
      await Promise.all([api.close(), running.close()]);
      await cache.close();
    };
    return { url: `${running.url}/`, note: `(CloudFront API ${api.url})`, stop };
  },
};
