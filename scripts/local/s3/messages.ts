/**
 * What S3 sends to a notification's destination ("Event message structure", Amazon S3 User Guide): a JSON object with
 * one record per event — eventVersion 2.1, eventSource aws:s3, the event time, the event name without its `s3:`
 * prefix, the bucket's name and ARN, the object's URL-encoded key, size, ETag and sequencer — and the `s3:TestEvent`
 * message S3 sends to a queue or topic when a notification configuration names it.
 *
 * Made here from what s3rver reports rather than passed on as s3rver builds it: s3rver writes eventVersion 2.0, an ARN
 * with spaces in it (`arn:aws:s3: : :bucket`), the raw key, and a sequencer that two events of one millisecond share.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LOCAL_REGION } from '../ports';

export interface S3EventRecord {
  eventVersion: '2.1';
  eventSource: 'aws:s3';
  awsRegion: string;
  eventTime: string;
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { 'x-amz-request-id': string; 'x-amz-id-2': string };
  s3: {
    s3SchemaVersion: '1.0';
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: { key: string; size?: number; eTag?: string; sequencer: string };
  };
}

/** An object event as the local S3 saw it: the raw key, and the name without `s3:` (`ObjectCreated:Put`). */
export interface ObjectEvent {
  bucket: string;
  key: string;
  eventName: string;
  size?: number;
  eTag?: string;
  sourceIp?: string;
  time: Date;
  sequencer: string;
}

/**
 * A key as S3 writes it into an event record: URL-encoded as an HTML form encodes (space as `+`), the `/` between
 * segments kept. encodeURIComponent leaves `!'()~` as they are, which a form encoding does not: those are encoded too
 * (a Firehose key `dt=2024-05-01/` arrives as `dt%3D2024-05-01/`).
 */
export function encodeEventKey(key: string): string {
  const formEncode = (part: string) =>
    encodeURIComponent(part)
      .replace(/[!'()~]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`)
      .replace(/%20/g, '+');
  return key.split('/').map(formEncode).join('/');
}

/**
 * Sequencers that order the events of this S3: hexadecimal, growing with every event, so the later of two events of
 * one key compares greater ("the sequencer ... provides a way to determine the sequence of events", where shorter
 * values are padded with zeros before comparing). Milliseconds, then a counter within the millisecond.
 */
export function sequencers(now: () => number = Date.now): () => string {
  let last = 0;
  let count = 0;
  return () => {
    const ms = Math.max(now(), last);
    count = ms === last ? count + 1 : 0;
    last = ms;
    return (BigInt(ms) * 4096n + BigInt(count)).toString(16).toUpperCase().padStart(16, '0');
  };
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex').toUpperCase();

/** The record S3 writes for `event` under the notification configuration `configurationId`. */
export function eventRecord(event: ObjectEvent, configurationId: string): S3EventRecord {
  const object: S3EventRecord['s3']['object'] = { key: encodeEventKey(event.key), sequencer: event.sequencer };
  if (event.size !== undefined) object.size = event.size;
  if (event.eTag !== undefined) object.eTag = event.eTag;
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: LOCAL_REGION,
    eventTime: event.time.toISOString(),
    eventName: event.eventName,
    userIdentity: { principalId: 'AWS:LOCAL' },
    requestParameters: { sourceIPAddress: event.sourceIp ?? '127.0.0.1' },
    responseElements: { 'x-amz-request-id': hex(8), 'x-amz-id-2': randomBytes(48).toString('base64') },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId,
      bucket: { name: event.bucket, ownerIdentity: { principalId: 'LOCAL' }, arn: `arn:aws:s3:::${event.bucket}` },
      object,
    },
  };
}

/** The message S3 sends to a queue when a notification configuration names it, before any event. */
export function testEventMessage(bucket: string, time: Date = new Date()): Record<string, string> {
  return { Service: 'Amazon S3', Event: 's3:TestEvent', Time: time.toISOString(), Bucket: bucket, RequestId: hex(8), HostId: randomBytes(48).toString('base64') };
}

/**
 * The id S3 gives a notification configuration that names none (CloudFormation's S3 notification configurations
 * have no Id property): stable for one configuration, so the records of one rule carry one id.
 */
export function configurationIdOf(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('base64').replace(/=+$/, '').slice(0, 32);
}
