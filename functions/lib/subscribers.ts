import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  paginateScan,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

/**
 * One subscriber, keyed by the normalised address so that a second subscribe of the same address is the same item.
 * `subscriptionId` names this subscription (the welcome mail is sent once per id); `token` is the secret in the
 * unsubscribe link, found through the `by-token` index.
 */
export interface Subscriber {
  email: string;
  name?: string;
  subscriptionId: string;
  token: string;
  createdAt: string;
}

/** One address, one item: case and surrounding blanks do not make a second subscription. */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/**
 * Why no mail goes to a subscriber any more: SES reported a hard bounce or a complaint for it (functions/mail-feedback).
 * Set once, by the first such report; a re-subscription of the address does not clear it (the item stays).
 */
export interface Suppression {
  /** A hard (Permanent) bounce, or a complaint. */
  reason: 'bounce' | 'complaint';
  /** What SES said: bounce type/subtype and the receiving server's diagnostic, or the complaint's feedback type. */
  detail: string;
  /** SES's feedbackId of the report, and the messageId of the mail it was about. */
  feedbackId: string;
  messageId: string;
  at: string;
}

/**
 * What became of a subscription's welcome mail. `failed` is the outcome of the latest attempt: `permanent` when SES
 * refused this message for good (no retry), else transient (the event source retries until the record age limit;
 * `npm run redrive -- --stage <stage> welcome` resends what is still failed after that). `suppressed`: not sent,
 * because the address is suppressed (a hard bounce or a complaint, see Suppression).
 */
export type WelcomeOutcome =
  | { status: 'sent'; messageId: string }
  | { status: 'failed'; reason: string; permanent: boolean }
  | { status: 'suppressed'; reason: Suppression['reason'] };

/** A subscriber the welcome redrive looks at (scripts/redrive.ts). */
export interface WelcomeCandidate extends Subscriber {
  welcomeStatus?: string;
  welcomeDetail?: string;
  welcomeAt?: string;
}

/** The port the subscription flows talk to; DynamoDbSubscriberStore is the adapter. */
export interface SubscriberStore {
  /** Adds the subscriber; false when the address is already subscribed (nothing is changed then). */
  add(subscriber: Subscriber): Promise<boolean>;
  /** Removes the subscriber with this unsubscribe token; false when no subscriber has it. */
  removeByToken(token: string): Promise<boolean>;
  /**
   * Notes what became of the welcome mail on the subscriber (a MODIFY, which the stream filter ignores). A failure
   * never overwrites `sent`: a redrive and a stream retry may finish in either order.
   */
  recordWelcome(email: string, subscriptionId: string, outcome: WelcomeOutcome, at: Date): Promise<void>;
  /** The subscriber's suppression, if the address is suppressed (read consistently, right before a send). */
  suppressionOf(email: string): Promise<Suppression | undefined>;
}

/** What marking an address suppressed came to: done now, done before (a repeated report), or no such subscriber. */
export type SuppressResult = 'suppressed' | 'alreadySuppressed' | 'unknown';

/** The port the mail feedback talks to; DynamoDbSubscriberStore is the adapter. */
export interface SuppressionStore {
  /** Marks the subscriber suppressed unless it already is (the first report wins); never creates an item. */
  suppress(email: string, suppression: Suppression): Promise<SuppressResult>;
}

export const TOKEN_INDEX = 'by-token';

export class DynamoDbSubscriberStore implements SubscriberStore, SuppressionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(subscriber: Subscriber): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: subscriber,
          ConditionExpression: 'attribute_not_exists(email)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async removeByToken(token: string): Promise<boolean> {
    const found = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: TOKEN_INDEX,
        KeyConditionExpression: '#token = :token',
        ExpressionAttributeNames: { '#token': 'token' },
        ExpressionAttributeValues: { ':token': token },
        Limit: 1,
      }),
    );
    const email = found.Items?.[0]?.email as string | undefined;
    if (email === undefined) return false;
    try {
      // The index is eventually consistent: delete only if the item still carries this token (no race with a
      // re-subscribe that made a new token).
      await this.db.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { email },
          ConditionExpression: '#token = :token',
          ExpressionAttributeNames: { '#token': 'token' },
          ExpressionAttributeValues: { ':token': token },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async recordWelcome(email: string, subscriptionId: string, outcome: WelcomeOutcome, at: Date): Promise<void> {
    const update = welcomeUpdate(outcome);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { email },
          UpdateExpression: update.expression,
          // Only the subscription this mail was for: not a newer one, and never re-create an unsubscribed item.
          ConditionExpression:
            outcome.status === 'sent'
              ? 'subscriptionId = :id'
              : 'subscriptionId = :id AND (attribute_not_exists(welcomeStatus) OR welcomeStatus <> :sent)',
          ExpressionAttributeValues: {
            ':status': outcome.status,
            ':at': at.toISOString(),
            ':id': subscriptionId,
            ...update.values,
            ...(outcome.status === 'sent' ? {} : { ':sent': 'sent' }),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async suppressionOf(email: string): Promise<Suppression | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { email }, ProjectionExpression: 'suppression', ConsistentRead: true }),
    );
    return Item?.suppression as Suppression | undefined;
  }

  async suppress(email: string, suppression: Suppression): Promise<SuppressResult> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { email },
          UpdateExpression: 'SET suppression = :suppression',
          // An existing subscriber that is not suppressed yet: a repeated report (SNS delivers at least once, SES may
          // report a bounce and then a complaint) changes nothing, and an unknown address is not created.
          ConditionExpression: 'attribute_exists(email) AND attribute_not_exists(suppression)',
          ExpressionAttributeValues: { ':suppression': { ...suppression, detail: suppression.detail.slice(0, 500) } },
        }),
      );
      return 'suppressed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Which half of the condition failed: one consistent read, only on this rare path.
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: { email }, ProjectionExpression: 'email', ConsistentRead: true }),
    );
    return Item === undefined ? 'unknown' : 'alreadySuppressed';
  }

  /**
   * Subscribers whose welcome may need a redrive: the latest attempt failed, or no attempt is recorded on an item
   * created before `unmarkedBefore` (the event source gave up on it without the function noting anything, e.g. a
   * timeout). A Scan: the redrive is a rare operator run over a blog's subscriber list.
   */
  async *welcomeCandidates(unmarkedBefore: Date): AsyncGenerator<WelcomeCandidate> {
    for await (const page of paginateScan(
      { client: this.db },
      {
        TableName: this.tableName,
        FilterExpression: 'welcomeStatus = :failed OR (attribute_not_exists(welcomeStatus) AND createdAt < :before)',
        ExpressionAttributeValues: { ':failed': 'failed', ':before': unmarkedBefore.toISOString() },
      },
    )) {
      for (const item of page.Items ?? []) yield item as WelcomeCandidate;
    }
  }
}

/** The attributes an outcome sets on the subscriber (welcomeStatus, welcomeDetail, welcomeAt, welcomeFailure). */
function welcomeUpdate(outcome: WelcomeOutcome): { expression: string; values: Record<string, string> } {
  const base = 'SET welcomeStatus = :status, welcomeDetail = :detail, welcomeAt = :at';
  switch (outcome.status) {
    case 'sent':
      return { expression: `${base} REMOVE welcomeFailure`, values: { ':detail': outcome.messageId.slice(0, 500) } };
    case 'suppressed':
      return { expression: `${base} REMOVE welcomeFailure`, values: { ':detail': `suppressed: ${outcome.reason}` } };
    case 'failed':
      return {
        expression: `${base}, welcomeFailure = :failure`,
        values: { ':detail': outcome.reason.slice(0, 500), ':failure': outcome.permanent ? 'permanent' : 'transient' },
      };
  }
}
