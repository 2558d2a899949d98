/** What the integration tests need to reach the stack that global-setup started. */
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HOST, LOCAL_REGION, LOCAL_S3_CREDENTIALS, localPorts } from '../../scripts/local/ports';

export const ports = localPorts();
export const apiUrl = `http://${HOST}:${ports.api}`;
export const siteUrl = `http://${HOST}:${ports.edge}`;
export const sesUrl = `http://${HOST}:${ports.ses}`;

const common = { region: LOCAL_REGION, credentials: LOCAL_S3_CREDENTIALS };
export const s3 = new S3Client({
  ...common,
  endpoint: `http://${HOST}:${ports.s3}`,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
});
export const dynamodb = new DynamoDBClient({ ...common, endpoint: `http://${HOST}:${ports.dynamodb}` });
