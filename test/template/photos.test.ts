/**
 * My photos in the packaged prod stack: PhotosTable (keys, the newest-first index, expiry, protection), the photos
 * function's event source on ThumbnailsEventsQueue (partial batch failures, the queue's timing and dead-letter queue),
 * and what the function may do — update photo items, nothing else.
 */
import { asArray, isObject, referencedIds, subString, Template, type Json, type JsonObject } from './template';

const template = Template.load();

const PHOTOS = 'PhotosLambdaFunction';

/** `Id.Attr` for a GetAtt, the Sub string for a Sub, the literal for a string. */
function describeResource(resource: Json): string {
  if (typeof resource === 'string') return resource;
  if (isObject(resource) && Array.isArray(resource['Fn::GetAtt'])) return resource['Fn::GetAtt'].map(String).join('.');
  return subString(resource) ?? JSON.stringify(resource);
}

/** Every Allow of a function's role as `action → resource`, with ` if <condition>` when the statement has one. */
function grants(functionId: string): string[] {
  const roleId = template.functionRole(functionId) ?? '(none)';
  return template.roleStatements(roleId).flatMap(({ statement }) => {
    expect(statement.Effect).toBe('Allow');
    const condition = statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : '';
    return asArray(statement.Action).flatMap((action) =>
      asArray(statement.Resource as Json).map((resource) => `${action} → ${describeResource(resource)}${condition}`),
    );
  });
}

const table = template.resource('PhotosTable');
const tableProperties = template.properties('PhotosTable', 'AWS::DynamoDB::Table');
const photos = template.properties(PHOTOS, 'AWS::Lambda::Function');
const queue = template.properties('ThumbnailsEventsQueue', 'AWS::SQS::Queue');
const mappings = template
  .resourcesOfType('AWS::Lambda::EventSourceMapping')
  .filter(([, resource]) => referencedIds(resource.Properties?.EventSourceArn).includes('ThumbnailsEventsQueue'));
const mapping: JsonObject = mappings[0]?.[1].Properties ?? {};

describe('PhotosTable', () => {
  it('keeps each user’s photos under their sub, one item per photo id', () => {
    expect(tableProperties.KeySchema).toEqual([
      { AttributeName: 'owner', KeyType: 'HASH' },
      { AttributeName: 'photoId', KeyType: 'RANGE' },
    ]);
    expect(tableProperties.BillingMode).toBe('PAY_PER_REQUEST');
  });

  it('lists a user’s photos by creation time through the byCreatedAt index, with every attribute', () => {
    expect(tableProperties.LocalSecondaryIndexes).toEqual([
      {
        IndexName: 'byCreatedAt',
        KeySchema: [
          { AttributeName: 'owner', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(tableProperties.GlobalSecondaryIndexes).toBeUndefined();
    expect(asArray(tableProperties.AttributeDefinitions)).toEqual(
      expect.arrayContaining([
        { AttributeName: 'owner', AttributeType: 'S' },
        { AttributeName: 'photoId', AttributeType: 'S' },
        { AttributeName: 'createdAt', AttributeType: 'S' },
      ]),
    );
  });

  it('lets DynamoDB delete items past their expiresAt (unsigned uploads, spent quota counters)', () => {
    expect(tableProperties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it('is encrypted, recoverable to any second of 35 days, kept when the stack goes, and protected from deletion in prod', () => {
    expect(tableProperties.SSESpecification).toEqual({ SSEEnabled: true });
    expect(tableProperties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(tableProperties.DeletionProtectionEnabled).toBe(true);
  });

  it('is named in the outputs', () => {
    expect(template.outputs().PhotosTableName?.Value).toEqual({ Ref: 'PhotosTable' });
  });
});

describe('ThumbnailsEventsQueue → the photos function', () => {
  it('is the one event source on the queue, delivering batches of 10 at once and reporting failed records one by one', () => {
    expect(mappings).toHaveLength(1);
    expect(mapping).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['ThumbnailsEventsQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': [PHOTOS, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      Enabled: true,
    });
    expect(mapping.MaximumBatchingWindowInSeconds ?? 0).toBe(0);
    expect(photos.Environment).toEqual({ Variables: expect.objectContaining({ PHOTOS_TABLE: { Ref: 'PhotosTable' } }) as unknown });
  });

  it("hides a batch for at least six times the function's timeout plus the batch window", () => {
    expect(Number(photos.Timeout)).toBe(10);
    expect(Number(queue.VisibilityTimeout)).toBeGreaterThanOrEqual(6 * Number(photos.Timeout) + Number(mapping.MaximumBatchingWindowInSeconds ?? 0));
  });

  it('moves an event to the dead-letter queue after five failed receives; the dead letters are kept 14 days', () => {
    expect(queue.RedrivePolicy).toEqual({ deadLetterTargetArn: { 'Fn::GetAtt': ['ThumbnailsEventsDeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 });
    const deadLetters = template.properties('ThumbnailsEventsDeadLetterQueue', 'AWS::SQS::Queue');
    expect(deadLetters.SqsManagedSseEnabled).toBe(true);
    expect(Number(deadLetters.MessageRetentionPeriod)).toBe(1209600);
  });
});

describe('the photos function', () => {
  it('may only read its queue, update items of PhotosTable, and write its logs', () => {
    // Prepare
    const [logGroup] = template.functionLogGroup(PHOTOS) ?? [];

    // Act
    const allowed = grants(PHOTOS).sort();

    // Assess: no GetItem, PutItem, DeleteItem or Query, no index, no other table; the queue's actions only on it
    expect(allowed).toEqual(
      [
        `logs:CreateLogStream → \${${logGroup}.Arn}:*`,
        `logs:PutLogEvents → \${${logGroup}.Arn}:*`,
        'sqs:ReceiveMessage → ThumbnailsEventsQueue.Arn',
        'sqs:DeleteMessage → ThumbnailsEventsQueue.Arn',
        'sqs:GetQueueAttributes → ThumbnailsEventsQueue.Arn',
        'dynamodb:UpdateItem → PhotosTable.Arn',
      ].sort(),
    );
  });

  it('is the only role that may touch the queue', () => {
    const roles = template
      .iamStatements()
      .filter(({ statement }) => referencedIds(statement.Resource).includes('ThumbnailsEventsQueue'))
      .flatMap(({ roles }) => roles);
    expect([...new Set(roles)]).toEqual([template.functionRole(PHOTOS)]);
  });
});
