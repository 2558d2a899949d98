import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { subjectOf } from '../lib/claims';
import { s3 } from '../lib/clients/s3';
import { errorResponse, jwtClaims } from '../lib/http';
import { instrumented } from '../lib/observability';
import { S3ReportReader } from '../lib/reports';
import { config } from './config';
import { getReport } from './get-report';

const store = new S3ReportReader(s3(), config.reportingBucket);

/** GET /reports/{name} — admins only; the JWT authorizer has verified the token before this runs. */
export const handler = instrumented('getReport', async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<APIGatewayProxyStructuredResultV2> => {
  try {
    const claims = jwtClaims(event);
    subjectOf(claims);
    const report = await getReport(claims, event.pathParameters?.name, store);
    return {
      statusCode: 200,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        ...(report.lastModified ? { 'last-modified': report.lastModified.toUTCString() } : {}),
      },
      // The stored JSON array as it is: no parse and re-serialise per request.
      body: report.json,
    };
  } catch (error) {
    return errorResponse(error);
  }
});
