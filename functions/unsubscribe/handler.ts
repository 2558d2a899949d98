import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDb } from '../lib/clients/dynamodb';
import { NotFoundError } from '../lib/errors';
import { errorResponse } from '../lib/http';
import { logger } from '../lib/logger';
import { count, instrumented } from '../lib/observability';
import { DynamoDbSubscriberStore } from '../lib/subscribers';
import { config } from './config';
import { confirmPage, donePage, unsubscribe } from './unsubscribe';

const store = new DynamoDbSubscriberStore(dynamoDb(), config.subscribersTable);
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer', // the token is in the URL
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
};

/**
 * DELETE /subscriptions/{token} (API: 204 or 404), and the mail's link /subscriptions/{token}/unsubscribe:
 * GET shows a confirm button, POST (the button, or a mail client's one-click) unsubscribes.
 */
export const handler = instrumented('unsubscribe', async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  const token = event.pathParameters?.token;
  const method = event.requestContext.http.method;
  try {
    if (method === 'GET') return { statusCode: 200, headers: HTML_HEADERS, body: confirmPage() };
    if (method === 'POST') {
      try {
        await unsubscribe(token, store);
        logger.info('unsubscribed');
        count('Unsubscribed');
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
      return { statusCode: 200, headers: HTML_HEADERS, body: donePage() };
    }
    await unsubscribe(token, store);
    logger.info('unsubscribed');
    count('Unsubscribed');
    return { statusCode: 204 };
  } catch (error) {
    return errorResponse(error);
  }
});
