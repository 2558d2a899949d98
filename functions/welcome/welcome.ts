import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { renderWelcome, type RenderedEmail } from './template';

/** What the welcome mail needs from a new subscriber item. */
export interface WelcomeJob {
  subscriptionId: string;
  email: string;
  name?: string;
  token: string;
}

export interface OutgoingEmail extends RenderedEmail {
  to: string;
  /** Extra headers: List-Unsubscribe and List-Unsubscribe-Post (RFC 2369, RFC 8058). */
  headers: { name: string; value: string }[];
}

/** The port for sending; SesMailer is the adapter. */
export interface Mailer {
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
}

/** The address will never take this mail (SES refused it as such): retrying would fail the same way forever. */
export class PermanentSendError extends Error {
  override readonly name = 'PermanentSendError';
}

/** A stream record this function cannot read: it fails alone, so the batch's other records still go out. */
export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
}

/**
 * The job of one stream record, or undefined for a record that is not a new subscription (the event source's filter
 * lets only INSERTs through; this guards the function when invoked with anything else).
 */
export function parseStreamRecord(record: DynamoDBRecord): WelcomeJob | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const image = record.dynamodb?.NewImage;
  if (image === undefined) throw new MalformedRecordError('INSERT record without NewImage');
  let item: Record<string, unknown>;
  try {
    item = unmarshall(image as Record<string, SdkAttributeValue>);
  } catch (error) {
    throw new MalformedRecordError(`NewImage is not a DynamoDB item: ${(error as Error).message}`);
  }
  const { subscriptionId, email, name, token } = item;
  if (typeof subscriptionId !== 'string' || subscriptionId === '') throw new MalformedRecordError('no subscriptionId');
  if (typeof email !== 'string' || !email.includes('@')) throw new MalformedRecordError('no email');
  if (typeof token !== 'string' || token === '') throw new MalformedRecordError('no token');
  if (name !== undefined && typeof name !== 'string') throw new MalformedRecordError('name is not a string');
  return { subscriptionId, email, token, ...(name === undefined ? {} : { name }) };
}

export interface WelcomeSettings {
  /** `https://…/subscriptions`: the link is `<base>/<token>/unsubscribe`. */
  unsubscribeBaseUrl: string;
  siteUrl: string;
}

export function welcomeEmail(job: WelcomeJob, settings: WelcomeSettings): OutgoingEmail {
  const unsubscribeUrl = `${settings.unsubscribeBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(job.token)}/unsubscribe`;
  return {
    to: job.email,
    ...renderWelcome({ ...(job.name === undefined ? {} : { name: job.name }), unsubscribeUrl, siteUrl: settings.siteUrl }),
    headers: [
      { name: 'List-Unsubscribe', value: `<${unsubscribeUrl}>` },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ],
  };
}

/**
 * A send that failed for a reason that may pass (throttling, SES 5xx, a refused or timed-out connection, an account
 * paused by the operator): the record is reported failed and the event source retries it.
 */
export class TransientSendError extends Error {
  override readonly name = 'TransientSendError';
}

/** A short, loggable reason for a failed send: the SDK's error name and message. */
export function failureReason(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 500);
  return String(error).slice(0, 500);
}
