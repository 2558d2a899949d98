/**
 * What a reviewer checks before the blog goes live: the content bucket is private and only this stage's CloudFront
 * distribution reads it (OAC), the distribution serves HTTPS with security headers, and the framework's deployment
 * bucket is private, encrypted and TLS-only.
 */
import { asArray, isObject, referencedIds, s3ArnTarget, subString, Template, type PolicyStatement } from './template';

const template = Template.load();

const CONTENT_BUCKET = 'ContentBucket';
const CONTENT_BUCKET_POLICY = 'ContentBucketPolicy';
const DISTRIBUTION = 'ContentDistribution';
const DEPLOYMENT_BUCKET = 'ServerlessDeploymentBucket';
const DEPLOYMENT_BUCKET_POLICY = 'ServerlessDeploymentBucketPolicy';
/** AWS managed cache policy "Managed-CachingOptimized". */
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';

const actionsOf = (statement: PolicyStatement): string[] => asArray(statement.Action);

/** Which parts of which buckets a statement's `Resource` covers, as `Bucket` / `Bucket/*`. */
const s3Targets = (statement: PolicyStatement): string[] =>
  asArray(statement.Resource).map((resource) => {
    const target = s3ArnTarget(resource);
    return target ? `${target.bucket}${target.objects ? '/*' : ''}` : JSON.stringify(resource);
  });

/** Deny every S3 action by anyone, on the bucket and its objects, when the request is not TLS. */
function expectTlsOnly(statements: PolicyStatement[], bucket: string): void {
  const deny = statements.find(
    (statement) =>
      statement.Effect === 'Deny' &&
      isObject(statement.Condition?.Bool) &&
      'aws:SecureTransport' in statement.Condition.Bool,
  );
  if (!deny) throw new Error(`No statement of the policy of ${bucket} conditions on aws:SecureTransport`);
  expect(deny.Principal === '*' || (isObject(deny.Principal) && deny.Principal.AWS === '*')).toBe(true);
  expect(actionsOf(deny)).toEqual(['s3:*']);
  expect(s3Targets(deny).sort()).toEqual([bucket, `${bucket}/*`]);
  // IAM compares condition values as strings: the framework's boolean false and our 'false' mean the same.
  expect([false, 'false']).toContainEqual(deny.Condition?.Bool?.['aws:SecureTransport']);
}

function expectAllPublicAccessBlocked(bucket: string): void {
  expect(template.properties(bucket, 'AWS::S3::Bucket').PublicAccessBlockConfiguration).toEqual({
    BlockPublicAcls: true,
    BlockPublicPolicy: true,
    IgnorePublicAcls: true,
    RestrictPublicBuckets: true,
  });
}

/** Every default-encryption rule of a bucket names an algorithm S3 encrypts new objects with. */
function expectDefaultEncryption(bucket: string): void {
  const encryption = template.properties(bucket, 'AWS::S3::Bucket').BucketEncryption;
  const rules = isObject(encryption) ? asArray(encryption.ServerSideEncryptionConfiguration) : [];
  expect(rules.length).toBeGreaterThan(0);
  for (const rule of rules) {
    const byDefault = isObject(rule) ? rule.ServerSideEncryptionByDefault : undefined;
    const algorithm = isObject(byDefault) ? byDefault.SSEAlgorithm : undefined;
    expect(['AES256', 'aws:kms', 'aws:kms:dsse']).toContain(algorithm);
  }
}

describe('content bucket', () => {
  const bucket = template.properties(CONTENT_BUCKET, 'AWS::S3::Bucket');

  it('blocks every kind of public access', () => {
    expectAllPublicAccessBlocked(CONTENT_BUCKET);
  });

  it('disables ACLs (BucketOwnerEnforced) and has no canned ACL or website endpoint', () => {
    expect(bucket.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.AccessControl).toBeUndefined();
    // A website endpoint is public HTTP; the distribution reads the REST endpoint with OAC instead.
    expect(bucket.WebsiteConfiguration).toBeUndefined();
  });

  it('encrypts objects by default', () => {
    expectDefaultEncryption(CONTENT_BUCKET);
  });

  it('is kept when the stack is deleted or the bucket replaced', () => {
    const resource = template.resource(CONTENT_BUCKET);
    expect(resource.DeletionPolicy).toBe('Retain');
    expect(resource.UpdateReplacePolicy).toBe('Retain');
  });
});

describe('content bucket policy', () => {
  const statements = template.policyStatements(CONTENT_BUCKET_POLICY, 'AWS::S3::BucketPolicy');
  const allows = statements.filter((statement) => statement.Effect === 'Allow');

  it('belongs to the content bucket', () => {
    expect(referencedIds(template.properties(CONTENT_BUCKET_POLICY, 'AWS::S3::BucketPolicy').Bucket)).toEqual([CONTENT_BUCKET]);
  });

  it('allows only s3:GetObject on objects and s3:ListBucket on the bucket (a missing key is then a 404)', () => {
    // Prepare
    const granted = allows.map((statement) => ({ actions: actionsOf(statement), resources: s3Targets(statement) }));

    // Assess
    expect(granted).toEqual(
      expect.arrayContaining([
        { actions: ['s3:GetObject'], resources: [`${CONTENT_BUCKET}/*`] },
        { actions: ['s3:ListBucket'], resources: [CONTENT_BUCKET] },
      ]),
    );
    expect(granted).toHaveLength(2);
    expect(allows.some((statement) => statement.NotAction !== undefined || statement.NotResource !== undefined)).toBe(false);
  });

  it('grants only the CloudFront service principal, and only for this distribution', () => {
    for (const statement of allows) {
      expect(statement.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
      expect(Object.keys(statement.Condition ?? {})).toEqual(['StringEquals']);
      const sourceArn = statement.Condition?.StringEquals?.['AWS:SourceArn'];
      expect(subString(sourceArn)).toBe('arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${ContentDistribution}');
      expect(referencedIds(sourceArn)).toEqual([DISTRIBUTION]);
    }
  });

  it('denies every request that is not TLS', () => {
    expectTlsOnly(statements, CONTENT_BUCKET);
  });
});

describe('content distribution', () => {
  const config = template.properties(DISTRIBUTION, 'AWS::CloudFront::Distribution').DistributionConfig;
  if (!isObject(config)) throw new Error(`${DISTRIBUTION} has no DistributionConfig`);
  const origins = asArray(config.Origins).filter(isObject);
  const defaultBehavior = isObject(config.DefaultCacheBehavior) ? config.DefaultCacheBehavior : {};
  const behaviors = [defaultBehavior, ...asArray(config.CacheBehaviors).filter(isObject)];

  it('reads the content bucket through an Origin Access Control that always signs with SigV4, and no OAI', () => {
    // Other features add origins for their own buckets (e.g. PremiumBucket); every one must be OAC-signed S3.
    expect(origins.filter((origin) => referencedIds(origin.DomainName).includes(CONTENT_BUCKET))).toHaveLength(1);
    for (const origin of origins) {
      expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
      const [oacId] = referencedIds(origin.OriginAccessControlId);
      const oac = template.properties(oacId ?? '(none)', 'AWS::CloudFront::OriginAccessControl').OriginAccessControlConfig;
      expect(oac).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    }
  });

  it('sends the default behaviour to that origin', () => {
    expect(origins.map((origin) => origin.Id)).toContain(defaultBehavior.TargetOriginId);
  });

  it('redirects HTTP to HTTPS in every cache behaviour, and compresses in each but /releases/* (releases.test.ts)', () => {
    for (const behavior of behaviors) {
      expect(behavior.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(behavior.Compress).toBe(behavior.PathPattern !== '/releases/*');
    }
  });

  it('caches with the managed CachingOptimized policy', () => {
    expect(defaultBehavior.CachePolicyId).toBe(CACHING_OPTIMIZED);
  });

  it('adds HSTS, a CSP, frame options and nosniff to every response', () => {
    // Prepare
    const policyIds = behaviors.map((behavior) => referencedIds(behavior.ResponseHeadersPolicyId)[0]);

    for (const policyId of policyIds) {
      // Act
      const policy = template.properties(policyId ?? '(none)', 'AWS::CloudFront::ResponseHeadersPolicy').ResponseHeadersPolicyConfig;
      const headers = isObject(policy) && isObject(policy.SecurityHeadersConfig) ? policy.SecurityHeadersConfig : {};

      // Assess
      expect(headers.StrictTransportSecurity).toMatchObject({ IncludeSubdomains: true, Override: true });
      const hsts = isObject(headers.StrictTransportSecurity) ? headers.StrictTransportSecurity : {};
      expect(Number(hsts.AccessControlMaxAgeSec)).toBeGreaterThanOrEqual(31_536_000); // one year, the preload minimum
      const csp = isObject(headers.ContentSecurityPolicy) ? headers.ContentSecurityPolicy : {};
      expect(csp.Override).toBe(true);
      expect(csp.ContentSecurityPolicy).toMatch(/default-src 'self'/);
      expect(csp.ContentSecurityPolicy).toMatch(/frame-ancestors 'none'/);
      expect(headers.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
      expect(headers.ContentTypeOptions).toEqual({ Override: true });
    }
  });

  it('serves index.html for / and the custom 404 page for missing keys', () => {
    expect(config.DefaultRootObject).toBe('index.html');
    expect(asArray(config.CustomErrorResponses)).toContainEqual(
      expect.objectContaining({ ErrorCode: 404, ResponseCode: 404, ResponsePagePath: '/404.html' }),
    );
  });

  it('does not cache 403s, so a thumbnail the photos page is waiting for shows as soon as it exists', () => {
    expect(asArray(config.CustomErrorResponses)).toContainEqual({ ErrorCode: 403, ErrorCachingMinTTL: 0 });
  });

  it('speaks HTTP/2 and HTTP/3', () => {
    expect(config.HttpVersion).toBe('http2and3');
  });
});

describe('framework deployment bucket', () => {
  it('blocks every kind of public access', () => {
    expectAllPublicAccessBlocked(DEPLOYMENT_BUCKET);
  });

  it('encrypts objects by default', () => {
    expectDefaultEncryption(DEPLOYMENT_BUCKET);
  });

  it('has a policy that denies every request that is not TLS', () => {
    // Prepare
    const policy = template.properties(DEPLOYMENT_BUCKET_POLICY, 'AWS::S3::BucketPolicy');

    // Assess
    expect(referencedIds(policy.Bucket)).toEqual([DEPLOYMENT_BUCKET]);
    expectTlsOnly(template.policyStatements(DEPLOYMENT_BUCKET_POLICY, 'AWS::S3::BucketPolicy'), DEPLOYMENT_BUCKET);
  });

  it('expires the old versions of pruned artifacts', () => {
    const lifecycle = template.properties(DEPLOYMENT_BUCKET, 'AWS::S3::Bucket').LifecycleConfiguration;
    expect(isObject(lifecycle) ? asArray(lifecycle.Rules) : []).toContainEqual(
      expect.objectContaining({ Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: expect.any(Number) as number } }),
    );
  });
});
