import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PhotoStatus } from '../lib/photo-records';
import type { PhotoKey, PhotoResult, PhotoStore, RecordOutcome } from './photos';

/**
 * PhotosTable (resources/photos.yml): UpdateItem only, the one action the function's role allows. The precedence is
 * the condition of the write itself (`status IN (…)`), checked and applied atomically by DynamoDB ("Condition
 * expressions", DynamoDB developer guide), so two deliveries racing for one photo end the same in either order; a
 * missing item fails the same condition, so nothing is created. On a failed condition DynamoDB returns the item as it
 * is (ReturnValuesOnConditionCheckFailure), which tells an unknown photo from one that already has its result, with
 * no second read.
 */
export class DynamoDbPhotoStore implements PhotoStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(photo: PhotoKey, result: PhotoResult, replaces: readonly PhotoStatus[], at: Date): Promise<RecordOutcome> {
    const from = Object.fromEntries(replaces.map((status, index) => [`:from${index}`, status]));
    const ready = result.status === 'ready';
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { owner: photo.owner, photoId: photo.photoId },
          // expiresAt (TTL) only keeps a photo that was signed and never uploaded from staying forever: a photo with a
          // result stays. A reason left from an earlier failure goes when the photo becomes ready.
          UpdateExpression: ready
            ? 'SET #status = :status, #original = :original, #thumbnails = :thumbnails, #updatedAt = :at REMOVE #expiresAt, #reason'
            : 'SET #status = :status, #reason = :reason, #updatedAt = :at REMOVE #expiresAt',
          ConditionExpression: `attribute_exists(#photoId) AND #status IN (${Object.keys(from).join(', ')})`,
          // Names for every attribute: STATUS (and OWNER) are DynamoDB reserved words.
          ExpressionAttributeNames: {
            '#photoId': 'photoId',
            '#status': 'status',
            '#updatedAt': 'updatedAt',
            '#expiresAt': 'expiresAt',
            '#reason': 'reason',
            ...(ready ? { '#original': 'original', '#thumbnails': 'thumbnails' } : {}),
          },
          ExpressionAttributeValues: {
            ...from,
            ':status': result.status,
            ':at': at.toISOString(),
            ...(ready ? { ':original': result.original, ':thumbnails': result.thumbnails } : { ':reason': result.reason }),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'recorded' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // The item in DynamoDB's own JSON (the document client does not convert an error's item).
      if (error.Item === undefined) return { kind: 'unknown' };
      return { kind: 'kept', status: error.Item.status?.S };
    }
  }
}
