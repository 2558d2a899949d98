/**
 * `npm run metrics`: reads the totals from the stack's metrics endpoint and prints them as Ctrl-C does; says plainly
 * when no local stack answers and, for any other stage, names its dashboard — with exit status 1 (MetricsUnavailable).
 */
import http from 'node:http';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { listen, type Listening } from '../../../../scripts/local/common/http-server';
import { metricsEndpoint, offlineLine } from '../../../../scripts/local/metrics';
import { MetricsUnavailable, metricsCommand } from '../../../../scripts/local/metrics/command';
import { MetricTotals } from '../../../../scripts/local/metrics/totals';
import { powertoolsLines } from '../../../support/metrics/powertools';

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function serve(listener: http.RequestListener): Promise<Listening> {
  const server = await listen(http.createServer(listener), '127.0.0.1', 0);
  servers.push(server);
  return server;
}

/** A port nothing listens on: one the system gave, closed again. */
async function closedPort(): Promise<number> {
  const server = await listen(http.createServer(), '127.0.0.1', 0);
  await server.close();
  return server.port;
}

const noService = async () => {
  throw new Error('not asked');
};

describe('npm run metrics -- --stage local', () => {
  it('prints the totals the running stack counted, as the stack prints them on Ctrl-C; --json gives them whole', async () => {
    // Prepare: what the offline stand-in does with each line of serverless-offline's output
    const totals = new MetricTotals();
    const [sent] = powertoolsLines((m) => m.addMetric('WelcomeSent', MetricUnit.Count, 1));
    offlineLine(totals, `(λ: welcome) ${sent}`);
    offlineLine(totals, `(λ: welcome) ${sent}`);
    const { port } = await serve(metricsEndpoint(totals));

    // Act
    const text = await metricsCommand(['--stage', 'local'], { port: () => port, serviceOf: noService });
    const json: unknown = JSON.parse(await metricsCommand(['--stage', 'local', '--json'], { port: () => port, serviceOf: noService }));

    // Assess
    expect(text).toMatch(/^Metrics of stage local since \d\d:\d\d:\d\d UTC \(0 min, 2 EMF lines\):\n {2}subscriptions — Subscriptions and welcome mail\n {4}WelcomeSent {2}2$/);
    expect(json).toEqual(totals.snapshot());
  });

  it('says the stack is not running when nothing answers on its port', async () => {
    const port = await closedPort();
    const run = metricsCommand(['--stage', 'local'], { port: () => port, serviceOf: noService });
    await expect(run).rejects.toThrow(MetricsUnavailable);
    await expect(run).rejects.toThrow(new RegExp(`^The local stack is not running \\(nothing answers at http://127.0.0.1:${port}/metrics`));
  });

  it('refuses an answer that is not the stack\'s totals (another program on the port)', async () => {
    const { port } = await serve((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}'));
    await expect(metricsCommand(['--stage', 'local'], { port: () => port, serviceOf: noService })).rejects.toThrow(
      /answered, but not with the local stack's metric totals \(HTTP 200\)/,
    );
  });
});

describe('npm run metrics: other stages and usage', () => {
  it('names the dashboard of another stage and fails', async () => {
    const run = metricsCommand(['--stage', 'prod'], { port: () => 1, serviceOf: async () => 'serverless-blog' });
    await expect(run).rejects.toThrow(MetricsUnavailable);
    await expect(run).rejects.toThrow('Stage prod is not local: its metrics are in CloudWatch (namespace serverless-blog); open the dashboard serverless-blog-prod');
  });

  it('fails with the usage without --stage, or with a stage no stack can be named after, before running anything', async () => {
    await expect(metricsCommand([], { port: () => 1, serviceOf: noService })).rejects.toThrow(/^Usage: npm run metrics -- --stage local/);
    for (const stage of ['x;y', '../prod', '', '-prod', 'a'.repeat(65)]) {
      await expect(metricsCommand(['--stage', stage], { port: () => 1, serviceOf: noService })).rejects.toThrow(/Usage: npm run metrics -- --stage local/);
    }
  });
});

describe('the metrics endpoint', () => {
  it('answers GET /metrics only', async () => {
    const { url } = await serve(metricsEndpoint(new MetricTotals()));
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${url}/other`)).status).toBe(404);
  });
});
