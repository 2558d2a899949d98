import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { dynamoDb } from '../lib/clients/dynamodb';
import { logger } from '../lib/logger';
import { count, instrumented } from '../lib/observability';
import { DynamoDbUserStore } from '../lib/users';
import { config } from './config';
import { registerUser } from './registration';

const store = new DynamoDbUserStore(dynamoDb(), config.usersTable);

/**
 * Cognito post-confirmation trigger. Cognito waits for it, and a thrown error fails the confirmation call for the
 * user, so errors propagate: the user retries, and the write is idempotent.
 */
export const handler = instrumented('registration', async (event: PostConfirmationTriggerEvent): Promise<PostConfirmationTriggerEvent> => {
  if (event.triggerSource !== 'PostConfirmation_ConfirmSignUp') return event; // a password reset, not a sign-up
  const { sub, email } = event.request.userAttributes;
  if (!sub || !email) throw new Error('post-confirmation event without sub or email');
  const outcome = await registerUser({ userId: sub, email }, store, new Date());
  logger.info('user registered', { userId: sub, outcome });
  // A repeated confirmation (Cognito retried, the user confirmed twice) finds the user recorded: not a new one.
  if (outcome === 'created') count('UsersRegistered');
  return event;
});
