/**
 * What a reviewer checks for software updates in the packaged templates: /releases/* reaches the private releases
 * bucket through the OAC, is chosen for every release path whatever the order of the other behaviours, caches by path
 * alone for as long as each object's Cache-Control says (between 0 and a year), is neither compressed nor
 * preflighted, and lets other origins read downloads as the stage param says; the bucket is private, TLS-only,
 * versioned and readable by this distribution alone; Origin Shield follows its stage param.
 */
import { CACHE_CONTROL } from '../../web/src/releases/manifest';
import { matchesPathPattern } from '../../scripts/local/edge/routing';
import { asArray, isObject, referencedIds, subString, Template, templateFile, type Json, type JsonObject } from './template';

const prod = Template.load();
const switched = Template.load(templateFile('dev-all-switches'));

const distributionOf = (template: Template) =>
  template.properties('ContentDistribution', 'AWS::CloudFront::Distribution').DistributionConfig as JsonObject;
const behavioursOf = (template: Template) => asArray(distributionOf(template).CacheBehaviors).filter(isObject);
const releasesBehaviour = (template: Template): JsonObject => {
  const found = behavioursOf(template).find((behaviour) => behaviour.PathPattern === '/releases/*');
  if (!found) throw new Error('no /releases/* behaviour');
  return found;
};
const releasesOrigin = (template: Template): JsonObject => {
  const found = asArray(distributionOf(template).Origins).filter(isObject).find((origin) => origin.Id === 'releases');
  if (!found) throw new Error('no releases origin');
  return found;
};

/**
 * A value as CloudFormation works it out for this template: Fn::If by its condition, the condition's Fn::Not /
 * Fn::Equals over template parameters (each its Default, which the framework sets from the stage param); no value = the
 * property left out.
 */
function deployed(template: Template, value: Json): Json | undefined {
  const parameter = (v: Json): Json => {
    const ref = isObject(v) ? v.Ref : undefined;
    return typeof ref === 'string' ? (template.parameter(ref).Default ?? '') : v;
  };
  const holds = (expression: Json): boolean => {
    if (!isObject(expression)) throw new Error(`not a condition: ${JSON.stringify(expression)}`);
    const [name, args] = Object.entries(expression)[0] ?? [];
    if (name === 'Fn::Not' && Array.isArray(args)) return !holds(args[0] ?? null);
    if (name === 'Fn::Equals' && Array.isArray(args)) return parameter(args[0] ?? null) === parameter(args[1] ?? null);
    throw new Error(`condition not understood by this test: ${JSON.stringify(expression)}`);
  };
  const conditional = isObject(value) ? value['Fn::If'] : undefined;
  if (!Array.isArray(conditional)) return value;
  const [condition, whenTrue, whenFalse] = conditional;
  if (typeof condition !== 'string') throw new Error(`not a condition name: ${JSON.stringify(condition)}`);
  const chosen = holds(template.json.Conditions?.[condition] ?? null) ? whenTrue : whenFalse;
  if (isObject(chosen) && chosen.Ref === 'AWS::NoValue') return undefined;
  return isObject(chosen) ? Object.fromEntries(Object.entries(chosen).map(([k, v]) => [k, parameter(v)])) : chosen;
}

const maxAge = (cacheControl: string): number => Number(/max-age=(\d+)/.exec(cacheControl)?.[1] ?? NaN);

describe('/releases/* behaviour', () => {
  const releases = releasesBehaviour(prod);

  it('reads the releases origin with GET and HEAD only, over HTTPS, uncompressed, with its own policies', () => {
    expect(releases).toEqual({
      PathPattern: '/releases/*',
      TargetOriginId: 'releases',
      ViewerProtocolPolicy: 'redirect-to-https',
      Compress: false,
      AllowedMethods: ['GET', 'HEAD'],
      CachedMethods: ['GET', 'HEAD'],
      CachePolicyId: { Ref: 'ReleasesCachePolicy' },
      ResponseHeadersPolicyId: { Ref: 'ReleasesHeadersPolicy' },
    });
  });

  it('is the behaviour CloudFront picks (the first match in order) for every release path, and only for those', () => {
    const picked = (path: string) =>
      behavioursOf(prod).find((behaviour) => matchesPathPattern(behaviour.PathPattern as string, path))?.PathPattern ?? '*';
    for (const path of [
      '/releases/channels.json', '/releases/stable/latest.json', '/releases/stable/index.json',
      '/releases/stable/1.2.0/manifest.json', '/releases/beta/2.0.0-rc.1/blog-app-2.0.0-rc.1.tar.gz',
    ]) {
      expect([path, picked(path)]).toEqual([path, '/releases/*']);
    }
    for (const path of ['/releases', '/index.html', '/thumbnails/u/p/w480.webp', '/premium/a.pdf', '/posts/releases/x.html']) {
      expect([path, picked(path)]).not.toEqual([path, '/releases/*']);
    }
  });

  it('reaches the releases bucket through the shared OAC (SigV4, always signed)', () => {
    const origin = releasesOrigin(prod);
    expect(origin.DomainName).toEqual({ 'Fn::GetAtt': ['ReleasesBucket', 'RegionalDomainName'] });
    expect(referencedIds(origin.OriginAccessControlId)).toEqual(['ContentOriginAccessControl']);
    expect(origin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    const oac = prod.properties('ContentOriginAccessControl', 'AWS::CloudFront::OriginAccessControl');
    expect(oac.OriginAccessControlConfig).toMatchObject({ SigningBehavior: 'always', SigningProtocol: 'sigv4' });
  });
});

describe('ReleasesCachePolicy', () => {
  const config = prod.properties('ReleasesCachePolicy', 'AWS::CloudFront::CachePolicy').CachePolicyConfig as JsonObject;

  it('keys by path alone: no cookie, header, query string or encoding', () => {
    expect(config.ParametersInCacheKeyAndForwardedToOrigin).toEqual({
      EnableAcceptEncodingGzip: false,
      EnableAcceptEncodingBrotli: false,
      CookiesConfig: { CookieBehavior: 'none' },
      HeadersConfig: { HeaderBehavior: 'none' },
      QueryStringsConfig: { QueryStringBehavior: 'none' },
    });
  });

  it('lets each object\'s Cache-Control decide: a year for a version, 60 s for a pointer, 60 s without one', () => {
    expect([config.MinTTL, config.DefaultTTL, config.MaxTTL]).toEqual([0, 60, 31536000]);
    // What `npm run release` writes must fall inside the bounds, or CloudFront would clamp it.
    const [immutable, pointer] = [maxAge(CACHE_CONTROL.immutable), maxAge(CACHE_CONTROL.pointer)];
    expect(immutable).toBe(config.MaxTTL);
    expect(pointer).toBeGreaterThanOrEqual(Number(config.MinTTL));
    expect(pointer).toBeLessThanOrEqual(Number(config.MaxTTL));
    // An object without Cache-Control is treated like a pointer, never kept for a day.
    expect(config.DefaultTTL).toBe(pointer);
  });
});

describe('ReleasesHeadersPolicy', () => {
  const config = prod.properties('ReleasesHeadersPolicy', 'AWS::CloudFront::ResponseHeadersPolicy')
    .ResponseHeadersPolicyConfig as JsonObject;
  const site = prod.properties('SecurityHeadersPolicy', 'AWS::CloudFront::ResponseHeadersPolicy')
    .ResponseHeadersPolicyConfig as JsonObject;

  it('sends the site\'s security headers unchanged', () => {
    expect(config.SecurityHeadersConfig).toEqual(site.SecurityHeadersConfig);
    expect(config.CustomHeadersConfig).toBeUndefined();
    expect(config.RemoveHeadersConfig).toBeUndefined();
  });

  it('lets the stage\'s origins read downloads and their range headers, without credentials', () => {
    expect(config.CorsConfig).toEqual({
      AccessControlAllowOrigins: { Items: ['*'] },
      AccessControlAllowMethods: { Items: ['GET', 'HEAD'] },
      AccessControlAllowHeaders: { Items: ['Range'] },
      AccessControlExposeHeaders: { Items: ['Content-Length', 'Content-Range', 'Accept-Ranges', 'ETag'] },
      AccessControlAllowCredentials: false,
      OriginOverride: true,
    });
  });

  it('names no resource, so the distribution that references it makes no cycle', () => {
    expect(referencedIds(prod.resource('ReleasesHeadersPolicy'))).toEqual([]);
    expect(referencedIds(prod.resource('ReleasesCachePolicy'))).toEqual([]);
  });
});

describe('ReleasesBucket', () => {
  const bucket = prod.resource('ReleasesBucket');
  const properties = prod.properties('ReleasesBucket', 'AWS::S3::Bucket');
  const rules = (template: Template) =>
    asArray((template.properties('ReleasesBucket', 'AWS::S3::Bucket').LifecycleConfiguration as JsonObject).Rules);

  it('is private, bucket-owned, encrypted, versioned and kept when the stack goes', () => {
    expect(properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }],
    });
    expect(properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect([bucket.DeletionPolicy, bucket.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });

  it('expires replaced versions after releasesNoncurrentDays and aborts abandoned multipart uploads after a day', () => {
    expect(rules(prod)).toEqual([{
      Id: 'expire-old-versions',
      Status: 'Enabled',
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    }]);
    // A --param value arrives as text, which CloudFormation reads as the integer.
    const switchedDays = (rules(switched)[0] as JsonObject | undefined)?.NoncurrentVersionExpiration as JsonObject | undefined;
    expect(Number(switchedDays?.NoncurrentDays)).toBe(7);
  });

  it('lets only this distribution read, only under releases/, and refuses every request without TLS', () => {
    const statements = prod.policyStatements('ReleasesBucketPolicy', 'AWS::S3::BucketPolicy');
    expect(referencedIds(prod.properties('ReleasesBucketPolicy', 'AWS::S3::BucketPolicy').Bucket)).toEqual(['ReleasesBucket']);
    const allows = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allows).toHaveLength(1);
    const [read] = allows;
    expect(read?.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    // GetObject alone: no ListBucket, so a key nobody published is S3's 403 (not cached by the distribution).
    expect(read?.Action).toBe('s3:GetObject');
    expect(subString(read?.Resource)).toBe('${ReleasesBucket.Arn}/releases/*');
    expect(Object.keys(read?.Condition ?? {})).toEqual(['StringEquals']);
    expect(subString(read?.Condition?.StringEquals?.['AWS:SourceArn']))
      .toBe('arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${ContentDistribution}');

    const denies = statements.filter((statement) => statement.Effect === 'Deny');
    expect(denies).toHaveLength(1);
    expect(denies[0]).toMatchObject({ Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(asArray(denies[0]?.Resource).map((resource) => referencedIds(resource))).toEqual([['ReleasesBucket'], ['ReleasesBucket']]);
  });

  it('is granted to no role of the stack: only the publisher\'s own credentials write it', () => {
    const grants = prod.iamStatements().filter(({ statement }) =>
      asArray(statement.Resource).some((resource) => referencedIds(resource).includes('ReleasesBucket')));
    expect(grants).toEqual([]);
  });

  it('is named in the stack outputs for `npm run release`', () => {
    expect(prod.outputs().ReleasesBucketName?.Value).toEqual({ Ref: 'ReleasesBucket' });
  });
});

describe('Origin Shield on the releases origin (stage param releasesOriginShieldRegion)', () => {
  it('is off where the param is empty (prod, dev): the property is left out', () => {
    expect(prod.parameter('ReleasesOriginShieldRegion')).toMatchObject({ Type: 'String', Default: '' });
    expect(deployed(prod, releasesOrigin(prod).OriginShield ?? null)).toBeUndefined();
    const dev = Template.load(templateFile('dev'));
    expect(deployed(dev, releasesOrigin(dev).OriginShield ?? null)).toBeUndefined();
  });

  it('is on in the region the param names', () => {
    expect(switched.parameter('ReleasesOriginShieldRegion').Default).toBe('us-east-1');
    expect(deployed(switched, releasesOrigin(switched).OriginShield ?? null)).toEqual({
      Enabled: true, OriginShieldRegion: 'us-east-1',
    });
  });

  it('refuses at deploy a region the CloudFront API would refuse (its OriginShieldRegion pattern), and takes ""', () => {
    const pattern = new RegExp((prod.parameter('ReleasesOriginShieldRegion') as unknown as { AllowedPattern: string }).AllowedPattern);
    expect(['', 'us-east-1', 'eu-central-1', 'ap-southeast-2'].filter((region) => !pattern.test(region))).toEqual([]);
    expect(['US-EAST-1', 'us-east', 'us-east-1 ', 'https://us-east-1'].filter((region) => pattern.test(region))).toEqual([]);
  });

  it('leaves every other origin without it', () => {
    const others = asArray(distributionOf(prod).Origins).filter(isObject).filter((origin) => origin.Id !== 'releases');
    expect(others.map((origin) => origin.OriginShield)).toEqual(others.map(() => undefined));
  });
});
