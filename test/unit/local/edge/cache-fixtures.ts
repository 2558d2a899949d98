/** An origin for the edge cache's tests: counts what it is asked, can hold its answers, stream slowly or fail. */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { ByteRange, GetOptions, ObjectSource } from '../../../../scripts/local/edge/origin';

export interface OriginObject {
  body: Buffer;
  cacheControl?: string;
}

export interface OriginCall extends GetOptions {
  key: string;
}

export interface FakeOrigin extends ObjectSource {
  objects: Record<string, OriginObject>;
  calls: OriginCall[];
  /** While set, every answer waits for it. */
  gate?: Promise<void>;
  /** While set, every request fails with it (an origin that is down). */
  failure?: Error;
  /** While true, bodies are streams the test writes (`bodies`), in the order the requests came. */
  manual: boolean;
  bodies: PassThrough[];
}

export const etagOf = (body: Buffer) => `"${createHash('md5').update(body).digest('hex')}"`;

/** Bucket `bucket`; keys as given. Ranges are answered the way S3 answers them (the cache only asks for them when it passes a request through). */
export function fakeOrigin(objects: Record<string, OriginObject>): FakeOrigin {
  const origin: FakeOrigin = {
    objects,
    calls: [],
    manual: false,
    bodies: [],
    async get(_bucket, key, options = {}) {
      origin.calls.push({ key, ...options });
      await origin.gate;
      if (origin.failure) throw origin.failure;
      const stored = origin.objects[key];
      if (!stored) return { kind: 'not-found' };
      const etag = etagOf(stored.body);
      if (options.ifNoneMatch === etag) return { kind: 'not-modified' };
      const size = stored.body.length;
      const bytes = sliceOf(options.range, size);
      if (!bytes) return { kind: 'range-not-satisfiable', size };
      const slice = stored.body.subarray(bytes.start, bytes.end + 1);
      let body: Readable = Readable.from([slice]);
      if (origin.manual) {
        const stream = new PassThrough();
        origin.bodies.push(stream);
        body = stream;
      }
      return {
        kind: 'found',
        status: options.range ? 206 : 200,
        body,
        meta: {
          contentType: 'application/octet-stream',
          contentLength: slice.length,
          etag,
          cacheControl: stored.cacheControl,
          contentRange: options.range ? `bytes ${bytes.start}-${bytes.end}/${size}` : undefined,
        },
      };
    },
  };
  return origin;
}

function sliceOf(range: ByteRange | undefined, size: number): { start: number; end: number } | undefined {
  if (range === undefined) return { start: 0, end: size - 1 };
  if ('suffix' in range) return range.suffix === 0 ? undefined : { start: Math.max(0, size - range.suffix), end: size - 1 };
  return range.start >= size ? undefined : { start: range.start, end: Math.min(range.end ?? size - 1, size - 1) };
}

/** `length` bytes that differ from position to position, so a wrong offset shows. */
export const bytes = (length: number, seed = 0) => Buffer.from(Array.from({ length }, (_, i) => (i * 7 + seed) % 251));

/** A promise and the function that settles it. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Everything a body yields, or what it failed with. */
export async function read(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Waits until `condition` holds (polling each tick of the event loop), for what happens between awaits. */
export async function until(condition: () => boolean, what: string, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
