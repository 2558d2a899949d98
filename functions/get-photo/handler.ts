import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { subjectOf } from '../lib/claims';
import { dynamoDb } from '../lib/clients/dynamodb';
import { errorResponse, json, jwtClaims } from '../lib/http';
import { instrumented } from '../lib/observability';
import { DynamoDbPhotoStore } from '../lib/photo-records';
import { config } from './config';
import { getPhoto } from './get-photo';

const photos = new DynamoDbPhotoStore(dynamoDb(), config.photosTable);

/** GET /photos/{id} (Cognito JWT authorizer) → 200 the photo, or 404 not_found (also for another user's). */
export const handler = instrumented('getPhoto', async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const owner = subjectOf(jwtClaims(event));
    const photo = await getPhoto(owner, event.pathParameters?.id, {
      photos,
      thumbnailsBaseUrl: config.thumbnailsBaseUrl,
      now: () => new Date(),
    });
    return json(200, photo);
  } catch (error) {
    return errorResponse(error);
  }
});
