/** What the integration tests need to reach the stack that global-setup started. */
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HOST, localClientConfig, localPorts, localS3ClientConfig } from '../../scripts/local/ports';

export const ports = localPorts();
export const apiUrl = `http://${HOST}:${ports.api}`;
export const siteUrl = `http://${HOST}:${ports.edge}`;
export const sesUrl = `http://${HOST}:${ports.ses}`;

export const s3 = new S3Client(localS3ClientConfig(`http://${HOST}:${ports.s3}`));
export const dynamodb = new DynamoDBClient(localClientConfig(`http://${HOST}:${ports.dynamodb}`));
