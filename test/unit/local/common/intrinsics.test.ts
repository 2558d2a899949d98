import type { ServiceConfig } from '../../../../scripts/local/service-config';
import {
  functionKeyOf,
  functionLogicalId,
  functionName,
  getAttOf,
  lambdaArn,
  localArn,
  localPhysicalName,
  onFailureQueueOf,
  physicalName,
  refOf,
  resolve,
  type Lookup,
} from '../../../../scripts/local/common/intrinsics';

const config = {
  service: 'svc',
  provider: { stage: 'local' },
  functions: { 'upload-url': { handler: 'h' }, registration: { handler: 'h' }, named: { handler: 'h', name: 'custom-name' } },
} as unknown as ServiceConfig;

/** A bucket and a queue as the local stack knows them; what Ref and GetAtt return follows the resource type's page. */
const lookup: Lookup = (logicalId, attribute) =>
  (<Record<string, string>>{
    'ContentBucket/Ref': 'svc-local-content-bucket',
    'ContentBucket/Arn': 'arn:aws:s3:::svc-local-content-bucket',
    'Queue/Ref': 'http://sqs.us-east-1.localhost:4566/000000000000/svc-local-queue',
    'Queue/Arn': 'arn:aws:sqs:us-east-1:000000000000:svc-local-queue',
    'Db/Endpoint.Address': 'db.local',
  })[`${logicalId}/${attribute ?? 'Ref'}`];

describe('Ref and Fn::GetAtt ("Intrinsic function reference")', () => {
  it('reads a Ref, and nothing else as one', () => {
    expect(refOf({ Ref: 'ContentBucket' })).toBe('ContentBucket');
    expect([refOf('ContentBucket'), refOf(null), refOf({ Ref: 1 }), refOf({ 'Fn::GetAtt': ['A', 'Arn'] })]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it.each([
    ['the list form', { 'Fn::GetAtt': ['Queue', 'Arn'] }, { logicalId: 'Queue', attribute: 'Arn' }],
    ['the short form of !GetAtt', { 'Fn::GetAtt': 'Queue.Arn' }, { logicalId: 'Queue', attribute: 'Arn' }],
    ['an attribute with a dot, short form (the id ends at the first dot)', { 'Fn::GetAtt': 'Db.Endpoint.Address' }, { logicalId: 'Db', attribute: 'Endpoint.Address' }],
    ['an attribute with a dot, list form', { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] }, { logicalId: 'Db', attribute: 'Endpoint.Address' }],
    ['no attribute', { 'Fn::GetAtt': 'Queue' }, undefined],
    ['a Ref', { Ref: 'Queue' }, undefined],
    ['a string', 'Queue.Arn', undefined],
  ])('GetAtt, %s', (_case, value, expected) => {
    expect(getAttOf(value)).toEqual(expected);
  });
});

describe('resolve: a template value as the local stack sees it', () => {
  it.each([
    ['a literal', 'plain', 'plain'],
    ['a number', 3000, '3000'],
    ['a bucket Ref (its name)', { Ref: 'ContentBucket' }, 'svc-local-content-bucket'],
    ['a queue Ref (its URL, not its ARN)', { Ref: 'Queue' }, 'http://sqs.us-east-1.localhost:4566/000000000000/svc-local-queue'],
    ['GetAtt, list form', { 'Fn::GetAtt': ['Queue', 'Arn'] }, 'arn:aws:sqs:us-east-1:000000000000:svc-local-queue'],
    ['GetAtt, short form', { 'Fn::GetAtt': 'Queue.Arn' }, 'arn:aws:sqs:us-east-1:000000000000:svc-local-queue'],
    ['a pseudo parameter', { Ref: 'AWS::Region' }, 'us-east-1'],
    ['Join of a GetAtt and a literal', { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['ContentBucket', 'Arn'] }, '/*']] }, 'arn:aws:s3:::svc-local-content-bucket/*'],
    ['Sub with a Ref, a GetAtt and pseudo parameters', { 'Fn::Sub': 'arn:${AWS::Partition}:x:${AWS::AccountId}:${ContentBucket}/${Queue.Arn}' }, 'arn:aws:x:000000000000:svc-local-content-bucket/arn:aws:sqs:us-east-1:000000000000:svc-local-queue'],
    ['Sub with an attribute holding a dot', { 'Fn::Sub': 'https://${Db.Endpoint.Address}' }, 'https://db.local'],
    ['Sub with its own variables, themselves intrinsics', { 'Fn::Sub': ['${Name}-${Suffix}', { Name: { Ref: 'ContentBucket' }, Suffix: 'x' }] }, 'svc-local-content-bucket-x'],
    ['Sub with a literal ${!…}', { 'Fn::Sub': '${!Literal}-${AWS::Region}' }, '${Literal}-us-east-1'],
  ])('%s', (_case, value, expected) => {
    expect(resolve(value, lookup)).toBe(expected);
  });

  it.each([
    ['a Ref to a resource it does not know', { Ref: 'Nowhere' }, /Nowhere is unknown/],
    ['an attribute it does not know', { 'Fn::GetAtt': ['ContentBucket', 'WebsiteURL'] }, /ContentBucket\.WebsiteURL is unknown/],
    ['a Sub naming an unknown resource', { 'Fn::Sub': '${Nowhere.Arn}' }, /Nowhere\.Arn is unknown/],
    ['a function it does not work out', { 'Fn::If': ['Cond', 'a', 'b'] }, /cannot resolve/],
  ])('refuses %s', (_case, value, error) => {
    expect(() => resolve(value, lookup)).toThrow(error);
  });
});

describe('names', () => {
  it.each([
    ['upload-url', 'UploadDashurlLambdaFunction'],
    ['sign-up_hook', 'SignDashupUnderscorehookLambdaFunction'],
    ['_private', 'UnderscoreprivateLambdaFunction'],
  ])('the framework names function %s %s', (key, logicalId) => {
    expect(functionLogicalId(key)).toBe(logicalId);
  });

  it("a function's name is its `name`, else <service>-<stage>-<key>; its ARN holds the local account and region", () => {
    expect(functionName(config, 'upload-url')).toBe('svc-local-upload-url');
    expect(functionName(config, 'named')).toBe('custom-name');
    expect(lambdaArn('svc-local-upload-url')).toBe('arn:aws:lambda:us-east-1:000000000000:function:svc-local-upload-url');
  });

  it('finds the function an !GetAtt <Function>LambdaFunction.Arn names, in both forms', () => {
    expect(functionKeyOf(config, { 'Fn::GetAtt': ['UploadDashurlLambdaFunction', 'Arn'] })).toBe('upload-url');
    expect(functionKeyOf(config, { 'Fn::GetAtt': 'RegistrationLambdaFunction.Arn' })).toBe('registration');
    expect(functionKeyOf(config, { 'Fn::GetAtt': 'RegistrationLambdaFunction.FunctionName' })).toBeUndefined();
    expect(functionKeyOf(config, { 'Fn::GetAtt': 'OtherLambdaFunction.Arn' })).toBeUndefined();
  });

  it('names resources without a literal name <service>-<stage>-<kebab-case logical id>', () => {
    expect(localPhysicalName(config, 'ContentBucket')).toBe('svc-local-content-bucket');
    expect(physicalName(config, 'UploadsBucket', { Type: 'AWS::S3::Bucket', Properties: { BucketName: 'given' } }, 'BucketName')).toBe('given');
    expect(physicalName(config, 'UploadsBucket', { Type: 'AWS::S3::Bucket' }, 'BucketName')).toBe('svc-local-uploads-bucket');
    expect(localArn('sqs', 'svc-local-queue')).toBe('arn:aws:sqs:us-east-1:000000000000:svc-local-queue');
  });
});

describe('on-failure destinations (serverless.yml destinations.onFailure)', () => {
  it.each([
    ['an sqs destination', { type: 'sqs', arn: { 'Fn::GetAtt': ['FailedQueue', 'Arn'] } }, 'FailedQueue'],
    ['one without a type', { arn: { 'Fn::GetAtt': 'FailedQueue.Arn' } }, 'FailedQueue'],
    ['the bare GetAtt', { 'Fn::GetAtt': ['FailedQueue', 'Arn'] }, 'FailedQueue'],
    ['none', undefined, undefined],
  ])('reads %s', (_case, onFailure, queue) => {
    expect(onFailureQueueOf(onFailure, 'fn')).toBe(queue);
  });

  it.each([
    ['an sns destination', { type: 'sns', arn: { 'Fn::GetAtt': ['Topic', 'Arn'] } }],
    ['an ARN outside the stack', 'arn:aws:sqs:us-east-1:123456789012:elsewhere'],
    ['a Ref (a queue URL, not an ARN)', { arn: { Ref: 'FailedQueue' } }],
  ])('refuses %s: nothing would receive the records locally', (_case, onFailure) => {
    expect(() => onFailureQueueOf(onFailure, 'fn')).toThrow(/only an sqs on-failure destination/);
  });
});
