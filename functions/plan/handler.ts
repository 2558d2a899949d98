import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { subjectOf } from '../lib/claims';
import { dynamoDb } from '../lib/clients/dynamodb';
import { NotFoundError } from '../lib/errors';
import { errorResponse, json, jwtClaims, parseJsonObject } from '../lib/http';
import { logger } from '../lib/logger';
import { count, instrumented } from '../lib/observability';
import { DynamoDbUserStore } from '../lib/users';
import { config } from './config';
import { changePlan, parsePlanChange, requireAdmin } from './plan';

const store = new DynamoDbUserStore(dynamoDb(), config.usersTable);

/** PUT /users/{userId}/plan — admins only; the JWT authorizer has verified the token before this runs. */
export const handler = instrumented('plan', async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const claims = jwtClaims(event);
    const admin = subjectOf(claims);
    requireAdmin(claims);
    const userId = event.pathParameters?.userId;
    if (!userId) throw new NotFoundError('user_not_found', 'No such user');
    const change = parsePlanChange(parseJsonObject(event), Date.now());
    const user = await changePlan(userId, change, store, new Date());
    logger.info('plan changed', { userId, plan: user.plan, by: admin });
    // The reason is the new plan, one of the plans parsePlanChange accepts.
    count('PlanChanges', user.plan);
    return json(200, user);
  } catch (error) {
    return errorResponse(error);
  }
});
