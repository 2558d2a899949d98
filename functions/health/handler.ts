import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse, json } from '../lib/http';
import { config } from './config';
import { health } from './health';

export const handler = async (): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    return json(200, health(config));
  } catch (error) {
    return errorResponse(error);
  }
};
