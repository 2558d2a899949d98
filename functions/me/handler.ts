import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse, json } from '../lib/http';
import { me } from './me';

export const handler = async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    return json(200, me(event.requestContext.authorizer?.jwt?.claims ?? {}));
  } catch (error) {
    return errorResponse(error);
  }
};
