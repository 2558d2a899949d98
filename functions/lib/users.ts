/**
 * The UsersTable: one item per Cognito user (`userId` = the token's `sub`). The port is what the cores use; the
 * DynamoDB adapter is created once per container by the handlers.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type Plan = 'free' | 'premium';
export const PLANS: readonly Plan[] = ['free', 'premium'];

export interface User {
  userId: string;
  email: string;
  plan: Plan;
  createdAt: string;
  /** ISO date; a premium plan ends here. Absent = no end. */
  premiumUntil?: string;
  updatedAt?: string;
}

/** A plan to set; a premium plan may end at premiumUntil (ISO date). */
export interface PlanChange {
  plan: Plan;
  premiumUntil?: string;
}

export interface UserStore {
  get(userId: string): Promise<User | undefined>;
  findByEmail(email: string): Promise<User | undefined>;
  /** Writes the user unless one with this id exists; true when written. */
  createIfAbsent(user: User): Promise<boolean>;
  /** Sets an existing user's plan (an end date the change lacks is removed); undefined when there is no such user. */
  setPlan(userId: string, change: PlanChange, now: string): Promise<User | undefined>;
}

/** Premium now: plan `premium` and no `premiumUntil`, or one still in the future. */
export function isPremium(user: User | undefined, nowMs: number): boolean {
  if (user?.plan !== 'premium') return false;
  if (user.premiumUntil === undefined) return true;
  const until = Date.parse(user.premiumUntil);
  return !Number.isNaN(until) && until > nowMs;
}

/** The GSI that finds a user by e-mail (resources/paid.yml). */
export const EMAIL_INDEX = 'byEmail';

export class DynamoDbUserStore implements UserStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(userId: string): Promise<User | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: { userId } }));
    return Item as User | undefined;
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: EMAIL_INDEX,
        KeyConditionExpression: 'email = :email',
        ExpressionAttributeValues: { ':email': email.toLowerCase() },
        Limit: 1,
      }),
    );
    return Items?.[0] as User | undefined;
  }

  async createIfAbsent(user: User): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...user, email: user.email.toLowerCase() },
          ConditionExpression: 'attribute_not_exists(userId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
        return false;
      }
      throw error;
    }
  }

  async setPlan(userId: string, { plan, premiumUntil }: PlanChange, now: string): Promise<User | undefined> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { userId },
          ConditionExpression: 'attribute_exists(userId)',
          UpdateExpression:
            premiumUntil === undefined
              ? 'SET #plan = :plan, updatedAt = :now REMOVE premiumUntil'
              : 'SET #plan = :plan, updatedAt = :now, premiumUntil = :until',
          ExpressionAttributeNames: { '#plan': 'plan' },
          ExpressionAttributeValues: {
            ':plan': plan,
            ':now': now,
            ...(premiumUntil === undefined ? {} : { ':until': premiumUntil }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes as User | undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
        return undefined;
      }
      throw error;
    }
  }
}
