/**
 * Kinesis Data Streams: kinesis-local, the npm build of kinesis-mock ("Amazon Kinesis Data Streams API Reference"),
 * with the template's streams (streams.ts). It must run with its package folder as working directory, where its TLS
 * certificate (server.json) is; it has no setting for its address, so loopback.cjs, preloaded, keeps it on the stack's
 * host. The SDK's Kinesis client speaks HTTP/2 by default, which kinesis-mock's plain port does not: the functions
 * use the SDK's HTTP/1.1 handler where the stage param `kinesisHttp1` says so (functions/lib/clients/kinesis.ts), and
 * the stack's own clients always.
 */
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import path from 'node:path';
import { waitUntil } from '../common/processes';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, localClientConfig, localUrl, type LocalPorts } from '../ports';
import { param } from '../service-config';
import type { StandIn } from '../stand-in';
import { createStreams, kinesisStreamArn, templateStreams } from './streams';

/**
 * A Kinesis client for the local endpoint: HTTP/1.1, as kinesis-mock answers nothing else on its plain port, and a
 * request timeout: a kinesis-local that is shutting down keeps open connections without answering (its HTTP server
 * waits up to 30 s for them), which would hold a reader for as long.
 */
export const localKinesisClient = (endpoint: string | undefined, maxAttempts?: number): KinesisClient =>
  new KinesisClient({
    ...localClientConfig(endpoint),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true }),
    ...(maxAttempts ? { maxAttempts } : {}),
  });

/**
 * How kinesis-local is started: by the stand-in, and by a test that takes it down and brings it back. Its settings,
 * where they differ from kinesis-mock's defaults (its README, "Service Configuration"):
 * - records persist in the state folder (SHOULD_PERSIST_DATA; written every second and when it stops on SIGTERM), as
 *   a stream keeps them on AWS for its retention period: a restart of `npm start` loses nothing Kinesis accepted;
 * - SHARD_LIMIT 500 and ON_DEMAND_STREAM_COUNT_LIMIT 50, the account quotas of us-east-1 ("Quotas and limits", Kinesis
 *   Data Streams Developer Guide), instead of 50 and 10;
 * - CREATE_STREAM_DURATION 0: AWS takes some seconds to make a stream ACTIVE; nothing here writes to a stream before
 *   the stand-in saw it ACTIVE, so the wait changes nothing but start time.
 * Whether kinesis-mock throttles a shard's writes as Kinesis does (1 MB/s, 1,000 records/s) was not established here
 * (3,000 records of 1 KB on one shard were all taken, at ~500 a second on this machine); beacons stay far below both.
 */
export function kinesisLocalProcess(ports: Pick<LocalPorts, 'kinesis' | 'kinesisTls'>, stateDir: string, host: string) {
  const packageDir = path.dirname(require.resolve('kinesis-local/package.json'));
  return {
    command: process.execPath,
    args: ['--require', path.join(__dirname, 'loopback.cjs'), path.join(packageDir, 'main.js')],
    cwd: packageDir,
    env: {
      KINESIS_LISTEN_HOST: host,
      KINESIS_MOCK_PLAIN_PORT: String(ports.kinesis),
      KINESIS_MOCK_TLS_PORT: String(ports.kinesisTls),
      AWS_REGION: LOCAL_REGION,
      AWS_ACCOUNT_ID: LOCAL_ACCOUNT_ID,
      SHOULD_PERSIST_DATA: 'true',
      LOAD_DATA_IF_EXISTS: 'true',
      PERSIST_PATH: path.join(stateDir, 'kinesis'),
      PERSIST_INTERVAL: '1s',
      SHARD_LIMIT: '500',
      ON_DEMAND_STREAM_COUNT_LIMIT: '50',
      CREATE_STREAM_DURATION: '0ms',
    },
  };
}

export interface LocalKinesis {
  /** Stream name and ARN by logical id. */
  streams: Map<string, { name: string; arn: string }>;
}

export const kinesis: StandIn<LocalKinesis> = {
  name: 'kinesis',
  title: 'Starting Kinesis (kinesis-local) and creating its streams',
  row: { label: 'Kinesis', rank: 7.5 },
  env: (ports) => ({ AWS_ENDPOINT_URL_KINESIS: localUrl(ports.kinesis) }),
  async start(ctx) {
    const streams = templateStreams(ctx.config);
    const named = String(param(ctx.config, 'analyticsStream'));
    if (streams.length > 0 && !streams.some((stream) => stream.name === named)) {
      throw new Error(`the local param analyticsStream (${named}) names none of the template's streams (${streams.map((s) => s.name).join(', ')})`);
    }
    const spec = kinesisLocalProcess(ctx.ports, ctx.dirs.state, ctx.host);
    const proc = ctx.spawn({ ...spec, env: { ...ctx.env, ...spec.env } });
    const client = localKinesisClient(localUrl(ctx.ports.kinesis), 1);
    try {
      await waitUntil(
        'kinesis-local',
        async () => {
          await client.send(new ListStreamsCommand({}));
          return true;
        },
        { process: proc },
      );
      await createStreams(client, streams);
    } finally {
      client.destroy();
    }
    return {
      url: localUrl(ctx.ports.kinesis),
      note: `(HTTP/1.1; TLS on ${ctx.ports.kinesisTls})`,
      provides: { streams: new Map(streams.map((stream) => [stream.logicalId, { name: stream.name, arn: kinesisStreamArn(stream.name) }])) },
      stop: () => proc.stop(),
    };
  },
};
