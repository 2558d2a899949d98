/**
 * The local S3: s3rver, an emulator of the S3 REST API ("Amazon S3 API Reference"), behind a gate that does what
 * s3rver leaves out — Block Public Access refusing unsigned requests ("Blocking public access to your Amazon S3
 * storage"), the policy check of browser-form uploads ("Browser-based uploads using POST", post-policy.ts) and
 * conditional writes ("How to prevent object overwrites with conditional writes", conditional-writes.ts).
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { conditionalWrites, type S3Refusal } from './conditional-writes';
import { checkPostUpload, type S3FormError } from './post-policy';
import { LOCAL_S3_CREDENTIALS } from '../ports';
import { listen } from '../common/http-server';

export interface LocalS3 {
  /** The s3rver instance: it emits `event` for object-created/removed notifications. */
  server: S3rver;
  /** The port it listens on (useful with port 0). */
  port: number;
  close: () => Promise<void>;
}

/** A browser-form upload: its credentials are form fields, checked by checkPostUpload before s3rver sees it. */
export function isFormUpload(req: http.IncomingMessage): boolean {
  return req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
}

/** True when the request carries AWS credentials in a header or in a presigned URL's query (or is a CORS preflight). */
export function isSigned(req: http.IncomingMessage): boolean {
  if (req.headers.authorization) return true;
  const query = new URL(req.url ?? '/', 'http://local').searchParams;
  if (query.has('X-Amz-Signature') || query.has('Signature')) return true;
  return req.method === 'OPTIONS'; // CORS preflight carries no credentials, on S3 too
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function sendError(res: http.ServerResponse, error: S3FormError | S3Refusal, headers: Record<string, string> = {}): void {
  const details = Object.entries('details' in error ? (error.details ?? {}) : {})
    .map(([name, value]) => `<${name}>${xml(value)}</${name}>`)
    .join('');
  res
    .writeHead(error.status, { 'content-type': 'application/xml', ...headers })
    .end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${xml(error.message)}</Message>${details}</Error>`);
}

const INTERNAL_ERROR: S3FormError = { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' };

/** The ETag s3rver has for an object (quoted, as S3 sends it), or undefined when there is no such object. */
async function currentEtag(server: S3rver, bucket: string, key: string): Promise<string | undefined> {
  try {
    return (await server.store.getMetadata(bucket, key)).etag;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

const ACCESS_DENIED: S3FormError = { status: 403, code: 'AccessDenied', message: 'Access Denied' };

/** Larger than any upload the stack signs for; a form beyond it is refused before it is held in memory. */
const MAX_FORM_BYTES = 256 * 1024 * 1024;

/**
 * Holds the form, checks it as S3 would (signature, expiry, conditions, size range), then hands s3rver a copy of the
 * request with the same bytes. Errors carry the CORS headers of the bucket's matching rule, as S3's do, so that a
 * browser can read why its upload was refused.
 */
async function formUpload(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  server: S3rver,
  s3rverHandler: ReturnType<S3rver['callback']>,
): Promise<void> {
  const bucket = decodeURIComponent(new URL(req.url ?? '/', 'http://local').pathname.split('/')[1] ?? '');
  const origin = req.headers.origin;
  const rule = origin ? (await server.store.getSubresource(bucket, undefined, 'cors').catch(() => null))?.matchRule(origin, 'POST') : undefined;
  const cors: Record<string, string> = origin && rule ? { 'access-control-allow-origin': rule.hasWildcardOrigin ? '*' : origin, vary: 'Origin' } : {};

  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_FORM_BYTES) {
      sendError(res, { status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' }, { ...cors, connection: 'close' });
      req.destroy();
      return;
    }
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);

  const fields: [string, string][] = [];
  let fileSize: number | undefined;
  try {
    const form = await new Response(body, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
    for (const [name, value] of form) {
      if (name === 'file') {
        fileSize = typeof value === 'string' ? Buffer.byteLength(value) : value.size;
        break; // S3 ignores the fields after the file
      }
      if (typeof value === 'string') fields.push([name, value]);
    }
  } catch {
    sendError(res, { status: 400, code: 'MalformedPOSTRequest', message: 'The body of your POST request is not well-formed multipart/form-data.' }, cors);
    return;
  }
  if (fileSize === undefined) {
    sendError(res, { status: 400, code: 'InvalidArgument', message: 'POST requires exactly one file upload per request.' }, cors);
    return;
  }
  const refused = checkPostUpload({ bucket, fields, fileSize }, LOCAL_S3_CREDENTIALS);
  if (refused) {
    sendError(res, refused, cors);
    return;
  }

  // The request's own stream is spent: s3rver reads the same bytes from a stand-in with the same method, URL, headers.
  const copy = Object.assign(Readable.from([body]), {
    method: req.method,
    url: req.url,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
    connection: req.socket,
  });
  s3rverHandler(copy as unknown as http.IncomingMessage, res);
}

/**
 * s3rver reports an object made by CompleteMultipartUpload as `ObjectCreated:Post`, the name of a browser-form upload;
 * S3 names it `ObjectCreated:CompleteMultipartUpload` ("Supported event types for SQS, SNS, and Lambda"). The gate
 * knows which request is which: while a completion is being answered, an event for its object gets S3's name.
 * Returns what the gate calls for every request it passes on.
 */
function namesCompletedMultipartUploads(server: S3rver): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const objects = new Map<string, number>();
  const emit = server.emit.bind(server);
  server.emit = (name: string | symbol, ...args: unknown[]) => {
    const record = (args[0] as { Records?: { eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string } } }[] } | undefined)?.Records?.[0];
    if (name === 'event' && record?.eventName === 'ObjectCreated:Post' && objects.has(`${record.s3?.bucket?.name}/${record.s3?.object?.key}`)) {
      record.eventName = 'ObjectCreated:CompleteMultipartUpload';
    }
    return emit(name, ...args);
  };
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://local');
    if (req.method !== 'POST' || !url.searchParams.has('uploadId')) return;
    const object = decodeURIComponent(url.pathname.slice(1));
    objects.set(object, (objects.get(object) ?? 0) + 1);
    res.once('close', () => {
      const left = (objects.get(object) ?? 1) - 1;
      if (left > 0) objects.set(object, left);
      else objects.delete(object);
    });
  };
}

/**
 * s3rver answers anonymous requests, but every bucket of this stack blocks public access. The gate in front of it
 * refuses unsigned requests with S3's 403 AccessDenied, so locally, as on AWS, only the edge (with credentials, like
 * OAC) or a signed request reads a bucket; it checks browser-form uploads' signed policies, and decides conditional
 * writes, both of which s3rver ignores. (Form uploads are not serialised with the other writes: S3 has no condition
 * for them, and nothing of this stack writes a key both ways.)
 */
export async function startLocalS3(options: { host: string; port: number; directory: string }): Promise<LocalS3> {
  const server = new S3rver({ directory: options.directory, silent: true });
  const s3rverHandler = server.callback();
  const completing = namesCompletedMultipartUploads(server);
  const writes = conditionalWrites((bucket, key) => currentEtag(server, bucket, key));
  const gate = http.createServer((req, res) => {
    if (isFormUpload(req)) {
      formUpload(req, res, server, s3rverHandler).catch(() => {
        if (!res.headersSent) sendError(res, INTERNAL_ERROR);
      });
      return;
    }
    if (isSigned(req)) {
      const pass = () => {
        completing(req, res);
        s3rverHandler(req, res);
      };
      writes(req, res, pass, (error) => sendError(res, error)).catch(() => {
        if (!res.headersSent) sendError(res, INTERNAL_ERROR);
      });
      return;
    }
    sendError(res, ACCESS_DENIED);
  });
  const { port, close } = await listen(gate, options.host, options.port);
  return { server, port, close };
}
