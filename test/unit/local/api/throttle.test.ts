import { createThrottle, routeThrottling, type RouteThrottling } from '../../../../scripts/local/api/throttle';
import type { ServiceConfig } from '../../../../scripts/local/service-config';

/** A stage's throttling, as the subscriptions route has it: 5 requests a second, 20 at once. */
const subscribe: RouteThrottling = { routes: new Map([['POST /subscriptions', { rate: 5, burst: 20 }]]) };

function clock(start = 1_000_000) {
  let ms = start;
  return { now: () => ms, advance: (by: number) => (ms += by) };
}

function admitted(take: () => boolean, times: number): number {
  let count = 0;
  for (let i = 0; i < times; i++) if (take()) count++;
  return count;
}

describe('createThrottle: API Gateway\'s token bucket per route ("Protect your HTTP APIs with throttling")', () => {
  it('lets a burst of exactly ThrottlingBurstLimit requests through at once, and refuses the next', () => {
    const time = clock();
    const take = createThrottle(subscribe, time.now);
    expect(admitted(() => take('POST /subscriptions'), 20)).toBe(20);
    expect(take('POST /subscriptions')).toBe(false);
  });

  it('refills ThrottlingRateLimit tokens a second, never beyond the burst', () => {
    const time = clock();
    const take = createThrottle(subscribe, time.now);
    admitted(() => take('POST /subscriptions'), 25);
    time.advance(1_000); // 5 tokens
    expect(admitted(() => take('POST /subscriptions'), 10)).toBe(5);
    time.advance(199); // 0.995 of a token: not yet
    expect(take('POST /subscriptions')).toBe(false);
    time.advance(1); // now a whole one
    expect(take('POST /subscriptions')).toBe(true);
    time.advance(60_000); // a long pause fills the bucket to the burst, not to 300
    expect(admitted(() => take('POST /subscriptions'), 100)).toBe(20);
  });

  it('keeps the steady rate over time: 10 s of one request every 100 ms admits the burst plus 5 a second', () => {
    const time = clock();
    const take = createThrottle(subscribe, time.now);
    let ok = 0;
    for (let i = 0; i < 100; i++) {
      if (take('POST /subscriptions')) ok++;
      time.advance(100);
    }
    // 20 from the full bucket, then 5/s for the 9.9 s that followed (49.5 tokens, 49 whole requests).
    expect(ok).toBe(69);
  });

  it('keeps one bucket per route: another route is not throttled by this one', () => {
    const time = clock();
    const take = createThrottle(
      { routes: new Map([['POST /subscriptions', { rate: 1, burst: 1 }], ['GET /me', { rate: 1, burst: 2 }]]) },
      time.now,
    );
    expect(take('POST /subscriptions')).toBe(true);
    expect(take('POST /subscriptions')).toBe(false);
    expect(admitted(() => take('GET /me'), 3)).toBe(2);
  });

  it('a route without settings is not throttled; DefaultRouteSettings applies to it, in a bucket of its own', () => {
    const time = clock();
    expect(admitted(() => createThrottle(subscribe, time.now)('GET /health'), 1000)).toBe(1000);
    const take = createThrottle({ ...subscribe, defaults: { rate: 0, burst: 3 } }, time.now);
    expect(admitted(() => take('GET /health'), 10)).toBe(3);
    expect(admitted(() => take('GET /me'), 10)).toBe(3);
    expect(admitted(() => take('POST /subscriptions'), 30)).toBe(20);
  });

  it('a burst of 0 refuses every request (API Gateway\'s way to switch a route off)', () => {
    const take = createThrottle({ routes: new Map([['POST /x', { rate: 100, burst: 0 }]]) }, clock().now);
    expect(take('POST /x')).toBe(false);
  });
});

function config(resources: Partial<ServiceConfig['resources']> & { extensions?: unknown }): ServiceConfig {
  return {
    service: 's',
    provider: { stage: 'local' },
    params: {},
    functions: {},
    resources: { Resources: {}, ...resources },
  };
}

describe('routeThrottling: the stage\'s settings from the resolved serverless.yml', () => {
  it('reads RouteSettings that resources add to the framework\'s HttpApiStage (numbers as the framework resolves them)', () => {
    const throttling = routeThrottling(
      config({
        extensions: {
          HttpApiStage: {
            Properties: {
              RouteSettings: { 'POST /subscriptions': { ThrottlingRateLimit: 5, ThrottlingBurstLimit: '20' } },
              DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 50 },
            },
          },
        },
      }),
    );
    expect(throttling.routes.get('POST /subscriptions')).toEqual({ rate: 5, burst: 20 });
    expect(throttling.defaults).toEqual({ rate: 100, burst: 50 });
  });

  it('reads an AWS::ApiGatewayV2::Stage the resources define', () => {
    const throttling = routeThrottling(
      config({
        Resources: {
          Stage: { Type: 'AWS::ApiGatewayV2::Stage', Properties: { RouteSettings: { 'GET /me': { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2 } } } },
        },
      }),
    );
    expect([...throttling.routes]).toEqual([['GET /me', { rate: 1, burst: 2 }]]);
  });

  it('refuses a setting it cannot apply instead of not throttling', () => {
    const bad = (settings: unknown) => () =>
      routeThrottling(config({ extensions: { HttpApiStage: { Properties: { RouteSettings: { 'POST /x': settings } } } } }));
    expect(bad({ ThrottlingRateLimit: 'fast', ThrottlingBurstLimit: 2 })).toThrow(/POST \/x/);
    expect(bad({ ThrottlingRateLimit: 5 })).toThrow(/ThrottlingBurstLimit undefined/);
    expect(bad({ ThrottlingRateLimit: -1, ThrottlingBurstLimit: 2 })).toThrow();
    expect(bad({})).not.toThrow(); // neither set: the account's limits, nothing to apply here
  });
});
