/**
 * The download workload of the releases benchmark, run in a process of its own (the viewers are other machines; here
 * they at least get their own event loop and core): N clients start at once, each reads the channel's latest.json,
 * verifies its signature as a client does, and downloads the file it names — whole, in 8 MiB ranges in random order,
 * or whole but interrupted part-way and resumed with a Range from the byte where it stopped. Every byte is checked:
 * a whole or resumed download's SHA-256 against the signed manifest, each range against the file's own chunk hashes.
 * Meanwhile a burst of latest.json reads (what a crowd of idle clients polling the channel looks like).
 *
 * Two transports, the same workload: `edge` (plain fetch through the local edge, the distribution's paths) and `s3`
 * (GetObject, with Range, straight from the local S3 — the baseline). Results go to stdout as JSON.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { checkDownload, importVerifyKey, releaseKeys, verifyManifest, type ReleaseManifest } from '../../web/src/releases/manifest';
import { localS3ClientConfig } from '../../scripts/local/ports';

export type ClientKind = 'whole' | 'ranged' | 'resumed';

export interface ClientPlan {
  kind: ClientKind;
  /** ranged: the chunks to read, in this order. */
  chunks?: number[];
  /** resumed: the byte after which the first request is dropped. */
  stopAfter?: number;
}

export interface WorkloadPlan {
  transport: { kind: 'edge'; url: string } | { kind: 's3'; endpoint: string; bucket: string };
  channel: string;
  /** keyId → SPKI PEM: the keys the site would publish. */
  publicKeys: Record<string, string>;
  chunkSize: number;
  /** SHA-256 (hex) of each chunk of the file, in order. */
  chunkHashes: string[];
  clients: ClientPlan[];
  /** Extra latest.json reads, `latestConcurrency` at a time. */
  latestReads: number;
  latestConcurrency: number;
}

export interface ClientResult {
  kind: ClientKind;
  bytes: number;
  requests: number;
  ok: boolean;
  error?: string;
}

export interface WorkloadResult {
  wallMs: number;
  clients: ClientResult[];
  /** Object key → requests made and body bytes received by the clients. */
  served: Record<string, { requests: number; bytes: number }>;
  /** X-Cache of the edge's answers (`Hit from cloudfront` …): what each viewer was told. */
  xCache: Record<string, number>;
  latestReadsOk: number;
  /** Requests tried again after their connection failed (by withRetries, and by the SDK on the S3 path). */
  retries: number;
}

interface Answer {
  status: number;
  contentRange?: string;
  xCache?: string;
  body: AsyncIterable<Uint8Array>;
  /** Drops the connection before the body ends (a client interrupted). */
  abort: () => void;
}

/** A connection that failed (reset, closed, refused), as fetch and the SDK report it; not an answer that was wrong. */
function isConnectionFailure(error: unknown): boolean {
  const codes = [error, error instanceof Error ? error.cause : undefined].map((e) => (e as { code?: unknown } | undefined)?.code);
  return codes.some((code) => typeof code === 'string' && (/^UND_ERR_/.test(code) || ['ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(code)))
    || (error instanceof Error && error.name === 'TypeError' && /^(fetch failed|terminated)$/.test(error.message));
}

/** fetch's own message is "fetch failed"; what failed is its cause (a reset, a closed socket…). */
function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}${'code' in error.cause ? ` (${String(error.cause.code)})` : ''}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}

type Transport = (key: string, range?: { start: number; end?: number }) => Promise<Answer>;

function edgeTransport(base: string): Transport {
  return async (key, range) => {
    const controller = new AbortController();
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {};
    const response = await fetch(`${base}/${key}`, { headers, signal: controller.signal });
    if (!response.body) throw new Error(`GET /${key}: ${response.status} without a body`);
    return {
      status: response.status,
      contentRange: response.headers.get('content-range') ?? undefined,
      xCache: response.headers.get('x-cache') ?? undefined,
      body: response.body,
      abort: () => controller.abort(),
    };
  };
}

/** GetObject; `retried` hears of the attempts the SDK made beyond the first. */
function s3Transport(s3: S3Client, bucket: string, retried: (count: number) => void): Transport {
  return async (key, range) => {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: range ? `bytes=${range.start}-${range.end ?? ''}` : undefined }));
    retried((out.$metadata.attempts ?? 1) - 1);
    const body = out.Body as Readable;
    return {
      status: out.$metadata.httpStatusCode ?? 0,
      contentRange: out.ContentRange,
      body,
      abort: () => body.destroy(),
    };
  };
}

async function runWorkload(plan: WorkloadPlan): Promise<WorkloadResult> {
  const s3 = plan.transport.kind === 's3'
    ? new S3Client({
      ...localS3ClientConfig(plan.transport.endpoint),
      // As many sockets as clients, as fetch opens (undici has no per-origin limit): the SDK's default is 50.
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: plan.clients.length + plan.latestConcurrency }) }),
    })
    : undefined;
  let sdkRetries = 0;
  const get: Transport = plan.transport.kind === 'edge'
    ? edgeTransport(plan.transport.url)
    : s3Transport(s3!, plan.transport.bucket, (count) => (sdkRetries += count));
  const keys = new Map(await Promise.all(Object.entries(plan.publicKeys).map(async ([id, pem]) => [id, await importVerifyKey(pem)] as const)));
  const served: WorkloadResult['served'] = {};
  let retries = 0;
  const xCache: Record<string, number> = {};
  const count = (key: string, answer: Answer) => {
    served[key] ??= { requests: 0, bytes: 0 };
    served[key].requests += 1;
    if (answer.xCache) xCache[answer.xCache] = (xCache[answer.xCache] ?? 0) + 1;
    return served[key];
  };

  /** Reads a body, counting its bytes, until it ends or `limit` bytes are read (then the connection is dropped). */
  const drain = async (key: string, answer: Answer, onChunk: (chunk: Uint8Array) => void, limit = Infinity): Promise<number> => {
    const tally = count(key, answer);
    let read = 0;
    for await (const chunk of answer.body) {
      const part = read + chunk.length > limit ? chunk.subarray(0, limit - read) : chunk;
      onChunk(part);
      read += part.length;
      tally.bytes += chunk.length;
      if (read >= limit) break;
    }
    // Leaving the loop early cancelled the body; dropping the request too closes the connection mid-answer.
    if (read >= limit) answer.abort();
    return read;
  };

  /**
   * Runs one request and its body with `attempts` tries when the connection fails (not when the answer is wrong), as
   * a download client must and as the SDK does for the S3 baseline (its standard retry mode, 3 attempts, retries a
   * reset or closed socket). HTTP/1.1 makes this unavoidable: a keep-alive connection the server closes as idle just
   * when the client reuses it fails the request ("other side closed" from fetch); the next attempt opens another.
   */
  const withRetries = async <T>(work: () => Promise<T>, attempts = 3): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= attempts || !isConnectionFailure(error)) throw error;
        retries += 1;
      }
    }
  };

  const latestKey = releaseKeys.latest(plan.channel);
  const readLatest = () => withRetries(async (): Promise<ReleaseManifest> => {
    const answer = await get(latestKey);
    const chunks: Uint8Array[] = [];
    await drain(latestKey, answer, (chunk) => chunks.push(chunk));
    if (answer.status !== 200) throw new Error(`latest.json: ${answer.status}`);
    return verifyManifest(JSON.parse(Buffer.concat(chunks).toString('utf8')), { keys, channel: plan.channel });
  });

  const client = async (spec: ClientPlan): Promise<ClientResult> => {
    const result: ClientResult = { kind: spec.kind, bytes: 0, requests: 1, ok: false };
    try {
      const manifest = await readLatest();
      const key = releaseKeys.file(plan.channel, manifest.version, manifest.file);
      if (spec.kind === 'ranged') {
        for (const chunk of spec.chunks ?? []) {
          const start = chunk * plan.chunkSize;
          const end = Math.min(start + plan.chunkSize, manifest.size) - 1;
          // A chunk that failed part-way is read again whole: its hash covers the whole range.
          const { read, sha256 } = await withRetries(async () => {
            const answer = await get(key, { start, end });
            result.requests += 1;
            if (answer.status !== 206 || answer.contentRange !== `bytes ${start}-${end}/${manifest.size}`) {
              throw new Error(`range ${start}-${end}: ${answer.status} ${answer.contentRange ?? '(no Content-Range)'}`);
            }
            const hash = createHash('sha256');
            const count = await drain(key, answer, (bytes) => hash.update(bytes));
            return { read: count, sha256: hash.digest('hex') };
          });
          result.bytes += read;
          if (read !== end + 1 - start || sha256 !== plan.chunkHashes[chunk]) throw new Error(`range ${start}-${end}: wrong bytes`);
        }
        if (new Set(spec.chunks).size !== plan.chunkHashes.length) throw new Error('not every chunk was read');
      } else {
        // Whole, or (resumed) dropped at stopAfter and resumed from the first byte it lacks. A connection that
        // fails on the way is resumed the same way.
        const hash = createHash('sha256');
        let got = 0;
        let stopAt = spec.kind === 'resumed' ? spec.stopAfter ?? 0 : Infinity;
        while (got < manifest.size) {
          const before = got;
          await withRetries(async () => {
            const from = got;
            const answer = await get(key, from === 0 ? undefined : { start: from });
            result.requests += 1;
            const expected = from === 0 ? answer.status === 200 : answer.status === 206 && answer.contentRange === `bytes ${from}-${manifest.size - 1}/${manifest.size}`;
            if (!expected) throw new Error(`GET from ${from}: ${answer.status} ${answer.contentRange ?? ''}`);
            await drain(key, answer, (bytes) => {
              hash.update(bytes);
              got += bytes.length;
            }, stopAt - from);
          });
          if (got === before) throw new Error(`GET from ${before}: the body was empty`);
          stopAt = Infinity;
        }
        result.bytes = got;
        checkDownload(manifest, got, hash.digest('hex'));
      }
      result.ok = true;
    } catch (error) {
      result.error = describe(error);
    }
    return result;
  };

  let latestReadsOk = 0;
  const burst = async () => {
    let next = 0;
    await Promise.all(Array.from({ length: plan.latestConcurrency }, async () => {
      while (next++ < plan.latestReads) {
        await readLatest().then(() => (latestReadsOk += 1), () => undefined);
      }
    }));
  };

  const began = performance.now();
  const [clients] = await Promise.all([Promise.all(plan.clients.map(client)), burst()]);
  const wallMs = performance.now() - began;
  s3?.destroy();
  return { wallMs, clients, served, xCache, latestReadsOk, retries: retries + sdkRetries };
}

if (process.argv[2] === '--releases-workload') {
  const plan = JSON.parse(readFileSync(process.argv[3] ?? '', 'utf8')) as WorkloadPlan;
  runWorkload(plan).then(
    (result) => process.stdout.write(JSON.stringify(result)),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
