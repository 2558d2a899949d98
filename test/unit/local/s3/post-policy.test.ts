import { S3Client } from '@aws-sdk/client-s3';
import { S3PostPresigner } from '../../../../functions/upload-url/presigner';
import { checkPostUpload, type PostUpload } from '../../../../scripts/local/s3/post-policy';
import { LOCAL_REGION, LOCAL_S3_CREDENTIALS } from '../../../../scripts/local/ports';

const BUCKET = 'serverless-blog-local-uploads-bucket';
const KEY = 'uploads/0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11/11111111-2222-4333-8444-555555555555.jpg';
const MAX_BYTES = 1000;

/** A form exactly as the upload-url function signs it, with the real presigner and the local S3 credentials. */
async function signedForm(credentials = LOCAL_S3_CREDENTIALS): Promise<[string, string][]> {
  const s3 = new S3Client({ endpoint: 'http://127.0.0.1:4569', region: LOCAL_REGION, credentials, forcePathStyle: true });
  const { fields } = await new S3PostPresigner(s3, BUCKET).presignPost({ key: KEY, contentType: 'image/jpeg', maxBytes: MAX_BYTES, expiresSeconds: 300 });
  return Object.entries(fields);
}

const upload = (fields: [string, string][], fileSize = 500, bucket = BUCKET): PostUpload => ({ bucket, fields, fileSize });
const withField = (fields: [string, string][], name: string, value: string): [string, string][] =>
  fields.some(([field]) => field === name) ? fields.map(([field, old]) => [field, field === name ? value : old]) : [...fields, [name, value]];
const policyOf = (fields: [string, string][]) =>
  JSON.parse(Buffer.from(fields.find(([name]) => name === 'Policy')?.[1] ?? '', 'base64').toString('utf8')) as {
    expiration: string;
    conditions: unknown[];
  };

describe('checkPostUpload (the local S3 checks browser-form uploads as S3 does)', () => {
  it('accepts the form the upload-url function signs, with a file inside the size range', async () => {
    expect(checkPostUpload(upload(await signedForm()), LOCAL_S3_CREDENTIALS)).toBeUndefined();
  });

  it('refuses a file over the signed maximum with 400 EntityTooLarge, and an empty one with EntityTooSmall', async () => {
    const fields = await signedForm();
    expect(checkPostUpload(upload(fields, MAX_BYTES + 1), LOCAL_S3_CREDENTIALS)).toEqual({
      status: 400,
      code: 'EntityTooLarge',
      message: 'Your proposed upload exceeds the maximum allowed size',
    });
    expect(checkPostUpload(upload(fields, 0), LOCAL_S3_CREDENTIALS)).toMatchObject({ status: 400, code: 'EntityTooSmall' });
  });

  it('refuses another Content-Type or another key than the signed ones (403, naming the failed condition)', async () => {
    const fields = await signedForm();
    expect(checkPostUpload(upload(withField(fields, 'Content-Type', 'image/svg+xml')), LOCAL_S3_CREDENTIALS)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy Condition failed: ["eq","$Content-Type","image/jpeg"]',
    });
    expect(checkPostUpload(upload(withField(fields, 'key', 'uploads/someone-else/x.jpg')), LOCAL_S3_CREDENTIALS)).toMatchObject({
      status: 403,
      message: expect.stringContaining('Policy Condition failed: {"key":') as string,
    });
  });

  it('refuses the form posted to another bucket', async () => {
    expect(checkPostUpload(upload(await signedForm(), 500, 'serverless-blog-local-content-bucket'), LOCAL_S3_CREDENTIALS)).toMatchObject({
      status: 403,
      message: expect.stringContaining('{"bucket":"serverless-blog-local-uploads-bucket"}') as string,
    });
  });

  it('refuses a field the policy does not name, but not an x-ignore- field', async () => {
    const fields = await signedForm();
    expect(checkPostUpload(upload([...fields, ['acl', 'public-read']]), LOCAL_S3_CREDENTIALS)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Extra input fields: acl',
    });
    expect(checkPostUpload(upload([...fields, ['x-ignore-tracking', '1']]), LOCAL_S3_CREDENTIALS)).toBeUndefined();
  });

  it('refuses an expired policy', async () => {
    const fields = await signedForm();
    const afterExpiry = new Date(Date.parse(policyOf(fields).expiration) + 1000);
    expect(checkPostUpload(upload(fields), LOCAL_S3_CREDENTIALS, afterExpiry)).toEqual({
      status: 403,
      code: 'AccessDenied',
      message: 'Invalid according to Policy: Policy expired.',
    });
  });

  it('refuses a policy rewritten to allow more (the signature no longer matches), a forged signature and unknown keys', async () => {
    // Prepare: the same policy with a larger maximum, keeping the original signature
    const fields = await signedForm();
    const policy = policyOf(fields);
    const widened = {
      ...policy,
      conditions: policy.conditions.map((condition) => (Array.isArray(condition) && condition[0] === 'content-length-range' ? [condition[0], 1, 10 ** 9] : condition)),
    };
    const rewritten = withField(fields, 'Policy', Buffer.from(JSON.stringify(widened)).toString('base64'));

    // Act + Assess
    expect(checkPostUpload(upload(rewritten, 5000), LOCAL_S3_CREDENTIALS)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    expect(checkPostUpload(upload(withField(fields, 'X-Amz-Signature', '0'.repeat(64))), LOCAL_S3_CREDENTIALS)).toMatchObject({
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    const stranger = await signedForm({ accessKeyId: 'S3RVER', secretAccessKey: 'not-the-secret' });
    expect(checkPostUpload(upload(stranger), LOCAL_S3_CREDENTIALS)).toMatchObject({ status: 403, code: 'SignatureDoesNotMatch' });
    const unknownKey = await signedForm({ accessKeyId: 'SOMEONE', secretAccessKey: 'S3RVER' });
    expect(checkPostUpload(upload(unknownKey), LOCAL_S3_CREDENTIALS)).toMatchObject({ status: 403, code: 'InvalidAccessKeyId' });
  });

  it('treats a form without a policy as anonymous: 403 AccessDenied (every bucket here blocks public access)', () => {
    expect(checkPostUpload(upload([['key', KEY]]), LOCAL_S3_CREDENTIALS)).toEqual({ status: 403, code: 'AccessDenied', message: 'Access Denied' });
  });
});
