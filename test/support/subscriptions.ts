/** Test doubles for the subscription flows: the store and mailer ports, idempotency records in memory, stream records. */
import { marshall } from '@aws-sdk/util-dynamodb';
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { Subscriber, SubscriberStore, Suppression, SuppressionStore, SuppressResult, WelcomeOutcome } from '../../functions/lib/subscribers';
import type { Mailer, OutgoingEmail } from '../../functions/welcome/welcome';
import type { DeadLetters } from '../../functions/lib/dead-letters';

export class InMemorySubscriberStore implements SubscriberStore, SuppressionStore {
  readonly items = new Map<string, Subscriber & { welcome?: WelcomeOutcome; suppression?: Suppression }>();

  async add(subscriber: Subscriber): Promise<boolean> {
    if (this.items.has(subscriber.email)) return false;
    this.items.set(subscriber.email, { ...subscriber });
    return true;
  }

  async removeByToken(token: string): Promise<boolean> {
    for (const [email, item] of this.items) {
      if (item.token === token) return this.items.delete(email);
    }
    return false;
  }

  async recordWelcome(email: string, subscriptionId: string, outcome: WelcomeOutcome): Promise<void> {
    const item = this.items.get(email);
    if (item?.subscriptionId !== subscriptionId) return;
    // As the DynamoDB adapter's condition: a failure never overwrites `sent`.
    if (outcome.status !== 'sent' && item.welcome?.status === 'sent') return;
    item.welcome = outcome;
  }

  async suppressionOf(email: string): Promise<Suppression | undefined> {
    return this.items.get(email)?.suppression;
  }

  /** As the DynamoDB adapter's condition: only an existing item, and only the first report. */
  async suppress(email: string, suppression: Suppression): Promise<SuppressResult> {
    const item = this.items.get(email);
    if (item === undefined) return 'unknown';
    if (item.suppression !== undefined) return 'alreadySuppressed';
    item.suppression = { ...suppression, detail: suppression.detail.slice(0, 500) };
    return 'suppressed';
  }
}

/** Keeps what the welcome batch dead-letters. */
export class RecordingDeadLetters implements DeadLetters<DynamoDBRecord> {
  readonly letters: { record: DynamoDBRecord; reason: string }[] = [];
  async put(record: DynamoDBRecord, reason: string): Promise<void> {
    this.letters.push({ record, reason });
  }
}

/** Records what it sends; `failFor` decides per address whether (and how) a send fails. */
export class RecordingMailer implements Mailer {
  readonly sent: OutgoingEmail[] = [];
  readonly attempts: string[] = [];
  constructor(public failFor: (to: string) => Error | undefined = () => undefined) {}

  async send(email: OutgoingEmail): Promise<{ messageId: string }> {
    this.attempts.push(email.to);
    const failure = this.failFor(email.to);
    if (failure) throw failure;
    this.sent.push(email);
    return { messageId: `message-${this.sent.length}` };
  }
}

/**
 * Powertools' own cache persistence layer over a Map that behaves like the SET NX / GET / DEL it uses, so the
 * idempotency logic under test is the library's, only the storage is in memory.
 */
export function memoryPersistence(): CachePersistenceLayer {
  const values = new Map<string, unknown>();
  const client = {
    async get(name: string) {
      return (values.get(name) as string | undefined) ?? null;
    },
    async set(name: unknown, value: unknown, options?: unknown) {
      const key = String(name);
      if ((options as { NX?: boolean } | undefined)?.NX && values.has(key)) return null;
      values.set(key, value);
      return 'OK';
    },
    async del(keys: string[]) {
      return keys.filter((key) => values.delete(key)).length;
    },
  };
  return new CachePersistenceLayer({ client });
}

let sequence = 1000;

export function streamRecord(
  item: object | undefined,
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' = 'INSERT',
): DynamoDBRecord {
  sequence += 1;
  return {
    eventID: `event-${sequence}`,
    eventName,
    eventSource: 'aws:dynamodb',
    eventVersion: '1.1',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: 1_700_000_000,
      Keys: marshall({ email: (item as { email?: unknown } | undefined)?.email ?? 'unknown' }) as never,
      ...(item ? { NewImage: marshall(item, { removeUndefinedValues: true }) as never } : {}),
      SequenceNumber: String(sequence),
      SizeBytes: 100,
      StreamViewType: 'NEW_IMAGE',
    },
    eventSourceARN: 'arn:aws:dynamodb:us-east-1:123456789012:table/subscribers/stream/2026-01-01T00:00:00.000',
  };
}

export function subscriberItem(n: number, extra: Record<string, unknown> = {}): Subscriber {
  return {
    email: `reader${n}@example.com`,
    subscriptionId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    token: `${'t'.repeat(40)}${String(n).padStart(3, '0')}`,
    createdAt: '2026-01-01T00:00:00.000Z',
    ...extra,
  };
}

export const streamEvent = (records: DynamoDBRecord[]): DynamoDBStreamEvent => ({ Records: records });

export const lambdaContext = (remainingMs = 60_000): Context =>
  ({
    functionName: 'welcome-test',
    awsRequestId: 'request-1',
    getRemainingTimeInMillis: () => remainingMs,
  }) as unknown as Context;
