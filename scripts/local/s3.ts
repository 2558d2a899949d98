import http from 'node:http';
import S3rver from 's3rver';

export interface LocalS3 {
  /** The s3rver instance: it emits `event` for object-created/removed notifications. */
  server: S3rver;
  /** The port it listens on (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * True when the request carries AWS credentials in some form S3 accepts: a SigV4 Authorization header, a presigned
 * URL's query, or a browser POST upload (whose policy and signature are form fields that s3rver checks).
 */
export function isSigned(req: http.IncomingMessage): boolean {
  if (req.headers.authorization) return true;
  const query = new URL(req.url ?? '/', 'http://local').searchParams;
  if (query.has('X-Amz-Signature') || query.has('Signature')) return true;
  if (req.method === 'OPTIONS') return true; // CORS preflight carries no credentials, on S3 too
  return req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('multipart/form-data');
}

const ACCESS_DENIED =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';

/**
 * s3rver answers anonymous requests, but every bucket of this stack blocks public access. The gate in front of it
 * refuses unsigned requests with S3's 403 AccessDenied, so locally, as on AWS, only the edge (with credentials, like
 * OAC) or a signed request reads a bucket.
 */
export async function startLocalS3(options: { host: string; port: number; directory: string }): Promise<LocalS3> {
  const server = new S3rver({ directory: options.directory, silent: true });
  const s3rverHandler = server.callback();
  const gate = http.createServer((req, res) => {
    if (isSigned(req)) {
      s3rverHandler(req, res);
      return;
    }
    res.writeHead(403, { 'content-type': 'application/xml' }).end(ACCESS_DENIED);
  });
  await new Promise<void>((resolve, reject) => {
    gate.once('error', reject);
    gate.listen(options.port, options.host, resolve);
  });
  return {
    server,
    port: (gate.address() as import('node:net').AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        gate.closeAllConnections();
        gate.close(() => resolve());
      }),
  };
}
