import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import type { Context } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import type { SubscriberStore, WelcomeOutcome } from '../lib/subscribers';
import { failureReason, PermanentSendError, TransientSendError, welcomeEmail, type Mailer, type WelcomeJob, type WelcomeSettings } from './welcome';

/**
 * The idempotency records' key prefix. Fixed, not Powertools' default (the Lambda function's name): the operator's
 * redrive (scripts/redrive.ts) must find the records the function wrote, and must write records the function finds.
 */
export const WELCOME_IDEMPOTENCY_PREFIX = 'welcome-mail';

export interface WelcomeDeliveryDeps {
  mailer: Mailer;
  store: SubscriberStore;
  settings: WelcomeSettings;
  persistenceStore: BasePersistenceLayer;
  /** How long a sent mail is remembered; longer than the stream's 24 h retention, so no replay can resend it. */
  idempotencyTtlSeconds: number;
  now?: () => Date;
}

export interface Delivery {
  outcome: WelcomeOutcome;
  /** False when the mail had already gone out (a replay, a redrive of a mail the stream sent): nothing was sent now. */
  sentNow: boolean;
}

/**
 * Sends a subscription's welcome mail at most once and notes the outcome on the subscriber.
 *
 * Only the send is idempotent (Powertools, keyed by `subscriptionId`): a sent mail is remembered, so a retried batch,
 * a redrive, or both at once never send it again; a send that fails leaves no record (Powertools deletes it when the
 * function throws), so a later attempt sends. Noting the outcome happens outside, after every attempt, so a failed
 * note (DynamoDB) is retried without a second mail.
 *
 * - the address is suppressed (a hard bounce or a complaint, functions/mail-feedback): nothing is sent,
 *   `welcomeStatus: suppressed`, and resolves. Read right before the send, so the redrive (which uses this delivery)
 *   skips it too; a mail sent earlier stays `sent`.
 * - sent (now or before): `welcomeStatus: sent`.
 * - PermanentSendError (SES refused this message: MessageRejected, BadRequestException): `failed` + permanent, and
 *   resolves — the record succeeds, so the event source does not retry what cannot succeed.
 * - another delivery holds the send (IdempotencyAlreadyInProgressError): throws without a note; retried later.
 * - anything else: `failed` + transient with the reason, then throws TransientSendError: the record is reported
 *   failed and retried by the event source until its record age limit. If that runs out, the subscriber already
 *   carries `failed` and the reason, which is what the redrive looks for.
 */
export function welcomeDelivery(deps: WelcomeDeliveryDeps): {
  deliver(job: WelcomeJob): Promise<Delivery>;
  registerLambdaContext(context: Context): void;
} {
  const now = deps.now ?? (() => new Date());
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'subscriptionId',
    expiresAfterSeconds: deps.idempotencyTtlSeconds,
    throwOnNoIdempotencyKey: true,
  });
  // `attempt` is not part of the key: a stored result with another attempt id is a mail sent earlier.
  const sendOnce = makeIdempotent(
    async (request: WelcomeJob & { attempt: string }): Promise<{ messageId: string; attempt: string }> => {
      const { messageId } = await deps.mailer.send(welcomeEmail(request, deps.settings));
      return { messageId, attempt: request.attempt };
    },
    { persistenceStore: deps.persistenceStore, config, keyPrefix: WELCOME_IDEMPOTENCY_PREFIX },
  );

  return {
    registerLambdaContext: (context) => config.registerLambdaContext(context),
    async deliver(job) {
      const suppression = await deps.store.suppressionOf(job.email);
      if (suppression !== undefined) {
        const outcome: WelcomeOutcome = { status: 'suppressed', reason: suppression.reason };
        await deps.store.recordWelcome(job.email, job.subscriptionId, outcome, now());
        return { outcome, sentNow: false };
      }
      const attempt = randomUUID();
      let outcome: WelcomeOutcome;
      let sentNow = false;
      try {
        const result = await sendOnce({ ...job, attempt });
        outcome = { status: 'sent', messageId: result.messageId };
        sentNow = result.attempt === attempt;
      } catch (error) {
        if (error instanceof IdempotencyAlreadyInProgressError) throw error;
        // Powertools rethrows the function's own error once it has deleted the in-progress record.
        const permanent = error instanceof PermanentSendError;
        outcome = { status: 'failed', reason: failureReason(error), permanent };
        if (!permanent) {
          // Best effort: the retry matters more than the note, and the next attempt notes again.
          await deps.store.recordWelcome(job.email, job.subscriptionId, outcome, now()).catch(() => undefined);
          throw new TransientSendError(outcome.reason, { cause: error });
        }
      }
      await deps.store.recordWelcome(job.email, job.subscriptionId, outcome, now());
      return { outcome, sentNow };
    },
  };
}
