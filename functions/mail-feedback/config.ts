import { requireEnv } from '../lib/env';

export const config = {
  subscribersTable: requireEnv('SUBSCRIBERS_TABLE'),
  /** MailFeedbackFailedInvocationsQueue: notifications that are not SES reports are dead-lettered here with the reason. */
  deadLetterQueueUrl: requireEnv('MAIL_FEEDBACK_DEAD_LETTER_QUEUE_URL'),
} as const;
