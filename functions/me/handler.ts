import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse, json, jwtClaims } from '../lib/http';
import { instrumented } from '../lib/observability';
import { me } from './me';

export const handler = instrumented('me', async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    return json(200, me(jwtClaims(event)));
  } catch (error) {
    return errorResponse(error);
  }
});
