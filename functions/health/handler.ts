import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse, json } from '../lib/http';
import { instrumented } from '../lib/observability';
import { config } from './config';
import { health } from './health';

export const handler = instrumented('health', async (): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    return json(200, health(config));
  } catch (error) {
    return errorResponse(error);
  }
});
