import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { dynamoDb } from '../lib/clients/dynamodb';
import { NotFoundError } from '../lib/errors';
import { errorResponse, json, parseJsonObject } from '../lib/http';
import { DynamoDbUserStore } from '../lib/users';
import { config } from './config';
import { changePlan, parsePlanChange, requireAdmin } from './plan';

const store = new DynamoDbUserStore(dynamoDb(), config.usersTable);

/** PUT /users/{userId}/plan — admins only; the JWT authorizer has verified the token before this runs. */
export const handler = async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    requireAdmin(event.requestContext.authorizer?.jwt?.claims?.['cognito:groups']);
    const userId = event.pathParameters?.userId;
    if (!userId) throw new NotFoundError('user_not_found', 'No such user');
    const change = parsePlanChange(parseJsonObject(event), Date.now());
    return json(200, await changePlan(userId, change, store, new Date()));
  } catch (error) {
    return errorResponse(error);
  }
};
