/**
 * `npm run bench -- releases`: a generated file of RELEASES_BENCH_MB MiB (default 200; random bytes, so nothing along
 * the way can compress it) published with the release core and downloaded by RELEASES_BENCH_CLIENTS clients (default
 * 50) through the local edge, in RELEASES_BENCH_ROUNDS rounds (default 2) where the measure allows repeating. In
 * this process: the local S3 (s3rver behind its gate, in a temporary folder), the template's ReleasesBucket, and the
 * local edge built from the resolved template (its /releases/* behaviour, cache policy and edge cache, as `npm start`
 * wires them) in front of an origin that counts requests and bytes per object key. Ports: BENCH_PORT_OFFSET (default
 * 2400). The clients run in a process of their own (clients.ts). Measured in one run, each against a baseline taken in
 * the same run:
 * - publish: publishRelease (scripts/releases/publish.ts: SHA-256 while streaming, lib-storage multipart with
 *   `If-None-Match: *`, manifest, index, channel list, latest.json, the invalidation) against a bare lib-storage Upload
 *   of the same file with the same part size and queue size, in alternating turns; and a sweep of part size × queue
 *   size for the bare upload, from which the release command's defaults were chosen;
 * - downloads: the same 50-client workload (whole, ranged in random order, interrupted and resumed; every byte
 *   verified) through the edge on a cold cache — its first fill is part of the run — and straight from the local S3
 *   with GetObject (+ Range); then again through the edge, warm;
 * - origin offload: origin requests and bytes per object during the cold run, and 1 − origin bytes / bytes served;
 * - latest.json: a burst of reads alongside the downloads, collapsed by the edge to one origin request within its TTL.
 * Targets (issue 14): publish ≥ 0.9× the bare upload; one origin fetch per object; ≥ 98 % of bytes from the edge
 * cache; edge throughput ≥ 0.8× reading straight from S3.
 */
import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline, Transform } from 'node:stream';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { bucketNames } from '../../scripts/local/cloudformation/buckets';
import { oneLine } from '../../scripts/local/common/log';
import { EdgeCache } from '../../scripts/local/edge/cache';
import { edgeFromConfig } from '../../scripts/local/edge/distribution';
import { CACHE_BYTES } from '../../scripts/local/edge/index';
import { s3ObjectSource, type ObjectSource } from '../../scripts/local/edge/origin';
import { startEdge } from '../../scripts/local/edge/server';
import { HOST, localPorts, localS3ClientConfig, localUrl } from '../../scripts/local/ports';
import { startLocalS3 } from '../../scripts/local/s3/server';
import { loadServiceConfig } from '../../scripts/local/service-config';
import { DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE, publishRelease, type ReleasePorts, type ReleaseStore } from '../../scripts/releases/publish';
import { S3ReleaseStore } from '../../scripts/releases/s3-store';
import { importSigningKey, importVerifyKey, releaseKeys, signDocument } from '../../web/src/releases/manifest';
import { seededRandom } from '../analytics/dataset';
import type { BenchTable } from '../run';
import type { ClientPlan, WorkloadPlan, WorkloadResult } from './clients';

const MIB = 1024 * 1024;
const SIZE_MIB = Number(process.env.RELEASES_BENCH_MB ?? 200);
const CLIENTS = Number(process.env.RELEASES_BENCH_CLIENTS ?? 50);
/**
 * Rounds of the cold edge and the S3 baseline, taking turns; the uploads (publish and bare in turns, and the sweep's
 * passes in alternating order) run twice as many, their differences being smaller than the machine's drift.
 */
const ROUNDS = Number(process.env.RELEASES_BENCH_ROUNDS ?? 2);
const UPLOAD_TURNS = 2 * ROUNDS;
/** The ranged clients' range, and the unit the file's chunk hashes are taken over. */
const CHUNK = 8 * MIB;
const SWEEP_PART_MIB = [8, 16, 32];
const SWEEP_QUEUE = [4, 8];
const LATEST_READS = 500;
const CHANNEL = 'bench';
const KEY_ID = 'bench-1';
const SEED = 14;

const mibPerS = (bytes: number, ms: number) => bytes / MIB / (ms / 1000);
const ratio = (value: number, baseline: number) => `${(value / baseline).toFixed(2)}×`;
const percent = (share: number) => `${(share * 100).toFixed(2)} %`;

/** Random bytes (incompressible) written to `file`; its SHA-256 and that of each CHUNK. */
async function generate(file: string, size: number): Promise<{ sha256: string; chunkHashes: string[] }> {
  const handle = await open(file, 'w');
  const whole = createHash('sha256');
  const chunkHashes: string[] = [];
  let chunk = createHash('sha256');
  try {
    for (let written = 0; written < size;) {
      const block = randomBytes(Math.min(MIB, size - written));
      await handle.write(block);
      whole.update(block);
      chunk.update(block);
      written += block.length;
      if (written % CHUNK === 0 || written === size) {
        chunkHashes.push(chunk.digest('hex'));
        chunk = createHash('sha256');
      }
    }
  } finally {
    await handle.close();
  }
  return { sha256: whole.digest('hex'), chunkHashes };
}

/** The edge's origin, counting GetObject requests and the body bytes read, per object key. */
interface OriginTally {
  requests: number;
  bytes: number;
  /** performance.now() of the first request and of the last byte read: how long the origin was busy with the key. */
  firstRequestAt: number;
  lastByteAt: number;
}

class CountingOrigin implements ObjectSource {
  counts = new Map<string, OriginTally>();

  constructor(private readonly source: ObjectSource) {}

  async get(...[bucket, key, options]: Parameters<ObjectSource['get']>): ReturnType<ObjectSource['get']> {
    const tally = this.counts.get(key) ?? { requests: 0, bytes: 0, firstRequestAt: performance.now(), lastByteAt: NaN };
    this.counts.set(key, tally);
    tally.requests += 1;
    const result = await this.source.get(bucket, key, options);
    if (result.kind !== 'found') return result;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        tally.bytes += chunk.length;
        tally.lastByteAt = performance.now();
        callback(null, chunk);
      },
    });
    pipeline(result.body, counted, () => undefined);
    return { ...result, body: counted };
  }
}

/** The releases bucket, timing the file's upload apart from the small requests around it (reads, pointers). */
class TimedStore implements ReleaseStore {
  uploadMs = 0;
  otherMs = 0;
  otherRequests = 0;
  readonly description: string;

  constructor(private readonly store: ReleaseStore) {
    this.description = store.description;
  }

  private async other<T>(work: Promise<T>): Promise<T> {
    const began = performance.now();
    try {
      return await work;
    } finally {
      this.otherMs += performance.now() - began;
      this.otherRequests += 1;
    }
  }

  read(key: string) {
    return this.other(this.store.read(key));
  }

  exists(key: string) {
    return this.other(this.store.exists(key));
  }

  write(...args: Parameters<ReleaseStore['write']>) {
    return this.other(this.store.write(...args));
  }

  async upload(...args: Parameters<ReleaseStore['upload']>) {
    const began = performance.now();
    try {
      await this.store.upload(...args);
    } finally {
      this.uploadMs += performance.now() - began;
    }
  }
}

/**
 * Wall time, and the CPU time of this process (the uploader and the local S3 both, with the edge idle meanwhile):
 * on a machine shared with other work the wall time drifts by tens of percent from one upload to the next, the CPU
 * time much less, so it tells what one path costs more than another when the cores are the limit.
 */
interface Sample {
  ms: number;
  cpuMs: number;
}

async function timed(work: () => Promise<unknown>): Promise<Sample> {
  const began = performance.now();
  const cpu = process.cpuUsage();
  await work();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - began, cpuMs: (used.user + used.system) / 1000 };
}

async function bareUpload(s3: S3Client, bucket: string, key: string, file: string, partSize: number, queueSize: number): Promise<void> {
  await new Upload({ client: s3, partSize, queueSize, params: { Bucket: bucket, Key: key, Body: createReadStream(file) } }).done();
}

/** The client mix: 40 % whole downloads, 40 % ranged in random order, 20 % interrupted and resumed. */
function clientMix(count: number, size: number, chunks: number): ClientPlan[] {
  const next = seededRandom(SEED); // the same client mix and interruption points on every run
  return Array.from({ length: count }, (_, i): ClientPlan => {
    const slot = i % 5;
    if (slot < 2) return { kind: 'whole' };
    if (slot < 4) {
      const order = Array.from({ length: chunks }, (_, c) => c);
      for (let j = order.length - 1; j > 0; j--) {
        const k = Math.floor(next() * (j + 1));
        [order[j], order[k]] = [order[k]!, order[j]!];
      }
      return { kind: 'ranged', chunks: order };
    }
    return { kind: 'resumed', stopAfter: Math.floor(size * (0.2 + 0.6 * next())) };
  });
}

async function runWorkload(dir: string, name: string, plan: WorkloadPlan): Promise<WorkloadResult> {
  const planFile = path.join(dir, `${name}.json`);
  await writeFile(planFile, JSON.stringify(plan));
  const { stdout } = await promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), path.join(__dirname, 'clients.ts'), '--releases-workload', planFile], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    maxBuffer: 16 * MIB,
  });
  return JSON.parse(stdout) as WorkloadResult;
}

const fillNote = (tally: OriginTally | undefined) =>
  tally === undefined ? 'none' : `${tally.requests} request(s), ${(tally.bytes / MIB).toFixed(1)} MiB in ${((tally.lastByteAt - tally.firstRequestAt) / 1000).toFixed(1)} s (${mibPerS(tally.bytes, tally.lastByteAt - tally.firstRequestAt).toFixed(0)} MiB/s) while the clients read`;
const servedBytes = (result: WorkloadResult) => Object.values(result.served).reduce((n, s) => n + s.bytes, 0);
const verified = (result: WorkloadResult) => result.clients.filter((c) => c.ok).length;

export async function releasesBench(): Promise<BenchTable[]> {
  if (!Number.isInteger(SIZE_MIB) || SIZE_MIB < 1) throw new Error(`RELEASES_BENCH_MB must be a whole number of MiB, got ${SIZE_MIB}`);
  for (const [name, value] of [['RELEASES_BENCH_CLIENTS', CLIENTS], ['RELEASES_BENCH_ROUNDS', ROUNDS]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number from 1, got ${value}`);
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const size = SIZE_MIB * MIB;
  const ports = localPorts(Number(process.env.BENCH_PORT_OFFSET ?? 2400));
  const progress = (line: string) => console.error(`releases: ${line}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-releases-'));
  // Undone in reverse order whatever happens: servers, clients, and the temporary folder (a few hundred MB).
  const cleanup: (() => Promise<unknown> | void)[] = [() => rm(dir, { recursive: true, force: true })];
  try {
    const file = path.join(dir, `app-${SIZE_MIB}mib.bin`);
    progress(`generating ${SIZE_MIB} MiB of random bytes…`);
    const { sha256, chunkHashes } = await generate(file, size);

    progress('resolving serverless.yml for stage local…');
    const config = await loadServiceConfig('local');
    const names = bucketNames(config);
    const bucket = names.get('ReleasesBucket');
    if (!bucket) throw new Error('the template has no ReleasesBucket');
    const localS3 = await startLocalS3({ host: HOST, port: ports.s3, directory: path.join(dir, 's3') });
    cleanup.push(() => localS3.close());
    const endpoint = localUrl(localS3.port);
    const s3 = new S3Client(localS3ClientConfig(endpoint));
    cleanup.push(() => s3.destroy());
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    const origin = new CountingOrigin(s3ObjectSource(s3));
    const cache = await EdgeCache.open(origin, { dir: path.join(dir, 'edge-cache'), maxBytes: CACHE_BYTES });
    cleanup.push(() => cache.close());
    const definition = edgeFromConfig(config, (logicalId) => {
      const name = names.get(logicalId);
      if (!name) throw new Error(`the distribution names an origin bucket ${logicalId} that is not in resources`);
      return name;
    });
    // The premium behaviours' signed-URL check is left off (it needs the stack's key pair): /releases/* has none.
    const edgeLog: string[] = [];
    const edge = await startEdge({
      host: HOST,
      port: ports.edge,
      definition,
      source: origin,
      cache,
      log: (message, error) => {
        if (!/requires signed URLs or cookies/.test(message)) edgeLog.push(`${message}${error === undefined ? '' : `: ${oneLine(error)}`}`);
      },
    });
    cleanup.push(() => edge.close());

    // --- publish: the sweep of the bare upload, then the core against the bare upload at the core's defaults ---
    // Not measured: the first upload of a process pays for compiling the code it runs.
    progress('warm-up upload…');
    await bareUpload(s3, bucket, 'bench-bare/warm-up', file, DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'bench-bare/warm-up' }));
    const sweep = new Map<string, Sample[]>();
    const settings = SWEEP_PART_MIB.flatMap((part) => SWEEP_QUEUE.map((queue) => [part, queue] as const));
    for (let pass = 0; pass < UPLOAD_TURNS; pass++) {
      for (const [part, queue] of pass % 2 === 0 ? settings : [...settings].reverse()) {
        progress(`sweep: bare upload, part ${part} MiB × queue ${queue} (pass ${pass + 1}/${UPLOAD_TURNS})…`);
        const key = `bench-bare/sweep-${part}-${queue}-${pass}`;
        const sample = await timed(() => bareUpload(s3, bucket, key, file, part * MIB, queue));
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        sweep.set(`${part}×${queue}`, [...(sweep.get(`${part}×${queue}`) ?? []), sample]);
      }
    }

    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const signingKey = await importSigningKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    const invalidations: string[][] = [];
    const store = new TimedStore(new S3ReleaseStore(s3, bucket));
    const releasePorts: ReleasePorts = {
      store,
      signer: { keyId: KEY_ID, sign: (document) => signDocument(document, signingKey) },
      trustedKeys: new Map([[KEY_ID, await importVerifyKey(publicPem)]]),
      // The CloudFront API of `npm start` calls the same method of the same cache.
      invalidate: async (paths) => {
        invalidations.push(paths);
        cache.invalidate(paths);
        return `BENCH${invalidations.length}`;
      },
      now: () => new Date(),
      log: () => undefined,
    };
    // Likewise the first release (its signing, verifying and pointer code), as a version of its own.
    progress('warm-up release…');
    await publishRelease({ channel: CHANNEL, version: '0.9.0', filePath: file, manifestDays: 90 }, releasePorts);
    store.uploadMs = store.otherMs = store.otherRequests = 0;
    const published: Sample[] = [];
    const bare: Sample[] = [];
    let version = '';
    for (let round = 0; round < UPLOAD_TURNS; round++) {
      version = `1.0.${round}`;
      const publish = async () => {
        progress(`publish ${CHANNEL} ${version} (turn ${round + 1}/${UPLOAD_TURNS})…`);
        published.push(await timed(() => publishRelease({ channel: CHANNEL, version, filePath: file, manifestDays: 90 }, releasePorts)));
      };
      const bareTurn = async () => {
        progress(`bare upload (turn ${round + 1}/${UPLOAD_TURNS})…`);
        const key = `bench-bare/${round}`;
        bare.push(await timed(() => bareUpload(s3, bucket, key, file, DEFAULT_PART_SIZE, DEFAULT_QUEUE_SIZE)));
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      };
      // Turns alternate, so that a slow spell of the shared machine falls on both.
      for (const step of round % 2 === 0 ? [bareTurn, publish] : [publish, bareTurn]) await step();
    }

    // --- downloads: the same workload through the edge (cold, then warm) and straight from the local S3 ---
    const plan = (transport: WorkloadPlan['transport']): WorkloadPlan => ({
      transport,
      channel: CHANNEL,
      publicKeys: { [KEY_ID]: publicPem },
      chunkSize: CHUNK,
      chunkHashes,
      clients: clientMix(CLIENTS, size, chunkHashes.length),
      latestReads: LATEST_READS,
      latestConcurrency: CLIENTS,
    });
    const fileKey = releaseKeys.file(CHANNEL, version, path.basename(file));
    const latestKey = releaseKeys.latest(CHANNEL);
    const edgeUrl = edge.url;

    interface Phase {
      name: string;
      round: number;
      edge: boolean;
      result: WorkloadResult;
      origin: Map<string, OriginTally>;
    }
    const phases: Phase[] = [];
    const phase = async (name: string, round: number, transport: WorkloadPlan['transport']): Promise<Phase> => {
      progress(`downloads: ${name}${round > 0 ? ` (round ${round})` : ''}…`);
      origin.counts = new Map();
      const result = await runWorkload(dir, `${name.replace(/\W+/g, '-')}-${round}`, plan(transport));
      const done = { name, round, edge: transport.kind === 'edge', result, origin: origin.counts };
      phases.push(done);
      return done;
    };
    if (origin.counts.get(fileKey) !== undefined || cache.stats().storedBytes > 0) throw new Error('the edge cache is not cold');
    // What one origin fetch can do at best here: the file read once with GetObject, nothing else running.
    const { ms: soloMs } = await timed(async () => {
      const result = await s3ObjectSource(s3).get(bucket, fileKey);
      if (result.kind !== 'found') throw new Error(`${fileKey}: ${result.kind}`);
      for await (const _chunk of result.body) void _chunk;
    });
    // Rounds of a cold edge and the S3 baseline, taking turns to go first; each cold round starts from an emptied
    // cache (the invalidation of /releases/* a maintainer could send), the first from one that never held anything.
    const pairs: { cold: Phase; direct: Phase }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const coldRun = async () => {
        if (round > 1) cache.invalidate(['/releases/*']);
        if (cache.stats().storedBytes > 0) throw new Error('the edge cache is not cold');
        return phase('edge, cold cache', round, { kind: 'edge', url: edgeUrl });
      };
      const directRun = () => phase('local S3, GetObject', round, { kind: 's3', endpoint, bucket });
      if (round % 2 === 1) {
        const cold = await coldRun();
        pairs.push({ cold, direct: await directRun() });
      } else {
        const direct = await directRun();
        pairs.push({ cold: await coldRun(), direct });
      }
    }
    const warm = await phase('edge, warm cache', 0, { kind: 'edge', url: edgeUrl });

    // --- tables ---
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const middle = sorted.length / 2;
      return Number.isInteger(middle) ? ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2 : (sorted[Math.floor(middle)] ?? NaN);
    };
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const summary = (samples: Sample[]) => ({
      rate: mibPerS(size, median(samples.map((x) => x.ms))),
      cpuS: median(samples.map((x) => x.cpuMs)) / 1000,
      rates: samples.map((x) => mibPerS(size, x.ms).toFixed(0)).join('/'),
    });
    const sweepRows = settings.map(([part, queue]) => ({ part, queue, ...summary(sweep.get(`${part}×${queue}`) ?? []) }));
    const best = sweepRows.reduce((a, b) => (b.rate > a.rate ? b : a));
    const leanest = sweepRows.reduce((a, b) => (b.cpuS < a.cpuS ? b : a));
    const publish = summary(published);
    const baseline = summary(bare);
    const defaults = `${DEFAULT_PART_SIZE / MIB} MiB × ${DEFAULT_QUEUE_SIZE}`;
    const publishTable: BenchTable = {
      title: `releases — publish ${SIZE_MIB} MiB to the local S3 (baseline: a bare lib-storage Upload, same part size and queue)`,
      headers: ['upload', 'part × queue', 'MiB/s', 'vs baseline', 'CPU s', 'by CPU vs baseline', 'target'],
      rows: [
        ['publishRelease (npm run release)', defaults, publish.rate.toFixed(1), ratio(publish.rate, baseline.rate), publish.cpuS.toFixed(2), ratio(baseline.cpuS, publish.cpuS), '≥ 0.90×'],
        ['bare Upload (baseline)', defaults, baseline.rate.toFixed(1), '1.00×', baseline.cpuS.toFixed(2), '1.00×', ''],
        ...sweepRows.map((row) => [
          'sweep: bare Upload', `${row.part} MiB × ${row.queue}`, row.rate.toFixed(1), ratio(row.rate, best.rate) + (row === best ? ' (fastest)' : ''),
          row.cpuS.toFixed(2), ratio(leanest.cpuS, row.cpuS) + (row === leanest ? ' (leanest)' : ''), '',
        ]),
      ],
      notes: [
        `Medians of ${UPLOAD_TURNS} turns each of publish and bare upload, alternating (${publish.rates} vs ${baseline.rates} MiB/s); sweep: ${UPLOAD_TURNS} passes in alternating order (${sweepRows.map((r) => r.rates).join(', ')} MiB/s), ratios against its fastest and leanest settings.`,
        'CPU s: this process (uploader and local S3) per upload; "by CPU" is the throughput ratio where the cores are the limit, as on this shared machine, and drifts far less than the wall time.',
        'publishRelease includes what the bare upload does not: SHA-256 of the stream, the key-pair check, the signed manifest, index, channel list and latest.json (conditional writes) and the invalidation.',
        `Of publishRelease's ${(sum(published.map((x) => x.ms)) / 1000).toFixed(1)} s in all: the file's upload ${(store.uploadMs / 1000).toFixed(1)} s, ${store.otherRequests} small requests ${(store.otherMs / 1000).toFixed(1)} s; the bare uploads ${(sum(bare.map((x) => x.ms)) / 1000).toFixed(1)} s.`,
        'The sweep ran against s3rver on loopback, where the CPU is the limit; S3 over a network is limited by latency, where more parts in parallel pay (--queue-size).',
      ],
    };

    const rate = (result: WorkloadResult) => mibPerS(servedBytes(result), result.wallMs);
    const downloadRow = ({ name, round, edge: isEdge, result, origin: counts }: Phase, baseline: Phase | undefined) => {
      const served = servedBytes(result);
      const originBytes = sum([...counts.values()].map((c) => c.bytes));
      const originRequests = sum([...counts.values()].map((c) => c.requests));
      return [
        round > 0 ? `${name} (round ${round})` : name,
        `${verified(result)}/${result.clients.length}`,
        (served / MIB).toFixed(0),
        (result.wallMs / 1000).toFixed(1),
        rate(result).toFixed(0),
        baseline ? ratio(rate(result), rate(baseline.result)) : '',
        String(result.retries),
        isEdge ? String(originRequests) : '',
        isEdge ? (originBytes / MIB).toFixed(1) : '',
        isEdge ? percent(1 - originBytes / served) : '',
      ];
    };
    const pooled = (list: Phase[]) => mibPerS(sum(list.map((p) => servedBytes(p.result))), sum(list.map((p) => p.result.wallMs)));
    const directPhases = pairs.map((p) => p.direct);
    const failures = phases.flatMap(({ name, round, result }) =>
      result.clients.flatMap((c, i) => (c.ok ? [] : [`${name} ${round}: client ${i} (${c.kind}): ${c.error ?? '?'}`])));
    if (failures.length > 0) process.exitCode = 1;
    const mix = warm.result.clients.reduce<Record<string, number>>((n, c) => ({ ...n, [c.kind]: (n[c.kind] ?? 0) + 1 }), {});
    const downloadTable: BenchTable = {
      title: `releases — ${CLIENTS} clients downloading ${SIZE_MIB} MiB at once (baseline: the same workload with GetObject straight from the local S3)`,
      headers: ['path', 'verified', 'MiB served', 'wall s', 'MiB/s', 'vs S3', 'retries', 'origin requests', 'origin MiB', 'from edge cache'],
      rows: [
        ...pairs.flatMap(({ cold, direct }) => [downloadRow(cold, direct), downloadRow(direct, undefined)]),
        ['edge, cold cache: all rounds', '', '', '', pooled(pairs.map((p) => p.cold)).toFixed(0), ratio(pooled(pairs.map((p) => p.cold)), pooled(directPhases)), '', '', '', ''],
        downloadRow(warm, undefined).map((cell, i) => (i === 5 ? ratio(rate(warm.result), pooled(directPhases)) : cell)),
      ],
      notes: [
        `Clients: ${Object.entries(mix).map(([kind, n]) => `${n} ${kind}`).join(', ')} (ranged: every 8 MiB chunk in random order; resumed: dropped at 20-80 %, then a Range from there). Each first reads and verifies latest.json; alongside, ${LATEST_READS} more latest.json reads, ${CLIENTS} at a time.`,
        "Verified: whole and resumed downloads by SHA-256 against the signed manifest, each range against the file's own chunk hash.",
        'Cold: the edge cache is empty when the clients start, so the one origin fetch and the fill from it are inside the wall time (the clients read from the file as it fills). Rounds take turns going first.',
        'Retries: requests tried again after their connection failed (the S3 path: the SDK\'s own retries); see clients.ts.',
        `X-Cache answers: ${phases.filter((p) => p.edge).map((p) => `${p.name}${p.round > 0 ? ` ${p.round}` : ''} ${JSON.stringify(p.result.xCache)}`).join('; ')}.`,
        `Targets (issue 14): through the edge ≥ 0.80× straight from S3; ≥ 98 % of bytes from the edge cache (1 − origin bytes / bytes served: with each client reading the file once, one origin fetch for ${CLIENTS} clients is ${(100 - 100 / CLIENTS).toFixed(1)} %).`,
        ...failures.slice(0, 10),
        ...edgeLog.slice(0, 5).map((line) => `edge log: ${line}`),
      ],
    };

    const edgePhases = phases.filter((p) => p.edge);
    const objectRows = [fileKey, latestKey].flatMap((key) => edgePhases.map(({ name, round, result, origin: counts }) => {
      const served = result.served[key] ?? { requests: 0, bytes: 0 };
      const fetched = counts.get(key) ?? { requests: 0, bytes: 0 };
      return [
        key.replace(`releases/${CHANNEL}/`, '…/'),
        round > 0 ? `${name} (round ${round})` : name,
        String(served.requests),
        (served.bytes / MIB).toFixed(key === fileKey ? 0 : 3),
        String(fetched.requests),
        (fetched.bytes / MIB).toFixed(key === fileKey ? 1 : 3),
        served.bytes === 0 ? '' : percent(1 - fetched.bytes / served.bytes),
      ];
    }));
    const others = [...new Set(edgePhases.flatMap((p) => [...p.origin.keys()]))].filter((key) => key !== fileKey && key !== latestKey);
    const objectTable: BenchTable = {
      title: `releases — origin requests per object (releases/${CHANNEL}/${version}/…)`,
      headers: ['object', 'run', 'viewer requests', 'MiB served', 'origin requests', 'origin MiB', 'from edge cache'],
      rows: objectRows,
      notes: [
        `File: ${SIZE_MIB} MiB, sha256 ${sha256.slice(0, 16)}…; latest.json: Cache-Control max-age=60, read by every client and by the burst.`,
        'Target: one origin fetch per object (a warm run may revalidate latest.json once its 60 s are up: a conditional GET, 304, no bytes).',
        `The cold runs' origin fetch of the file: ${pairs.map((p) => fillNote(p.cold.origin.get(fileKey))).join('; ')}. One GetObject of it alone, before the runs: ${(soloMs / 1000).toFixed(1)} s (${mibPerS(size, soloMs).toFixed(0)} MiB/s).`,
        ...(others.length > 0 ? [`Other origin requests through the edge: ${others.join(', ')}`] : []),
        `latest.json reads of the burst that verified: ${phases.map((p) => `${p.result.latestReadsOk}/${LATEST_READS}`).join(', ')}. Invalidations by the publishes: ${invalidations.map((p) => p.join(' ')).join('; ')}.`,
      ],
    };
    return [publishTable, downloadTable, objectTable];
  } finally {
    for (const undo of cleanup.reverse()) await undo();
  }
}
