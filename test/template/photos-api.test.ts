/**
 * The photo routes in the packaged prod stack: GET /photos, GET /photos/{id} and DELETE /photos/{id} behind the
 * Cognito JWT authorizer, each function with exactly the rights its route needs; POST /uploads's quota and pending
 * record; and no other role of the stack able to delete a photo's objects or records.
 */
import { asArray, isObject, referencedIds, subString, Template, type IamStatement, type PolicyStatement } from './template';

const template = Template.load();

const LIST = 'ListPhotosLambdaFunction';
const GET = 'GetPhotoLambdaFunction';
const DELETE = 'DeletePhotoLambdaFunction';
const UPLOAD_URL = 'UploadDashurlLambdaFunction';

/** `action → target` for each Allow of a function's role: `Bucket/<prefix>*`, `Table/index/<name>`, or a logical id. */
function grants(functionId: string): string[] {
  const roleId = template.functionRole(functionId) ?? '(none)';
  return template.roleStatements(roleId).flatMap(({ statement }) => {
    expect(statement.Effect).toBe('Allow');
    const condition = statement.Condition === undefined ? '' : ` if ${JSON.stringify(statement.Condition)}`;
    return asArray(statement.Action).flatMap((action) =>
      asArray(statement.Resource).map((resource) => `${action} → ${describeTarget(resource)}${condition}`),
    );
  });
}

function describeTarget(resource: unknown): string {
  const sub = subString(resource);
  if (sub !== undefined) return sub.replace(/^\$\{(\w+)\.Arn\}/, '$1');
  const ids = referencedIds(resource);
  return ids.length === 1 ? (ids[0] ?? '') : JSON.stringify(resource);
}

const logs = (functionId: string): string[] => {
  const [logGroup] = template.functionLogGroup(functionId) ?? [];
  return [`logs:CreateLogStream → ${logGroup}:*`, `logs:PutLogEvents → ${logGroup}:*`];
};

describe.each([
  ['GET /photos', LIST],
  ['GET /photos/{id}', GET],
  ['DELETE /photos/{id}', DELETE],
])('%s', (routeKey, functionId) => {
  it('is behind the Cognito JWT authorizer and reaches its own function', () => {
    // Prepare
    const routes = template.resourcesOfType('AWS::ApiGatewayV2::Route').filter(([, route]) => route.Properties?.RouteKey === routeKey);
    const route = routes[0]?.[1].Properties ?? {};
    const integrationId = referencedIds(route.Target)[0] ?? '(none)';

    // Act
    const integration = template.properties(integrationId, 'AWS::ApiGatewayV2::Integration');

    // Assess
    expect(routes).toHaveLength(1);
    expect(route).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: 'HttpApiAuthorizerCognito' } });
    expect(referencedIds(integration.IntegrationUri)).toEqual([functionId]);
  });
});

it('has no other photo route, and every method but the three has none (API Gateway answers them 404)', () => {
  const keys = template
    .resourcesOfType('AWS::ApiGatewayV2::Route')
    .map(([, route]) => route.Properties?.RouteKey)
    .filter((key): key is string => typeof key === 'string' && key.split(' ')[1]?.startsWith('/photos') === true);
  expect(keys.sort()).toEqual(['DELETE /photos/{id}', 'GET /photos', 'GET /photos/{id}']);
});

describe('least privilege', () => {
  it('GET /photos may only query the byCreatedAt index of PhotosTable', () => {
    expect(grants(LIST).sort()).toEqual([...logs(LIST), 'dynamodb:Query → PhotosTable/index/byCreatedAt'].sort());
  });

  it('GET /photos/{id} may only read an item of PhotosTable', () => {
    expect(grants(GET).sort()).toEqual([...logs(GET), 'dynamodb:GetItem → PhotosTable'].sort());
  });

  it('DELETE /photos/{id} may read and delete PhotosTable items, delete objects under uploads/ and thumbnails/ and list thumbnails/', () => {
    expect(grants(DELETE).sort()).toEqual(
      [
        ...logs(DELETE),
        'dynamodb:GetItem → PhotosTable',
        'dynamodb:DeleteItem → PhotosTable',
        's3:DeleteObject → UploadsBucket/uploads/*',
        's3:DeleteObject → ThumbnailsBucket/thumbnails/*',
        's3:ListBucket → ThumbnailsBucket if {"StringLike":{"s3:prefix":"thumbnails/*"}}',
      ].sort(),
    );
  });

  it('POST /uploads may also count uploads and record pending photos (UpdateItem, PutItem), and read nothing', () => {
    expect(grants(UPLOAD_URL).sort()).toEqual(
      [...logs(UPLOAD_URL), 's3:PutObject → UploadsBucket/uploads/*', 'dynamodb:UpdateItem → PhotosTable', 'dynamodb:PutItem → PhotosTable'].sort(),
    );
  });

  it('no other role of the stack may delete objects in any bucket, or items of PhotosTable', () => {
    // Prepare: actions that delete (wildcards included), in identity policies
    const s3Delete = /^(\*|s3:\*|s3:Delete.*)$/;
    const tableDelete = /^(\*|dynamodb:\*|dynamodb:DeleteItem|dynamodb:BatchWriteItem|dynamodb:PartiQLDelete)$/;
    const deleteRole = template.functionRole(DELETE) ?? '(none)';
    const onPhotos = (entry: IamStatement) =>
      asArray(entry.statement.Resource).some((resource) => referencedIds(resource).includes('PhotosTable'));

    // Act
    const offending = template
      .iamStatements()
      .filter(({ statement }) => statement.Effect === 'Allow')
      .filter((entry) => !entry.roles.includes(deleteRole))
      .filter((entry) => asArray(entry.statement.Action).some((action) => s3Delete.test(action) || (tableDelete.test(action) && onPhotos(entry))))
      .map((entry) => `${entry.source}: ${JSON.stringify(entry.statement.Action)}`);

    // Assess
    expect(offending).toEqual([]);
  });

  it('the uploads and thumbnails bucket policies allow no deletes (only CloudFront reads, and TLS-only denials)', () => {
    for (const policy of ['UploadsBucketPolicy', 'ThumbnailsBucketPolicy']) {
      const allows = template.policyStatements(policy, 'AWS::S3::BucketPolicy').filter((s: PolicyStatement) => s.Effect === 'Allow');
      expect(allows.flatMap((s) => asArray(s.Action))).toEqual(policy === 'UploadsBucketPolicy' ? [] : ['s3:GetObject']);
    }
  });
});

describe('configuration', () => {
  it('gives the photo functions the table and where thumbnails are served, as the thumbnails function has it', () => {
    const thumbnailsBaseUrl = template.functionEnvironment('ThumbnailsLambdaFunction').THUMBNAILS_BASE_URL;
    for (const functionId of [LIST, GET]) {
      expect(template.functionEnvironment(functionId)).toEqual({
        ...template.functionEnvironment(functionId),
        PHOTOS_TABLE: { Ref: 'PhotosTable' },
        THUMBNAILS_BASE_URL: thumbnailsBaseUrl,
      });
    }
    expect(template.functionEnvironment(DELETE)).toMatchObject({
      PHOTOS_TABLE: { Ref: 'PhotosTable' },
      UPLOADS_BUCKET: template.functionEnvironment('ThumbnailsLambdaFunction').UPLOADS_BUCKET,
      THUMBNAILS_BUCKET: { Ref: 'ThumbnailsBucket' },
    });
  });

  it('caps uploads at 50 a user a day in prod', () => {
    expect(template.functionEnvironment(UPLOAD_URL)).toMatchObject({ PHOTOS_TABLE: { Ref: 'PhotosTable' }, UPLOADS_PER_DAY: '50' });
  });

  it('lets a page read Retry-After (the 429 of POST /uploads) through CORS', () => {
    const [api] = template.resourcesOfType('AWS::ApiGatewayV2::Api');
    const cors = api?.[1].Properties?.CorsConfiguration;
    expect(isObject(cors) ? cors.ExposeHeaders : undefined).toEqual(['Retry-After']);
    expect(isObject(cors) ? cors.AllowMethods : undefined).toEqual(expect.arrayContaining(['GET', 'DELETE']));
  });

  it('keeps PhotosTable as the design has it: owner/photoId keys, byCreatedAt newest-first index, expiresAt TTL', () => {
    const table = template.properties('PhotosTable', 'AWS::DynamoDB::Table');
    expect(table.KeySchema).toEqual([
      { AttributeName: 'owner', KeyType: 'HASH' },
      { AttributeName: 'photoId', KeyType: 'RANGE' },
    ]);
    expect(table.LocalSecondaryIndexes).toEqual([
      {
        IndexName: 'byCreatedAt',
        KeySchema: [
          { AttributeName: 'owner', KeyType: 'HASH' },
          { AttributeName: 'createdAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(table.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });
});
