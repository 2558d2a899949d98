import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { subjectOf } from '../lib/claims';
import { dynamoDb } from '../lib/clients/dynamodb';
import { s3 } from '../lib/clients/s3';
import { errorResponse, jwtClaims } from '../lib/http';
import { logger } from '../lib/logger';
import { count, instrumented } from '../lib/observability';
import { DynamoDbPhotoStore } from '../lib/photo-records';
import { config } from './config';
import { deletePhoto } from './delete-photo';
import { S3PhotoObjects } from './objects';

const photos = new DynamoDbPhotoStore(dynamoDb(), config.photosTable);
const objects = new S3PhotoObjects(s3(), config.uploadsBucket, config.thumbnailsBucket);

/** DELETE /photos/{id} (Cognito JWT authorizer) → 204, or 404 not_found (another user's, or already deleted). */
export const handler = instrumented('deletePhoto', async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const owner = subjectOf(jwtClaims(event));
    const deleted = await deletePhoto(owner, event.pathParameters?.id, { photos, objects, now: () => new Date() });
    logger.info('photo deleted', { owner, ...deleted });
    count('PhotosDeleted');
    return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
  } catch (error) {
    return errorResponse(error);
  }
});
