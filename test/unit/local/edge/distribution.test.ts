import { edgeFromConfig } from '../../../../scripts/local/edge/distribution';
import { loadServiceConfig, type CfnResource, type ServiceConfig } from '../../../../scripts/local/service-config';
import { localPhysicalName } from '../../../../scripts/local/common/intrinsics';

describe('edgeFromConfig refuses what it cannot emulate', () => {
  let config: ServiceConfig;

  beforeAll(async () => {
    config = await loadServiceConfig('local');
  }, 60_000);

  type Draft = Record<string, unknown>;
  interface DistributionDraft {
    Origins: Draft[];
    DefaultCacheBehavior: Draft;
    CacheBehaviors?: Draft[];
  }

  /** A copy of the local config with its distribution (and resources) changed by `change`. */
  function variant(change: (distribution: DistributionDraft, resources: Record<string, CfnResource>) => void) {
    const copy = structuredClone(config);
    const resources = copy.resources.Resources;
    change(resources.ContentDistribution?.Properties?.DistributionConfig as DistributionDraft, resources);
    return copy;
  }

  const definitionOf = (changed: ServiceConfig) => edgeFromConfig(changed, (id) => localPhysicalName(changed, id));

  it.each<[string, (d: DistributionDraft) => void, RegExp]>([
    [
      'a function association',
      (d) => (d.DefaultCacheBehavior.FunctionAssociations = [{ EventType: 'viewer-request' }]),
      /FunctionAssociations not emulated/,
    ],
    [
      'write methods',
      (d) => (d.DefaultCacheBehavior.AllowedMethods = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE']),
      /AllowedMethods .* not emulated/,
    ],
    [
      'a custom origin',
      (d) => (d.Origins[0] = { Id: 'content', DomainName: 'example.com', CustomOriginConfig: {} }),
      /CustomOriginConfig not emulated/,
    ],
    [
      'a managed response headers policy',
      (d) => (d.DefaultCacheBehavior.ResponseHeadersPolicyId = '67f7725c-6f97-4210-82d7-5512b31e9d03'),
      /managed response headers policy/,
    ],
    ['an unknown target origin', (d) => (d.DefaultCacheBehavior.TargetOriginId = 'nowhere'), /names no origin/],
    [
      'a behaviour without a path pattern',
      (d) => (d.CacheBehaviors = [{ ...d.DefaultCacheBehavior }]),
      /CacheBehaviors\[0\]\.PathPattern: expected a string/,
    ],
  ])('throws for %s', (_case, change, message) => {
    // Prepare
    const changed = variant(change);
    // Act
    const act = () => definitionOf(changed);
    // Assess
    expect(act).toThrow(message);
  });

  it('throws when there are two distributions', () => {
    // Prepare
    const changed = variant((_d, resources) => {
      resources.SecondDistribution = structuredClone(resources.ContentDistribution!);
    });
    // Act
    const act = () => definitionOf(changed);
    // Assess
    expect(act).toThrow('expected one AWS::CloudFront::Distribution, found 2');
  });

  it('reads custom and removed headers, an S3 domain string, OriginPath and TrustedKeyGroups', () => {
    // Prepare
    const changed = variant((d, resources) => {
      const policy = resources.SecurityHeadersPolicy?.Properties?.ResponseHeadersPolicyConfig as Draft;
      policy.CustomHeadersConfig = { Items: [{ Header: 'X-Blog', Value: 'local', Override: false }] };
      policy.RemoveHeadersConfig = { Items: [{ Header: 'Server' }] };
      resources.PremiumKeyGroup = { Type: 'AWS::CloudFront::KeyGroup', Properties: {} };
      const domain = 'media-bucket.s3.eu-west-1.amazonaws.com';
      d.Origins.push({ Id: 'media', DomainName: domain, OriginPath: '/videos', S3OriginConfig: {} });
      d.CacheBehaviors = [
        { PathPattern: '/premium/*', TargetOriginId: 'media', TrustedKeyGroups: [{ Ref: 'PremiumKeyGroup' }] },
      ];
    });
    // Act
    const definition = definitionOf(changed);
    // Assess
    const added = definition.defaultBehaviour.responseHeaders.add;
    expect(added).toContainEqual({ name: 'x-blog', value: 'local', override: false });
    expect(definition.defaultBehaviour.responseHeaders.remove).toEqual(['server']);
    expect(definition.behaviours[0]).toMatchObject({
      pathPattern: '/premium/*',
      origin: { id: 'media', bucket: 'media-bucket', keyPrefix: 'videos/' },
      allowedMethods: ['GET', 'HEAD'],
      compress: false,
      trustedKeyGroups: ['PremiumKeyGroup'],
    });
  });
});
