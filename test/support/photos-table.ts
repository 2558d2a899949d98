/**
 * PhotosTable in memory, behind the DynamoDB document client's `send`: what DynamoDbPhotoStore asks of it, answered
 * as DynamoDB does. Each command's expressions must be exactly the ones implemented here, so a change to the store's
 * expressions fails its tests instead of passing against a fake that ignores them. Every command first yields to the
 * event loop, as a network call does, so commands sent together are all in flight before the first is applied; each
 * is then applied in one step, as DynamoDB applies a conditional write atomically.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PhotoItem } from '../../functions/lib/photo-records';

type Item = Record<string, unknown>;
interface Command {
  constructor: { name: string };
  input: Record<string, unknown>;
}

const keyOf = (owner: unknown, photoId: unknown) => `${String(owner)}\u0000${String(photoId)}`;

export class FakePhotosTable {
  readonly items = new Map<string, Item>();
  readonly commands: string[] = [];

  constructor(readonly tableName = 'photos') {}

  /** What the store is given: a document client whose `send` is this table. */
  client(): DynamoDBDocumentClient {
    return { send: (command: Command) => this.send(command) } as unknown as DynamoDBDocumentClient;
  }

  /** A photo item, or a day's counter (`{ owner, photoId: 'quota#…', uploads, expiresAt }`). */
  put(item: PhotoItem | { owner: string; photoId: string; uploads: number; expiresAt?: number }): void {
    this.items.set(keyOf(item.owner, item.photoId), { ...item });
  }

  item(owner: string, photoId: string): Item | undefined {
    return this.items.get(keyOf(owner, photoId));
  }

  private async send(command: Command): Promise<unknown> {
    await new Promise((resolve) => setImmediate(resolve));
    const name = command.constructor.name;
    const input = command.input;
    this.commands.push(name);
    if (input.TableName !== this.tableName) throw new Error(`no table ${String(input.TableName)}`);
    const key = input.Key as Item | undefined;
    switch (name) {
      case 'GetCommand':
        return { Item: this.items.get(keyOf(key?.owner, key?.photoId)) };
      case 'DeleteCommand':
        this.items.delete(keyOf(key?.owner, key?.photoId));
        return {};
      case 'PutCommand': {
        expect(input.ConditionExpression).toBe('attribute_not_exists(#photoId)');
        expect(input.ExpressionAttributeNames).toEqual({ '#photoId': 'photoId' });
        const item = input.Item as Item;
        if (this.items.has(keyOf(item.owner, item.photoId))) throw conditionFailed();
        this.items.set(keyOf(item.owner, item.photoId), { ...item });
        return {};
      }
      case 'UpdateCommand': {
        expect(input.UpdateExpression).toBe('SET #expiresAt = :expiresAt ADD #uploads :one');
        expect(input.ConditionExpression).toBe('attribute_not_exists(#uploads) OR #uploads < :limit');
        expect(input.ExpressionAttributeNames).toEqual({ '#uploads': 'uploads', '#expiresAt': 'expiresAt' });
        const values = input.ExpressionAttributeValues as { ':one': number; ':limit': number; ':expiresAt': number };
        const id = keyOf(key?.owner, key?.photoId);
        const current = this.items.get(id);
        const uploads = current?.uploads as number | undefined;
        if (!(uploads === undefined || uploads < values[':limit'])) throw conditionFailed();
        this.items.set(id, { ...key, ...current, expiresAt: values[':expiresAt'], uploads: (uploads ?? 0) + values[':one'] });
        return {};
      }
      case 'QueryCommand':
        return this.query(input);
      default:
        throw new Error(`FakePhotosTable does not do ${name}`);
    }
  }

  /** The byCreatedAt index: sparse (items with createdAt), one owner, newest first, Limit, ExclusiveStartKey. */
  private query(input: Record<string, unknown>): unknown {
    expect(input).toMatchObject({
      IndexName: 'byCreatedAt',
      KeyConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ScanIndexForward: false,
      ConsistentRead: true,
    });
    const owner = (input.ExpressionAttributeValues as Item)[':owner'];
    const limit = input.Limit as number;
    const start = input.ExclusiveStartKey as Item | undefined;
    // Index order: createdAt descending, then the table's sort key (descending too, as the query reads backwards).
    const order = (item: Item) => `${String(item.createdAt)}\u0000${String(item.photoId)}`;
    const sorted = [...this.items.values()]
      .filter((item) => item.owner === owner && typeof item.createdAt === 'string')
      .sort((a, b) => (order(a) < order(b) ? 1 : -1));
    if (start !== undefined && start.owner !== owner) throw new Error('ValidationException: the start key is not in the partition');
    const from = start === undefined ? 0 : sorted.findIndex((item) => order(item) < order(start));
    const rest = from < 0 ? [] : sorted.slice(from);
    const items = rest.slice(0, limit);
    const last = items.at(-1);
    return {
      Items: items.map((item) => ({ ...item })),
      // DynamoDB sets it whenever it stopped at Limit, even when nothing follows.
      ...(items.length === limit && last ? { LastEvaluatedKey: { owner, photoId: last.photoId, createdAt: last.createdAt } } : {}),
    };
  }
}

function conditionFailed(): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}
