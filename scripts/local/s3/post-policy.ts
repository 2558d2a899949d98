/**
 * Browser-form (POST) uploads, checked as S3 checks them: s3rver stores any multipart POST without looking at its
 * signature or policy, so the local S3 gate (server.ts) runs this first. SigV4 POST signature over the base64 policy,
 * expiration, every condition (exact match, starts-with, content-length-range), and no form field the policy does not
 * name. Errors carry S3's codes, status codes and messages ("Browser-based uploads using POST", S3 API reference).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface PostCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface PostUpload {
  /** The bucket from the request path. */
  bucket: string;
  /** Every form field before the file, in order (names as sent). */
  fields: [string, string][];
  fileSize: number;
}

export interface S3FormError {
  status: number;
  code: string;
  message: string;
}

type Condition = Record<string, unknown> | unknown[];

/** Fields S3 never expects in the policy's conditions. */
const UNCONDITIONED = new Set(['policy', 'x-amz-signature', 'file']);

const denied = (message: string): S3FormError => ({ status: 403, code: 'AccessDenied', message });
const invalidPolicy = (message: string): S3FormError => denied(`Invalid according to Policy: ${message}`);

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** `AWS4-HMAC-SHA256` over the base64 policy, with the key derived from the credential scope. */
function expectedSignature(secret: string, scope: { date: string; region: string; service: string }, policy: string): string {
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, scope.date), scope.region), scope.service), 'aws4_request');
  return hmac(signingKey, policy).toString('hex');
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The error S3 would answer for this upload, or undefined when S3 would store it. */
export function checkPostUpload(upload: PostUpload, credentials: PostCredentials, now = new Date()): S3FormError | undefined {
  const fields = new Map<string, string>();
  for (const [name, value] of upload.fields) fields.set(name.toLowerCase(), value);
  const policy = fields.get('policy');
  if (policy === undefined) return denied('Access Denied');

  const algorithm = fields.get('x-amz-algorithm');
  const credential = fields.get('x-amz-credential')?.split('/');
  const signature = fields.get('x-amz-signature');
  if (algorithm !== 'AWS4-HMAC-SHA256' || credential?.length !== 5 || signature === undefined) {
    return { status: 400, code: 'InvalidArgument', message: 'POST requires X-Amz-Algorithm AWS4-HMAC-SHA256, X-Amz-Credential and X-Amz-Signature' };
  }
  const [accessKeyId = '', date = '', region = '', service = ''] = credential;
  if (accessKeyId !== credentials.accessKeyId) {
    return { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' };
  }
  if (!safeEqual(signature, expectedSignature(credentials.secretAccessKey, { date, region, service }, policy))) {
    return {
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    };
  }

  let document: { expiration?: unknown; conditions?: unknown };
  try {
    document = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof document;
  } catch {
    return { status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Invalid JSON.' };
  }
  if (typeof document.expiration !== 'string' || !Array.isArray(document.conditions)) {
    return { status: 400, code: 'InvalidPolicyDocument', message: 'Invalid Policy: Policy missing expiration or conditions.' };
  }
  const expiration = Date.parse(document.expiration);
  if (Number.isNaN(expiration) || expiration <= now.getTime()) return invalidPolicy('Policy expired.');

  // The bucket is part of the form for the policy's sake, even though the request path names it.
  const values = new Map(fields);
  values.set('bucket', upload.bucket);
  const conditioned = new Set<string>();
  for (const condition of document.conditions as Condition[]) {
    const failure = checkCondition(condition, values, upload.fileSize, conditioned);
    if (failure) return failure;
  }
  const extra = [...fields.keys()].filter((name) => !UNCONDITIONED.has(name) && !name.startsWith('x-ignore-') && !conditioned.has(name));
  if (extra.length > 0) return invalidPolicy(`Extra input fields: ${extra.join(', ')}`);
  return undefined;
}

function checkCondition(condition: Condition, values: Map<string, string>, fileSize: number, conditioned: Set<string>): S3FormError | undefined {
  const failed = () => invalidPolicy(`Policy Condition failed: ${JSON.stringify(condition)}`);
  if (!Array.isArray(condition)) {
    // { "field": "value" } is an exact match.
    for (const [name, expected] of Object.entries(condition)) {
      conditioned.add(name.toLowerCase());
      if (values.get(name.toLowerCase()) !== String(expected)) return failed();
    }
    return undefined;
  }
  const [operator, subject, operand] = condition as [unknown, unknown, unknown];
  if (operator === 'content-length-range') {
    if (fileSize < Number(subject)) {
      return { status: 400, code: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed size' };
    }
    if (fileSize > Number(operand)) {
      return { status: 400, code: 'EntityTooLarge', message: 'Your proposed upload exceeds the maximum allowed size' };
    }
    return undefined;
  }
  if ((operator !== 'eq' && operator !== 'starts-with') || typeof subject !== 'string' || !subject.startsWith('$')) {
    return { status: 400, code: 'InvalidPolicyDocument', message: `Invalid Policy: Invalid Condition: ${JSON.stringify(condition)}` };
  }
  const name = subject.slice(1).toLowerCase();
  conditioned.add(name);
  const value = values.get(name) ?? '';
  const ok = operator === 'eq' ? value === String(operand) : value.startsWith(String(operand));
  return ok ? undefined : failed();
}
