import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { subjectOf } from '../lib/claims';
import { dynamoDb } from '../lib/clients/dynamodb';
import { s3 } from '../lib/clients/s3';
import { errorResponse, json, jwtClaims, parseJsonObject, refusalCode } from '../lib/http';
import { count, instrumented } from '../lib/observability';
import { DynamoDbUserStore } from '../lib/users';
import { config } from './config';
import { S3ContentStore } from './content-store';
import { privateKey } from './private-key';
import { issueCookies, issueUrl, type Caller, type Deps, type JsonObject } from './signed-url';

const deps: Deps = {
  users: new DynamoDbUserStore(dynamoDb(), config.usersTable),
  content: new S3ContentStore(s3(), config.premiumBucket),
  signingKey: async () => ({ keyPairId: config.keyPairId, privateKey: await privateKey(config.privateKeySecret) }),
  settings: config.signing,
  delivery: config.delivery,
  cookie: config.cookie,
  now: Date.now,
};

type Route = (caller: Caller, body: JsonObject) => Promise<APIGatewayProxyStructuredResultV2>;

/** This function's routes in serverless.yml, by the routeKey API Gateway matched (method and path template). */
const ROUTES = new Map<string, Route>([
  ['POST /premium/url', async (caller, body) => {
    const result = await issueUrl(caller, body, deps);
    count('SignedUrlsIssued');
    return json(200, result);
  }],
  ['POST /premium/cookies', async (caller, body) => {
    const { setCookies, ...result } = await issueCookies(caller, body, deps);
    count('SignedCookiesIssued');
    return { ...json(200, result), cookies: setCookies };
  }],
]);

/** POST /premium/url `{ key, expiresIn? }` and POST /premium/cookies `{ folder, expiresIn? }`; JWT-authorized. */
export const handler = instrumented('signedUrl', async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const route = ROUTES.get(event.routeKey);
    // Only serverless.yml disagreeing with the table above gets here: the function's fault, not the caller's.
    if (route === undefined) throw new Error(`signedUrl has no route ${event.routeKey}`);
    const caller = { userId: subjectOf(jwtClaims(event)), sourceIp: event.requestContext.http.sourceIp };
    return await route(caller, parseJsonObject(event));
  } catch (error) {
    const refused = refusalCode(error);
    if (refused !== undefined) count('SignedAccessRefused', refused);
    return errorResponse(error);
  }
});
