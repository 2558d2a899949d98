import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
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

/**
 * What became of a subscription's welcome mail. `failed` is the outcome of the latest attempt: `permanent` when SES
 * refused this message for good (no retry), else transient (the event source retries until the record age limit;
 * `npm run redrive -- --stage <stage> welcome` resends what is still failed after that).
 */
export type WelcomeOutcome =
  | { status: 'sent'; messageId: string }
  | { status: 'failed'; reason: string; permanent: boolean };

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
}

export const TOKEN_INDEX = 'by-token';

export class DynamoDbSubscriberStore implements SubscriberStore {
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
    const sent = outcome.status === 'sent';
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { email },
          UpdateExpression: sent
            ? 'SET welcomeStatus = :status, welcomeDetail = :detail, welcomeAt = :at REMOVE welcomeFailure'
            : 'SET welcomeStatus = :status, welcomeDetail = :detail, welcomeAt = :at, welcomeFailure = :failure',
          // Only the subscription this mail was for: not a newer one, and never re-create an unsubscribed item.
          ConditionExpression: sent
            ? 'subscriptionId = :id'
            : 'subscriptionId = :id AND (attribute_not_exists(welcomeStatus) OR welcomeStatus <> :sent)',
          ExpressionAttributeValues: {
            ':status': outcome.status,
            ':detail': (sent ? outcome.messageId : outcome.reason).slice(0, 500),
            ':at': at.toISOString(),
            ':id': subscriptionId,
            ...(sent ? {} : { ':sent': 'sent', ':failure': outcome.permanent ? 'permanent' : 'transient' }),
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
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
