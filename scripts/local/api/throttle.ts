/**
 * Route throttling of the HTTP API's stage, as "Protect your HTTP APIs with throttling" (API Gateway developer guide,
 * "Throttling requests to your HTTP API") describes it: a token bucket per route, one token per request, refilled at
 * `ThrottlingRateLimit` tokens a second up to `ThrottlingBurstLimit` (the bucket's size, full at the start); a request
 * that finds the bucket empty is answered `429 {"message":"Too Many Requests"}` and never reaches the integration.
 * A route's own `RouteSettings` entry wins over the stage's `DefaultRouteSettings`; a route with neither is limited
 * only by the account, which the local stack does not emulate.
 */
import type { ServiceConfig } from '../service-config';

export interface ThrottleLimits {
  /** Steady-state requests per second. */
  rate: number;
  /** Bucket size: how many requests may arrive at once. */
  burst: number;
}

export interface RouteThrottling {
  /** `RouteSettings` by route key (`POST /subscriptions`). */
  routes: Map<string, ThrottleLimits>;
  /** `DefaultRouteSettings`, for every route without its own entry. */
  defaults?: ThrottleLimits;
}

interface StageRouteSettings {
  ThrottlingRateLimit?: unknown;
  ThrottlingBurstLimit?: unknown;
}

interface StageProperties {
  RouteSettings?: Record<string, StageRouteSettings>;
  DefaultRouteSettings?: StageRouteSettings;
}

/**
 * API Gateway leaves a limit that is not set to the account's; only a setting with both numbers is a route limit
 * here. A value that is not a non-negative number means the template is wrong: say so rather than not throttle.
 */
function limits(where: string, settings: StageRouteSettings | undefined): ThrottleLimits | undefined {
  if (!settings || (settings.ThrottlingRateLimit === undefined && settings.ThrottlingBurstLimit === undefined)) return undefined;
  const rate = Number(settings.ThrottlingRateLimit);
  const burst = Number(settings.ThrottlingBurstLimit);
  if (!Number.isFinite(rate) || rate < 0 || !Number.isInteger(burst) || burst < 0) {
    throw new Error(`${where}: ThrottlingRateLimit ${String(settings.ThrottlingRateLimit)} / ThrottlingBurstLimit ${String(settings.ThrottlingBurstLimit)} are not a rate and a burst the local API front can apply`);
  }
  return { rate, burst };
}

/**
 * The HTTP API stage's throttling from the resolved serverless.yml: the framework's stage (`HttpApiStage`, where
 * resources/*.yml add `RouteSettings` through `extensions`) or an `AWS::ApiGatewayV2::Stage` the resources define.
 */
export function routeThrottling(config: ServiceConfig): RouteThrottling {
  const resources = config.resources as ServiceConfig['resources'] & { extensions?: Record<string, { Properties?: StageProperties }> };
  const stages: [string, StageProperties][] = Object.entries(resources.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::ApiGatewayV2::Stage')
    .map(([id, resource]) => [id, (resource.Properties ?? {}) as StageProperties]);
  const extension = resources.extensions?.HttpApiStage?.Properties;
  if (extension) stages.push(['HttpApiStage', extension]);

  const result: RouteThrottling = { routes: new Map() };
  for (const [id, stage] of stages) {
    const defaults = limits(`${id}.DefaultRouteSettings`, stage.DefaultRouteSettings);
    if (defaults) result.defaults = defaults;
    for (const [routeKey, settings] of Object.entries(stage.RouteSettings ?? {})) {
      const route = limits(`${id}.RouteSettings["${routeKey}"]`, settings);
      if (route) result.routes.set(routeKey, route);
    }
  }
  return result;
}

/** Takes a token from the route's bucket: true when the request may go on, false for a 429. */
export type Throttle = (routeKey: string) => boolean;

/** One token bucket per route key; `now` in milliseconds (injected by the tests). */
export function createThrottle(throttling: RouteThrottling, now: () => number = () => performance.now()): Throttle {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (routeKey) => {
    const limit = throttling.routes.get(routeKey) ?? throttling.defaults;
    if (!limit) return true;
    const time = now();
    const bucket = buckets.get(routeKey) ?? { tokens: limit.burst, at: time };
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((time - bucket.at) / 1000) * limit.rate);
    bucket.at = time;
    buckets.set(routeKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  };
}
