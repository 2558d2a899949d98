/**
 * The local CloudFront API: CreateInvalidation and GetInvalidation of the one local distribution, in the REST-XML the
 * SDK's CloudFrontClient speaks ("CreateInvalidation", "GetInvalidation", "Common errors", Amazon CloudFront API
 * Reference, version 2020-05-31), so that a script invalidates the local edge's cache with the same code as on AWS,
 * pointed here by AWS_ENDPOINT_URL_CLOUDFRONT. Its own port, apart from the viewers' (as cloudfront.amazonaws.com is).
 *
 * Status: CreateInvalidation answers `InProgress`, as CloudFront always does, and GetInvalidation `Completed`.
 * Completed means every edge location has dropped the paths; the one local edge has done so before the answer to
 * CreateInvalidation is sent, so a script that waits for Completed sees the same objects afterwards as on AWS, sooner.
 * Not emulated: the other operations (answered 501), signature checking beyond "is it signed" (the stack has one fixed
 * credential pair, and the local S3 gate does the same), and the per-month free path allowance.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import { parseXML } from '@aws-sdk/xml-builder';
import { listen } from '../common/http-server';

export interface LocalCloudFrontApi {
  url: string;
  close: () => Promise<void>;
}

export interface CloudFrontApiOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The one distribution there is; any other id is NoSuchDistribution. */
  distributionId: string;
  /** Drops what the paths name from the edge's cache. */
  invalidate: (paths: string[]) => unknown;
  now?: () => Date;
}

const VERSION = '2020-05-31';
const NAMESPACE = `http://cloudfront.amazonaws.com/doc/${VERSION}/`;
// "Invalidations: maximum number of file invalidation paths in progress 3,000; wildcard paths 15" and "The maximum
// length of a path is 4,000 characters" (Quotas; Invalidation.md). Locally nothing stays in progress, so they apply
// to one batch.
const MAX_PATHS = 3_000;
const MAX_WILDCARD_PATHS = 15;
const MAX_PATH_LENGTH = 4_000;
/** Beyond any batch of 3,000 paths of 4,000 characters in XML: a larger body is refused before it is held. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Invalidation {
  id: string;
  createTime: Date;
  callerReference: string;
  paths: string[];
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function invalidationXml(invalidation: Invalidation, status: 'InProgress' | 'Completed'): string {
  const items = invalidation.paths.map((item) => `<Path>${xml(item)}</Path>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Invalidation xmlns="${NAMESPACE}"><Id>${invalidation.id}</Id>` +
    `<Status>${status}</Status><CreateTime>${invalidation.createTime.toISOString()}</CreateTime><InvalidationBatch>` +
    `<Paths><Quantity>${invalidation.paths.length}</Quantity><Items>${items}</Items></Paths>` +
    `<CallerReference>${xml(invalidation.callerReference)}</CallerReference></InvalidationBatch></Invalidation>`;
}

/** CloudFront's error body: the SDK reads Error.Code to pick the exception (NoSuchDistribution, InvalidArgument…). */
function errorXml(error: ApiError, requestId: string): string {
  const type = error.status >= 500 ? 'Receiver' : 'Sender';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${NAMESPACE}"><Error><Type>${type}</Type>` +
    `<Code>${error.code}</Code><Message>${xml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
}

/** CloudFront's invalidation ids: 14 upper-case letters and digits, starting with I. */
const invalidationId = () => `I${[...randomBytes(13)].map((byte) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[byte % 36]).join('')}`;

/** A path segment percent-decoded, or undefined when it is not valid percent-encoding (it names nothing then). */
function decodedSegment(segment: string | undefined): string | undefined {
  try {
    return segment === undefined ? undefined : decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value]);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The InvalidationBatch of a CreateInvalidation body, checked as CloudFront checks it. */
function parseBatch(body: string): { callerReference: string; paths: string[] } {
  if (body.trim() === '') throw new ApiError(400, 'MissingBody', 'This operation requires a body.');
  let document: unknown;
  try {
    document = parseXML(body);
  } catch {
    throw new ApiError(400, 'MalformedInput', 'The XML document you provided was not well-formed.');
  }
  const batch = isObject(document) ? document.InvalidationBatch : undefined;
  if (!isObject(batch) || !isObject(batch.Paths)) {
    throw new ApiError(400, 'MalformedInput', 'Expected an InvalidationBatch with Paths.');
  }
  const { Quantity, Items } = batch.Paths;
  const callerReference = batch.CallerReference;
  if (typeof callerReference !== 'string' || callerReference.trim() === '') {
    throw new ApiError(400, 'InvalidArgument', 'CallerReference is required.');
  }
  if (typeof Quantity !== 'string' || !/^\d+$/.test(Quantity)) {
    throw new ApiError(400, 'MalformedInput', 'Paths.Quantity must be a whole number.');
  }
  const items = isObject(Items) ? asList(Items.Path) : asList(Items);
  if (items.some((item) => typeof item !== 'string')) throw new ApiError(400, 'MalformedInput', 'Paths.Items holds Path elements only.');
  const paths = items as string[];
  if (Number(Quantity) !== paths.length) {
    throw new ApiError(400, 'InconsistentQuantities', 'The value of Quantity and the size of Items don\'t match.');
  }
  if (paths.length === 0) throw new ApiError(400, 'InvalidArgument', 'An invalidation needs at least one path.');
  if (paths.length > MAX_PATHS) throw new ApiError(413, 'BatchTooLarge', `An invalidation batch holds at most ${MAX_PATHS} paths.`);
  if (paths.filter((item) => item.includes('*')).length > MAX_WILDCARD_PATHS) {
    throw new ApiError(400, 'TooManyInvalidationsInProgress', `At most ${MAX_WILDCARD_PATHS} wildcard paths may be in progress.`);
  }
  for (const item of paths) {
    // "When you use the CloudFront API directly, invalidation paths must begin with a leading slash"; the wildcard
    // "must be the last character in the invalidation path" (Invalidation.md).
    if (!item.startsWith('/') || item.length > MAX_PATH_LENGTH || item.slice(0, -1).includes('*')) {
      throw new ApiError(400, 'InvalidArgument', `Your request contains an invalid invalidation path: ${item}`);
    }
  }
  return { callerReference, paths };
}

/** True when the request is signed (SigV4 in the Authorization header, or a presigned URL). */
function isSigned(req: http.IncomingMessage, url: URL): boolean {
  return Boolean(req.headers.authorization) || url.searchParams.has('X-Amz-Signature');
}

export async function startCloudFrontApi(options: CloudFrontApiOptions): Promise<LocalCloudFrontApi> {
  const now = options.now ?? (() => new Date());
  const invalidations = new Map<string, Invalidation>();
  let base = '';

  const handle = (req: http.IncomingMessage, body: string): { status: number; body: string; headers?: Record<string, string> } => {
    const url = new URL(req.url ?? '/', 'http://local');
    // An unsigned request never reaches an operation on AWS ("Missing Authentication Token").
    if (!isSigned(req, url)) throw new ApiError(403, 'MissingAuthenticationToken', 'Missing Authentication Token');
    const route = new RegExp(`^/${VERSION}/distribution/([^/]+)/invalidation(?:/([^/]+))?$`).exec(url.pathname);
    const operation = req.method === 'POST' && route && route[2] === undefined ? 'create'
      : req.method === 'GET' && route?.[2] !== undefined ? 'get' : undefined;
    if (!route || !operation) {
      throw new ApiError(501, 'NotImplemented', `${req.method} ${url.pathname} is not emulated by the local CloudFront API`);
    }
    if (decodedSegment(route[1]) !== options.distributionId) {
      throw new ApiError(404, 'NoSuchDistribution', 'The specified distribution does not exist.');
    }
    if (operation === 'get') {
      const invalidation = invalidations.get(decodedSegment(route[2]) ?? '');
      if (!invalidation) throw new ApiError(404, 'NoSuchInvalidation', 'The specified invalidation does not exist.');
      return { status: 200, body: invalidationXml(invalidation, 'Completed') };
    }
    const batch = parseBatch(body);
    // "If you make a second invalidation request with the same value for CallerReference, and if the rest of the
    // request is the same, CloudFront doesn't create a new invalidation request"; with other paths it is
    // InvalidationBatchAlreadyExists (CreateInvalidation, InvalidationBatch.CallerReference).
    const earlier = [...invalidations.values()].find((entry) => entry.callerReference === batch.callerReference);
    if (earlier) {
      const same = earlier.paths.length === batch.paths.length && earlier.paths.every((item, i) => item === batch.paths[i]);
      if (!same) throw new ApiError(409, 'InvalidationBatchAlreadyExists', 'The CallerReference is in use by another invalidation batch.');
    }
    const invalidation = earlier ?? { id: invalidationId(), createTime: now(), ...batch };
    if (!earlier) {
      invalidations.set(invalidation.id, invalidation);
      options.invalidate(invalidation.paths);
    }
    const location = `${base}/${VERSION}/distribution/${options.distributionId}/invalidation/${invalidation.id}`;
    return { status: 201, body: invalidationXml(invalidation, 'InProgress'), headers: { location } };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const requestId = randomUUID();
    const reply = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, ...headers });
      res.end(body);
    };
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        if (length > MAX_BODY_BYTES) throw new ApiError(413, 'BatchTooLarge', 'Invalidation batch specified is too large.');
        const answer = handle(req, Buffer.concat(chunks).toString('utf8'));
        reply(answer.status, answer.body, answer.headers);
      } catch (error) {
        const known = error instanceof ApiError ? error : new ApiError(500, 'InternalError', 'The local CloudFront API failed.');
        if (!(error instanceof ApiError)) console.error('[cloudfront api] request failed', error);
        reply(known.status, errorXml(known, requestId));
      }
    });
  });
  const { url, close } = await listen(server, options.host, options.port);
  base = url;
  return { url, close };
}
