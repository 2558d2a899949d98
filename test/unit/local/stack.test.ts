/** The stack's list: the environment and `npm start`'s table are made from the stand-ins, and say what they said before. */
import { localPorts } from '../../../scripts/local/ports';
import { localEnv, STACK } from '../../../scripts/local/stack';
import type { StandIn } from '../../../scripts/local/stand-in';

describe('the local stack', () => {
  it('gives every process the standard endpoint variables and ports of its stand-ins (offset 100)', () => {
    // Act
    const env = localEnv(localPorts(100));

    // Assess
    expect(env).toEqual({
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8100',
      AWS_ENDPOINT_URL_DYNAMODB_STREAMS: 'http://127.0.0.1:8100',
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4669',
      AWS_ENDPOINT_URL_SES: 'http://127.0.0.1:8105',
      AWS_ENDPOINT_URL_SESV2: 'http://127.0.0.1:8105',
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: 'http://127.0.0.1:9329',
      AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:3102',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4684',
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4666',
      AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:4666',
      AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:4667',
      AWS_ENDPOINT_URL_ATHENA: 'http://127.0.0.1:4685',
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      LOCAL_API_PORT: '3100',
      LOCAL_API_BACKEND_PORT: '3103',
      LOCAL_COGNITO_PORT: '9329',
      LOCAL_LAMBDA_PORT: '3102',
      LOCAL_EDGE_PORT: '8180',
      AWS_ENDPOINT_URL_CLOUDFRONT: 'http://127.0.0.1:4687',
      LOCAL_MESSAGING_PORT: '4666',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      DDB_LOCAL_TELEMETRY: '0',
    });
  });

  it("shows npm start's table in the order the README shows it, one row per stand-in", () => {
    // Prepare
    const standIns = STACK.flat() as StandIn<unknown>[];

    // Act
    const rows = standIns.filter((standIn) => standIn.row).sort((a, b) => a.row!.rank - b.row!.rank);

    // Assess
    expect(rows.map((standIn) => standIn.row!.label)).toEqual(['Blog site', 'HTTP API', 'S3', 'DynamoDB', 'Cognito', 'SES inbox', 'SNS + SQS', 'Kinesis', 'Lambda API', 'Athena', 'Schedules', 'Metrics']);
    expect(new Set(standIns.map((standIn) => standIn.name)).size).toBe(standIns.length);
  });

  it('starts the template first, beside the emulators that do not read it', () => {
    // Act
    const [first] = STACK;

    // Assess
    expect((first as StandIn<unknown>[]).map((standIn) => standIn.name)).toEqual(['template', 'dynamodb', 's3', 'messaging', 'ses', 'metrics']);
  });
});
