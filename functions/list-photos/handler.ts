import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { subjectOf } from '../lib/claims';
import { dynamoDb } from '../lib/clients/dynamodb';
import { errorResponse, json, jwtClaims } from '../lib/http';
import { instrumented } from '../lib/observability';
import { DynamoDbPhotoStore } from '../lib/photo-records';
import { config } from './config';
import { listPhotos, parseListRequest } from './list-photos';

const photos = new DynamoDbPhotoStore(dynamoDb(), config.photosTable);

/** GET /photos?limit=&cursor= (Cognito JWT authorizer) → 200 `{photos, nextCursor?}`, the caller's own, newest first. */
export const handler = instrumented('listPhotos', async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const owner = subjectOf(jwtClaims(event));
    const request = parseListRequest(event.queryStringParameters, owner);
    return json(200, await listPhotos(owner, request, { photos, thumbnailsBaseUrl: config.thumbnailsBaseUrl, now: () => new Date() }));
  } catch (error) {
    return errorResponse(error);
  }
});
