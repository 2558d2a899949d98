import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDb } from '../lib/clients/dynamodb';
import { errorResponse, json, parseJsonObject, refusalCode } from '../lib/http';
import { logger } from '../lib/logger';
import { count, instrumented } from '../lib/observability';
import { DynamoDbSubscriberStore } from '../lib/subscribers';
import { config } from './config';
import { parseSubscribeRequest, subscribe } from './subscribe';

/** A subscribe body is an address and a name: anything near this size is not one. */
const MAX_BODY_BYTES = 2 * 1024;
const store = new DynamoDbSubscriberStore(dynamoDb(), config.subscribersTable);

/**
 * POST /subscriptions — 202 for a new or an existing address alike (see subscribe()). Only a new address counts as
 * SubscriptionsAccepted: a repeat stores nothing and sends no mail.
 */
export const handler = instrumented('subscribe', async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const request = parseSubscribeRequest(parseJsonObject(event, MAX_BODY_BYTES));
    const { status, created } = await subscribe(request, store);
    logger.info('subscribe', { created });
    if (created) count('SubscriptionsAccepted');
    return json(202, { status });
  } catch (error) {
    const refused = refusalCode(error);
    if (refused !== undefined) count('SubscriptionsRefused', refused);
    return errorResponse(error);
  }
});
