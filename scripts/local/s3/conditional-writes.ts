/**
 * Conditional writes, which s3rver ignores (it stores every PUT and every completed upload): `If-None-Match: *` and
 * `If-Match: <ETag>` on PutObject, CopyObject and CompleteMultipartUpload, decided as "How to prevent object overwrites
 * with conditional writes" (Amazon S3 User Guide) describes them —
 * - `If-None-Match: *` and an object with the key exists → 412 PreconditionFailed;
 * - `If-Match` and the object's ETag differs → 412 PreconditionFailed; no object with the key → 404 NoSuchKey;
 * - a conditional write while another write to the same key is in progress → 409 ConditionalRequestConflict (the
 *   caller retries, as S3 asks).
 * The gate (server.ts) serialises the writes to one key: a conditional write checks and writes while it holds the key,
 * and an unconditional write waits its turn, so that no write can land between a condition's check and its write and
 * two conditional writes can never both succeed. Anything else it cannot decide (an ETag list, both headers at once,
 * a condition on a delete) is refused rather than ignored.
 */
import type http from 'node:http';

/** An S3 error as the gate sends it: status, `Code`, `Message`, and any further elements of S3's `<Error>`. */
export interface S3Refusal {
  status: number;
  code: string;
  message: string;
  details?: Record<string, string>;
}

/** A request that replaces or removes one object: the key it writes. */
export interface ObjectWrite {
  bucket: string;
  key: string;
  /** PutObject also stands for CopyObject (a PUT with `x-amz-copy-source`), which writes its destination the same way. */
  operation: 'PutObject' | 'CompleteMultipartUpload' | 'DeleteObject';
}

export type Precondition = { ifNoneMatch: '*' } | { ifMatch: string };

// Query parameters that are not a subresource: the SDK's operation hint and a presigned URL's signature.
const NOT_A_SUBRESOURCE = /^(x-id|x-amz-.*|awsaccesskeyid|signature|expires)$/i;

/**
 * The object a request writes (path-style URLs, as every client of the local S3 uses), or undefined when it writes no
 * object: reads, part uploads, subresources (`?tagging`, `?acl`…), bucket calls, AbortMultipartUpload.
 */
export function objectWrite(method: string | undefined, url: string | undefined): ObjectWrite | undefined {
  const parsed = new URL(url ?? '/', 'http://local');
  const slash = parsed.pathname.indexOf('/', 1);
  if (slash < 0 || slash === parsed.pathname.length - 1) return undefined;
  const bucket = decodeURIComponent(parsed.pathname.slice(1, slash));
  const key = decodeURIComponent(parsed.pathname.slice(slash + 1));
  const subresources = [...parsed.searchParams.keys()].filter((name) => !NOT_A_SUBRESOURCE.test(name));
  if (method === 'POST' && subresources.length === 1 && subresources[0] === 'uploadId') {
    return { bucket, key, operation: 'CompleteMultipartUpload' };
  }
  if (subresources.length > 0) return undefined;
  if (method === 'PUT') return { bucket, key, operation: 'PutObject' };
  if (method === 'DELETE') return { bucket, key, operation: 'DeleteObject' };
  return undefined;
}

const notImplemented = (header: string): S3Refusal => ({
  status: 501,
  code: 'NotImplemented',
  message: 'A header you provided implies functionality that is not implemented',
  details: { Header: header },
});

/** The request's condition, none, or the refusal of a condition this stand-in does not decide. */
export function preconditionOf(write: ObjectWrite, headers: http.IncomingHttpHeaders): Precondition | undefined | S3Refusal {
  const noneMatch = headers['if-none-match'];
  const match = headers['if-match'];
  if (noneMatch === undefined && match === undefined) return undefined;
  if (write.operation === 'DeleteObject') return notImplemented(match === undefined ? 'If-None-Match' : 'If-Match');
  if (noneMatch !== undefined && match !== undefined) return notImplemented('If-Match');
  if (noneMatch !== undefined) return noneMatch.trim() === '*' ? { ifNoneMatch: '*' } : notImplemented('If-None-Match');
  const etag = (match ?? '').trim();
  // One ETag, quoted or not (S3 compares them without the quotes); a list or a weak tag is not something S3 writes.
  if (etag === '' || etag.includes(',') || etag.startsWith('W/')) return notImplemented('If-Match');
  return { ifMatch: etag };
}

const unquoted = (etag: string): string => etag.replace(/"/g, '');

/** Whether the condition holds for the object as it is now (`currentEtag` undefined: no object with the key). */
export function checkPrecondition(condition: Precondition, currentEtag: string | undefined, key: string): S3Refusal | undefined {
  if ('ifNoneMatch' in condition) {
    return currentEtag === undefined ? undefined : preconditionFailed('If-None-Match');
  }
  if (currentEtag === undefined) {
    return { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.', details: { Key: key } };
  }
  return unquoted(currentEtag) === unquoted(condition.ifMatch) ? undefined : preconditionFailed('If-Match');
}

const preconditionFailed = (condition: string): S3Refusal => ({
  status: 412,
  code: 'PreconditionFailed',
  message: 'At least one of the pre-conditions you specified did not hold',
  details: { Condition: condition },
});

export const CONDITIONAL_REQUEST_CONFLICT: S3Refusal = {
  status: 409,
  code: 'ConditionalRequestConflict',
  message: 'A conflicting conditional operation is currently in progress against this resource. Please try again.',
};

type Release = () => void;

/** One writer per key at a time, the others in arrival order. */
export class KeyLocks {
  private readonly held = new Map<string, Release[]>();

  /** The key's lock now, or undefined when a write holds it (no waiting: a conditional write conflicts instead). */
  tryAcquire(id: string): Release | undefined {
    if (this.held.has(id)) return undefined;
    this.held.set(id, []);
    return this.releaser(id);
  }

  /** The key's lock once the writes before this one are done. */
  acquire(id: string): Promise<Release> {
    const now = this.tryAcquire(id);
    if (now) return Promise.resolve(now);
    return new Promise((resolve) => this.held.get(id)?.push(() => resolve(this.releaser(id))));
  }

  /** How many keys are held (a test's view: none once every write is answered). */
  get size(): number {
    return this.held.size;
  }

  private releaser(id: string): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.held.get(id)?.shift();
      if (next) next();
      else this.held.delete(id);
    };
  }
}

/**
 * The gate's step for writes: `pass` hands the request to s3rver, `refuse` answers it with an S3 error. The key is
 * held until the response is closed (answered, or the connection dropped), so a write's check and its effect are one
 * step for every other writer of that key.
 */
export function conditionalWrites(
  etagOf: (bucket: string, key: string) => Promise<string | undefined>,
  locks = new KeyLocks(),
): (req: http.IncomingMessage, res: http.ServerResponse, pass: () => void, refuse: (error: S3Refusal) => void) => Promise<void> {
  return async (req, res, pass, refuse) => {
    const write = objectWrite(req.method, req.url);
    if (write === undefined) return pass();
    const condition = preconditionOf(write, req.headers);
    if (condition !== undefined && 'status' in condition) return refuse(condition);

    const id = `${write.bucket}/${write.key}`;
    let lock: Promise<Release>;
    if (condition === undefined) {
      lock = locks.acquire(id);
    } else {
      const release = locks.tryAcquire(id);
      if (release === undefined) return refuse(CONDITIONAL_REQUEST_CONFLICT);
      lock = Promise.resolve(release);
    }
    // Registered before waiting, so that a viewer who hangs up while queued still frees the key when its turn comes.
    res.once('close', () => void lock.then((release) => release()));
    await lock;
    if (res.destroyed || res.writableEnded) return;

    if (condition !== undefined) {
      const refused = checkPrecondition(condition, await etagOf(write.bucket, write.key), write.key);
      if (refused) return refuse(refused);
    }
    pass();
  };
}
