import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { subjectOf } from '../lib/claims';
import { dynamoDb } from '../lib/clients/dynamodb';
import { presignS3 } from '../lib/clients/s3';
import { errorResponse, json, jwtClaims, parseJsonObject, refusalCode } from '../lib/http';
import { count, instrumented } from '../lib/observability';
import { DynamoDbPhotoStore } from '../lib/photo-records';
import { config } from './config';
import { S3PostPresigner } from './presigner';
import { createUploadUrl, parseUploadRequest } from './upload-url';

const presigner = new S3PostPresigner(presignS3(), config.uploadsBucket);
const ledger = new DynamoDbPhotoStore(dynamoDb(), config.photosTable);

/**
 * POST /uploads (Cognito JWT authorizer) → 201 with a presigned POST for `uploads/<sub>/<uuid>.<ext>`, or 429
 * upload_quota_exceeded with Retry-After once the user had `uploadsPerDay` of them today (UTC).
 */
export const handler = instrumented('upload-url', async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const owner = subjectOf(jwtClaims(event));
    const request = parseUploadRequest(parseJsonObject(event));
    const result = await createUploadUrl(owner, request, config, {
      presigner,
      ledger,
      newId: randomUUID,
      now: () => new Date(),
    });
    count('UploadsSigned');
    return json(201, result);
  } catch (error) {
    const refused = refusalCode(error);
    if (refused !== undefined) count('UploadsRefused', refused);
    return errorResponse(error);
  }
});
