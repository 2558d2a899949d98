/**
 * Uploads and thumbnails in the packaged prod stack: who may do what (least privilege per function), how the S3 event
 * reaches the function and where failures go, how thumbnails are served, and that the bundle carries the arm64 sharp
 * and the WebAssembly HEIC decoder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  asArray,
  isObject,
  PACKAGE_DIR,
  referencedIds,
  s3ArnTarget,
  subString,
  Template,
  templateFile,
  type PolicyStatement,
} from './template';

const template = Template.load();

const THUMBNAILS_FUNCTION = 'ThumbnailsLambdaFunction';
const UPLOAD_URL_FUNCTION = 'UploadDashurlLambdaFunction';

/** `action → target` for each Allow of a role, targets as `Bucket/<prefix>*`, a logical id, or `LogGroup:*`. */
function grants(functionId: string): string[] {
  const roleId = template.functionRole(functionId) ?? '(none)';
  return template.roleStatements(roleId).flatMap(({ statement }) => {
    expect(statement.Effect).toBe('Allow');
    return asArray(statement.Action).flatMap((action) =>
      asArray(statement.Resource).map((resource) => `${action} → ${describeTarget(resource)}`),
    );
  });
}

function describeTarget(resource: unknown): string {
  const sub = subString(resource);
  const target = s3ArnTarget(resource);
  if (target && sub !== undefined) return sub.replace(/^\$\{(\w+)\.Arn\}/, '$1');
  if (target) return target.bucket;
  if (sub !== undefined) return sub.replace(/^\$\{(\w+)\.Arn\}/, '$1');
  const ids = referencedIds(resource);
  return ids.length === 1 ? (ids[0] ?? '') : JSON.stringify(resource);
}

describe('thumbnails function', () => {
  const properties = template.properties(THUMBNAILS_FUNCTION, 'AWS::Lambda::Function');

  it('may read uploads, write thumbnails, publish on its topic, and nothing else', () => {
    // Prepare
    const [logGroup] = template.functionLogGroup(THUMBNAILS_FUNCTION) ?? [];

    // Act
    const allowed = grants(THUMBNAILS_FUNCTION).sort();

    // Assess
    expect(allowed).toEqual(
      [
        `logs:CreateLogStream → ${logGroup}:*`,
        `logs:PutLogEvents → ${logGroup}:*`,
        's3:GetObject → UploadsBucket/uploads/*',
        's3:PutObject → ThumbnailsBucket/thumbnails/*',
        'sns:Publish → ThumbnailsTopic',
        'sqs:SendMessage → ThumbnailsFailedInvocationsQueue',
      ].sort(),
    );
  });

  it('is invoked by the uploads bucket for objects created under uploads/ only', () => {
    // Prepare
    const bucket = template.properties('UploadsBucket', 'AWS::S3::Bucket');
    const notification = isObject(bucket.NotificationConfiguration) ? bucket.NotificationConfiguration : {};
    const permission = template.properties('ThumbnailsInvokePermission', 'AWS::Lambda::Permission');

    // Assess
    expect(notification.LambdaConfigurations).toEqual([
      {
        Event: 's3:ObjectCreated:*',
        Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'uploads/' }] } },
        Function: { 'Fn::GetAtt': [THUMBNAILS_FUNCTION, 'Arn'] },
      },
    ]);
    expect(notification.QueueConfigurations).toBeUndefined();
    expect(permission.Principal).toBe('s3.amazonaws.com');
    expect(referencedIds(permission.FunctionName)).toEqual([THUMBNAILS_FUNCTION]);
    // The permission names the uploads bucket by the same computed name the bucket has, in this account.
    expect(permission.SourceArn).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', bucket.BucketName]] });
    expect(permission.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
    // The thumbnails bucket has no notification: writing thumbnails can never invoke the function again.
    expect(template.properties('ThumbnailsBucket', 'AWS::S3::Bucket').NotificationConfiguration).toBeUndefined();
    expect(properties.Environment).toMatchObject({
      // THUMBNAIL_MAX_HEIGHT: the box every thumbnail fits (width × 2400), so a very tall upload gives a thumbnail
      Variables: { UPLOADS_BUCKET: bucket.BucketName, THUMBNAILS_BUCKET: { Ref: 'ThumbnailsBucket' }, THUMBNAIL_MAX_HEIGHT: '2400' },
    });
  });

  it('is retried twice on errors, then its event goes to the failed-invocations queue', () => {
    // Act
    const configs = template
      .resourcesOfType('AWS::Lambda::EventInvokeConfig')
      .filter(([, config]) => referencedIds(config.Properties?.FunctionName).includes(THUMBNAILS_FUNCTION));

    // Assess
    expect(configs).toHaveLength(1);
    const config = configs[0]?.[1].Properties ?? {};
    expect(config.MaximumRetryAttempts).toBe(2);
    expect(config.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['ThumbnailsFailedInvocationsQueue', 'Arn'] } },
    });
  });

  it('has the memory and timeout chosen from the benchmark', () => {
    expect(properties.MemorySize).toBe(1769);
    expect(properties.Timeout).toBe(30);
  });

  it('ships the arm64 build of sharp, and no other', () => {
    // Act
    const listing = execFileSync('unzip', ['-l', path.join(PACKAGE_DIR, 'thumbnails.zip')], { encoding: 'utf8' });

    // Assess
    const binaries = listing.split('\n').filter((line) => /\.node$|libvips-cpp/.test(line.trim()));
    expect(binaries.some((line) => line.includes('@img/sharp-linux-arm64/lib/sharp-linux-arm64-'))).toBe(true);
    expect(binaries.some((line) => line.includes('@img/sharp-libvips-linux-arm64/lib/libvips-cpp'))).toBe(true);
    expect(binaries.filter((line) => !line.includes('linux-arm64'))).toEqual([]);
  });

  it('ships the HEIC decoder its bundle loads — libheif-js’s WebAssembly build — and not its two other builds', () => {
    // Prepare: what the bundle asks for (functions/thumbnails/heic.ts), and the zip unpacked as Lambda would
    const zip = path.join(PACKAGE_DIR, 'thumbnails.zip');
    const bundle = execFileSync('unzip', ['-p', zip, 'functions/thumbnails/handler.js'], { encoding: 'utf8' });
    const specifiers = [...bundle.matchAll(/(?:import|require\.resolve)\("(libheif-js[^"]*)"\)/g)].map((match) => match[1]);
    const task = mkdtempSync(path.join(tmpdir(), 'thumbnails-zip-'));
    try {
      execFileSync('unzip', ['-q', zip, 'functions/*', 'node_modules/libheif-js/*', '-d', task]);

      // Act: in a fresh Node, resolve each specifier from the handler's folder, then load the glue with the .wasm
      // beside it and ask libheif for its version and for an HEVC decoder (heif_compression_HEVC = 1).
      const probe = `
        const path = require('node:path'), fs = require('node:fs');
        const from = { paths: [${JSON.stringify(path.join(task, 'functions', 'thumbnails'))}] };
        const specifiers = ${JSON.stringify(specifiers)};
        const glue = require.resolve(specifiers[0], from);
        for (const specifier of specifiers) if (require.resolve(specifier, from) !== glue) throw new Error(specifier);
        const heif = require(glue)({ wasmBinary: fs.readFileSync(path.join(path.dirname(glue), 'libheif.wasm')) });
        process.stdout.write(JSON.stringify([path.relative(${JSON.stringify(task)}, glue), heif.heif_get_version(), heif.heif_have_decoder_for_format(1)]));`;
      const answer = execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8' });

      // Assess
      expect(specifiers).toEqual(['libheif-js/libheif-wasm/libheif.js', 'libheif-js/libheif-wasm/libheif.js']);
      expect(JSON.parse(answer)).toEqual(['node_modules/libheif-js/libheif-wasm/libheif.js', '1.23.2', 1]);
      const shipped = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n');
      expect(shipped.filter((file) => /libheif-js\/.*\.(js|mjs|wasm)$/.test(file)).sort()).toEqual(
        ['index.js', 'libheif-wasm/libheif.js', 'libheif-wasm/libheif.wasm', 'wasm-bundle.js', 'wasm.js'].map((file) => `node_modules/libheif-js/${file}`),
      );
    } finally {
      rmSync(task, { recursive: true, force: true });
    }
  });

  it('is the only function that ships the HEIC decoder', () => {
    const zips = readdirSync(PACKAGE_DIR).filter((file) => file.endsWith('.zip') && file !== 'thumbnails.zip');
    expect(zips.length).toBeGreaterThan(5);
    for (const zip of zips) {
      expect({ zip, files: execFileSync('unzip', ['-Z1', path.join(PACKAGE_DIR, zip)], { encoding: 'utf8' }).includes('libheif') }).toEqual({ zip, files: false });
    }
  });
});

describe('upload-url function', () => {
  it('may only sign uploads into uploads/ of the uploads bucket, and count and record them in PhotosTable', () => {
    const [logGroup] = template.functionLogGroup(UPLOAD_URL_FUNCTION) ?? [];
    expect(grants(UPLOAD_URL_FUNCTION).sort()).toEqual(
      [
        `logs:CreateLogStream → ${logGroup}:*`,
        `logs:PutLogEvents → ${logGroup}:*`,
        's3:PutObject → UploadsBucket/uploads/*',
        'dynamodb:UpdateItem → PhotosTable',
        'dynamodb:PutItem → PhotosTable',
      ].sort(),
    );
  });

  it('is reached only through POST /uploads with the Cognito JWT authorizer', () => {
    // Prepare
    const route = template.properties('HttpApiRoutePostUploads', 'AWS::ApiGatewayV2::Route');
    const authorizerId = referencedIds(route.AuthorizerId)[0] ?? '(none)';

    // Act
    const authorizer = template.properties(authorizerId, 'AWS::ApiGatewayV2::Authorizer');

    // Assess
    expect(route.AuthorizationType).toBe('JWT');
    expect(authorizer.AuthorizerType).toBe('JWT');
    expect(authorizer.JwtConfiguration).toEqual({
      Audience: [{ Ref: 'UserPoolWebClient' }],
      Issuer: { 'Fn::Sub': 'https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}' },
    });
  });
});

describe('uploads bucket', () => {
  const bucket = template.properties('UploadsBucket', 'AWS::S3::Bucket');

  it('accepts browser POSTs only from the blog origin', () => {
    expect(bucket.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedMethods: ['POST'],
          AllowedOrigins: [{ 'Fn::Sub': 'https://${ContentDistribution.DomainName}' }],
          AllowedHeaders: ['*'],
          MaxAge: 3000,
        },
      ],
    });
  });

  it('is private and cleans up abandoned multipart uploads', () => {
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const rules = isObject(bucket.LifecycleConfiguration) ? asArray(bucket.LifecycleConfiguration.Rules) : [];
    expect(rules).toContainEqual(expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }));
  });

  it('switches Transfer Acceleration with the stage parameter (off in prod)', () => {
    expect(bucket.AccelerateConfiguration).toEqual({
      'Fn::If': ['UploadAccelerationEnabled', { AccelerationStatus: 'Enabled' }, { Ref: 'AWS::NoValue' }],
    });
    // Decided by CloudFormation from the template parameter, whose default is the stage param.
    expect(template.json.Conditions?.UploadAccelerationEnabled).toEqual({
      'Fn::Equals': [{ Ref: 'UploadAcceleration' }, 'true'],
    });
    expect(template.parameter('UploadAcceleration')).toMatchObject({ Default: 'false', AllowedValues: ['true', 'false'] });
    expect(template.functionEnvironment(UPLOAD_URL_FUNCTION).S3_TRANSFER_ACCELERATION).toBe('false');
  });

  it('turns it on, for the bucket and the presigner alike, with --param=uploadAcceleration=true', () => {
    const switched = Template.load(templateFile('dev-all-switches'));
    expect(switched.parameter('UploadAcceleration').Default).toBe('true');
    expect(switched.functionEnvironment(UPLOAD_URL_FUNCTION).S3_TRANSFER_ACCELERATION).toBe('true');
  });
});

describe('thumbnails served by the distribution', () => {
  const config = template.properties('ContentDistribution', 'AWS::CloudFront::Distribution').DistributionConfig;
  const distribution = isObject(config) ? config : {};

  it('routes /thumbnails/* to the thumbnails bucket through OAC, cached with CachingOptimized', () => {
    // Prepare
    const behaviour = asArray(distribution.CacheBehaviors).filter(isObject).find((b) => b.PathPattern === 'thumbnails/*');
    const origin = asArray(distribution.Origins).filter(isObject).find((o) => o.Id === behaviour?.TargetOriginId);

    // Assess
    expect(behaviour).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
    });
    expect(referencedIds(origin?.DomainName)).toEqual(['ThumbnailsBucket']);
    expect(referencedIds(origin?.OriginAccessControlId)).toEqual(['ContentOriginAccessControl']);
    expect(origin?.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
  });

  it('lets only this distribution read thumbnails/*, over TLS', () => {
    // Act
    const statements = template.policyStatements('ThumbnailsBucketPolicy', 'AWS::S3::BucketPolicy');
    const allows = statements.filter((statement: PolicyStatement) => statement.Effect === 'Allow');

    // Assess
    expect(allows).toHaveLength(1);
    expect(allows[0]).toMatchObject({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' });
    expect(subString(allows[0]?.Resource)).toBe('${ThumbnailsBucket.Arn}/thumbnails/*');
    expect(referencedIds(allows[0]?.Condition?.StringEquals?.['AWS:SourceArn'])).toEqual(['ContentDistribution']);
    expect(statements.some((s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'))).toBe(true);
  });
});

describe('thumbnail events', () => {
  it('reach an SQS queue subscribed to the topic, with a dead-letter queue behind it', () => {
    // Prepare
    const subscription = template.properties('ThumbnailsEventsSubscription', 'AWS::SNS::Subscription');
    const queue = template.properties('ThumbnailsEventsQueue', 'AWS::SQS::Queue');
    const queuePolicy = template.policyStatements('ThumbnailsEventsQueuePolicy', 'AWS::SQS::QueuePolicy');

    // Assess
    expect(subscription).toMatchObject({ Protocol: 'sqs', RawMessageDelivery: true, TopicArn: { Ref: 'ThumbnailsTopic' } });
    expect(referencedIds(subscription.Endpoint)).toEqual(['ThumbnailsEventsQueue']);
    expect(queue.RedrivePolicy).toMatchObject({
      deadLetterTargetArn: { 'Fn::GetAtt': ['ThumbnailsEventsDeadLetterQueue', 'Arn'] },
    });
    expect(queuePolicy).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Condition: { ArnEquals: { 'aws:SourceArn': { Ref: 'ThumbnailsTopic' } } },
      }),
    ]);
  });

  it('exposes the topic, queues and buckets as outputs', () => {
    const outputs = template.outputs();
    for (const name of ['ThumbnailsTopicArn', 'ThumbnailsEventsQueueUrl', 'ThumbnailsFailedInvocationsQueueUrl', 'ThumbnailsBucketName', 'UploadsBucketName']) {
      expect(outputs[name]).toBeDefined();
    }
  });
});
