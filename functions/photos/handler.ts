import { dynamoDb } from '../lib/clients/dynamodb';
import { instrumented } from '../lib/observability';
import { photosBatchHandler } from './batch';
import { config } from './config';
import { DynamoDbPhotoStore } from './store';

/** ThumbnailsEventsQueue (thumbnails.ready / thumbnails.failed) → each photo's status in PhotosTable. */
export const handler = instrumented(
  'photos',
  photosBatchHandler({
    store: new DynamoDbPhotoStore(dynamoDb(), config.photosTable),
    now: () => new Date(),
  }),
);
