/**
 * The queues `npm run redrive` empties, by logical id of resources/*.yml, and how. One entry per queue; the template
 * test (test/template/redrive.test.ts) fails while a queue that receives failures has none.
 *
 * - `dead-letter`: an SQS dead-letter queue (the `source` queue's RedrivePolicy names it). Its messages go back to the
 *   source queue unchanged: an SQS message move task on AWS, the same moves locally (dead-letter.ts).
 * - `on-failure`: the on-failure destination of a function's asynchronous invocations. Each record holds the original
 *   event (`requestPayload`), with which the function is invoked again asynchronously (on-failure.ts); `references`
 *   names what the event points at that may have gone since (checked first, see references.ts).
 *
 * WelcomeFailuresQueue (the welcome stream's) is not here: its records name shard positions, not events, and its
 * redrive is `welcome` (welcome.ts).
 */

export type RedriveQueue =
  | { readonly kind: 'dead-letter'; readonly source: string }
  | { readonly kind: 'on-failure'; readonly functionKey: string; readonly references?: 'uploads' };

export const REDRIVE_QUEUES = {
  ThumbnailsEventsDeadLetterQueue: { kind: 'dead-letter', source: 'ThumbnailsEventsQueue' },
  ReportsDeadLetterQueue: { kind: 'dead-letter', source: 'ReportsQueue' },
  ThumbnailsFailedInvocationsQueue: { kind: 'on-failure', functionKey: 'thumbnails', references: 'uploads' },
  ReportsFailedInvocationsQueue: { kind: 'on-failure', functionKey: 'reports' },
  MailFeedbackFailedInvocationsQueue: { kind: 'on-failure', functionKey: 'mailFeedback' },
} as const satisfies Record<string, RedriveQueue>;

export type RedriveQueueName = keyof typeof REDRIVE_QUEUES;

export function redriveQueue(name: string): RedriveQueue | undefined {
  return Object.hasOwn(REDRIVE_QUEUES, name) ? (REDRIVE_QUEUES as Record<string, RedriveQueue>)[name] : undefined;
}
