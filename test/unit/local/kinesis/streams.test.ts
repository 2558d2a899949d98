/**
 * The template's streams for the local Kinesis ("AWS::Kinesis::Stream"; "CreateStream", Kinesis Data Streams API
 * Reference; "Condition functions", CloudFormation User Guide), and the preload that keeps kinesis-local on loopback.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { conditionHolds, withConditions } from '../../../../scripts/local/cloudformation/conditions';
import { createStreams, ON_DEMAND_SHARDS, templateStreams, type LocalStream } from '../../../../scripts/local/kinesis/streams';
import type { ServiceConfig } from '../../../../scripts/local/service-config';
import { analyticsConfig } from '../firehose/fixtures';

const withShardCount = (count: number): ServiceConfig => {
  const config = analyticsConfig();
  (config.resources as unknown as { Parameters: Record<string, { Default: unknown }> }).Parameters.AnalyticsShardCount!.Default = count;
  return config;
};

describe('templateStreams', () => {
  it('makes the on-demand analytics stream with 4 shards, named by the local naming rule', () => {
    expect(templateStreams(analyticsConfig())).toEqual([
      { logicalId: 'AnalyticsStream', name: 'serverless-blog-local-analytics-stream', mode: 'ON_DEMAND', shardCount: ON_DEMAND_SHARDS, retentionHours: 24 },
    ]);
    expect(ON_DEMAND_SHARDS).toBe(4);
  });

  it('provisions the shards of analyticsShardCount when it is above 0 (the template’s condition, worked out)', () => {
    expect(templateStreams(withShardCount(2))).toMatchObject([{ mode: 'PROVISIONED', shardCount: 2 }]);
  });

  it('leaves out a stream whose resource Condition does not hold', () => {
    // Prepare: the stream exists only on demand, and the stage provisions 3 shards
    const provisioned = withShardCount(3);
    (provisioned.resources.Resources.AnalyticsStream as unknown as { Condition: string }).Condition = 'AnalyticsStreamOnDemand';

    // Act, Assess
    expect(templateStreams(provisioned)).toEqual([]);
  });

  it.each([
    ['a property it does not know', { StreamModeDetails: { StreamMode: 'ON_DEMAND' }, Foo: 1 }, /cannot follow Foo/],
    ['a shard count on an on-demand stream', { StreamModeDetails: { StreamMode: 'ON_DEMAND' }, ShardCount: 2 }, /takes no ShardCount/],
    ['a retention under 24 hours', { RetentionPeriodHours: 12 }, /24 to 8760/],
  ])('refuses %s', (_, properties, message) => {
    // Prepare
    const config = analyticsConfig();
    config.resources.Resources.AnalyticsStream!.Properties = properties;

    // Act, Assess
    expect(() => templateStreams(config)).toThrow(message);
  });
});

describe('conditions', () => {
  it('works out Fn::Equals / Not / And / Or over parameters and nested Fn::If, leaving out AWS::NoValue', () => {
    // Prepare
    const config = withShardCount(2);
    (config.resources as unknown as { Conditions: Record<string, unknown> }).Conditions.Both = {
      'Fn::And': [{ 'Fn::Not': [{ Condition: 'AnalyticsStreamOnDemand' }] }, { 'Fn::Or': [{ 'Fn::Equals': ['a', 'b'] }, { 'Fn::Equals': [{ Ref: 'AnalyticsShardCount' }, '2'] }] }],
    };

    // Act
    const value = withConditions(config, { A: { 'Fn::If': ['Both', { 'Fn::If': ['AnalyticsStreamOnDemand', 1, 2] }, 3] }, B: { 'Fn::If': ['Both', { Ref: 'AWS::NoValue' }, 4] }, C: { Ref: 'X' } }, 'Test');

    // Assess
    expect(conditionHolds(config, 'Both')).toBe(true);
    expect(value).toEqual({ A: 2, C: { Ref: 'X' } });
  });

  it('refuses a condition it cannot work out, or one that is not there', () => {
    // Prepare
    const config = analyticsConfig();
    (config.resources as unknown as { Conditions: Record<string, unknown> }).Conditions.Region = { 'Fn::Equals': [{ Ref: 'SomeResource' }, 'x'] };

    // Act, Assess
    expect(() => conditionHolds(config, 'Region')).toThrow(/cannot work out/);
    expect(() => conditionHolds(config, 'Nope')).toThrow(/no condition Nope/);
  });
});

describe('createStreams', () => {
  const stream: LocalStream = { logicalId: 'S', name: 's', mode: 'ON_DEMAND', shardCount: 4, retentionHours: 24 };

  /** A Kinesis that knows the stream after CreateStream and says CREATING once before ACTIVE. */
  function fakeKinesis(existing?: { mode: string; shards: number }) {
    const sent: string[] = [];
    let state: { status: string; mode: string; shards: number } | undefined = existing ? { status: 'ACTIVE', ...existing } : undefined;
    const client = {
      send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name;
        sent.push(name);
        if (name === 'CreateStreamCommand') {
          state = { status: 'CREATING', mode: (command.input.StreamModeDetails as { StreamMode: string }).StreamMode, shards: 4 };
          return {};
        }
        if (!state) throw Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' });
        const summary = { StreamStatus: state.status, StreamModeDetails: { StreamMode: state.mode }, OpenShardCount: state.shards, RetentionPeriodHours: 24 };
        state.status = 'ACTIVE';
        return { StreamDescriptionSummary: summary };
      },
    } as unknown as KinesisClient;
    return { client, sent };
  }

  it('creates a missing stream and waits until it is ACTIVE', async () => {
    // Prepare
    const kinesis = fakeKinesis();

    // Act
    await createStreams(kinesis.client, [stream]);

    // Assess
    expect(kinesis.sent).toEqual(['DescribeStreamSummaryCommand', 'CreateStreamCommand', 'DescribeStreamSummaryCommand', 'DescribeStreamSummaryCommand']);
  });

  it('keeps a stream of an earlier run, and refuses one whose shards are not the template’s', async () => {
    await expect(createStreams(fakeKinesis({ mode: 'ON_DEMAND', shards: 4 }).client, [stream])).resolves.toBeUndefined();
    await expect(createStreams(fakeKinesis({ mode: 'PROVISIONED', shards: 1 }).client, [stream])).rejects.toThrow(/delete the local state folder/);
  });
});

describe('loopback.cjs (kinesis-local preloaded)', () => {
  const preload = path.join(__dirname, '../../../../scripts/local/kinesis/loopback.cjs');

  /** A server that listens the way kinesis-local does (`listen(port)`), in a node process with the preload. */
  function run(script: string): Promise<{ code: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--require', preload, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });
  }

  it('binds a server that asked for every interface to 127.0.0.1', async () => {
    const { out } = await run(
      "const s = require('net').createServer(); s.listen(0, () => { console.log(JSON.stringify(s.address())); s.close(); });",
    );
    expect(JSON.parse(out)).toMatchObject({ address: '127.0.0.1' });
  });

  it('ends the process when the port is taken, instead of staying up without a server', async () => {
    const { code, out } = await run(
      "const net = require('net'); const a = net.createServer(); a.listen(0, () => { net.createServer().listen(a.address().port); setTimeout(() => {}, 10000); });",
    );
    expect(code).toBe(1);
    expect(out).toMatch(/EADDRINUSE/);
  });
});
