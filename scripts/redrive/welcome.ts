/**
 * The welcome redrive, without I/O: resends the welcome mail of every subscriber whose welcome failed, through the
 * same idempotent delivery the function uses (functions/welcome/deliver.ts), and settles the failures queue.
 */
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import type { WelcomeCandidate } from '../../functions/lib/subscribers';
import type { Delivery } from '../../functions/welcome/deliver';
import { failureReason, TransientSendError, type WelcomeJob } from '../../functions/welcome/welcome';

/** A message of WelcomeFailuresQueue: the event source's on-failure record, or the function's dead letter. */
export interface FailureMessage {
  receiptHandle: string;
  body: string;
}

export interface RedriveDeps {
  candidates: AsyncIterable<WelcomeCandidate>;
  deliver(job: WelcomeJob): Promise<Delivery>;
  failures: {
    /** Every visible message, hidden from other readers for the run. */
    receiveAll(): Promise<FailureMessage[]>;
    delete(messages: FailureMessage[]): Promise<void>;
    /** Makes the messages visible again (the alarm keeps firing). */
    release(messages: FailureMessage[]): Promise<void>;
  };
}

export interface RedriveSummary {
  resent: string[];
  alreadySent: string[];
  /** Being sent right now by the stream (its idempotency record is in progress): nothing to do. */
  inProgress: string[];
  /** Not sent: the address is suppressed (SES reported a hard bounce or a complaint for it). */
  suppressed: string[];
  stillFailing: { email: string; reason: string; permanent: boolean }[];
  /** On-failure records of the event source deleted (every subscriber they could be about is settled) or kept. */
  failureRecords: { deleted: number; kept: number };
  /** Dead letters of the function (records without an address or id): never resendable, kept for an operator. */
  deadLetters: { reason: string; sequenceNumber: string }[];
}

const jobOf = (candidate: WelcomeCandidate): WelcomeJob => ({
  subscriptionId: candidate.subscriptionId,
  email: candidate.email,
  token: candidate.token,
  ...(candidate.name === undefined ? {} : { name: candidate.name }),
});

/**
 * Each candidate goes through the idempotent delivery once per run: sent now, already sent (a mail is never sent
 * twice, also when a stream retry runs at the same time), in progress elsewhere, skipped because the address is
 * suppressed, or still failing with its reason (noted on the subscriber by the delivery).
 *
 * The event source's on-failure records name shard positions, not subscribers, and their records may have left the
 * stream (24 h). They are settled as a whole: every record they stand for belongs to a subscriber this run looked at
 * (marked failed by the function, or unmarked and older than the record age limit), so they are deleted when no
 * candidate is left failing for a transient reason or in progress, and released otherwise. Permanent refusals do
 * not keep them: those records succeeded for the event source (the refusal is recorded on the subscriber).
 */
export async function redriveWelcome(deps: RedriveDeps): Promise<RedriveSummary> {
  const messages = await deps.failures.receiveAll();
  const summary: RedriveSummary = {
    resent: [],
    alreadySent: [],
    inProgress: [],
    suppressed: [],
    stillFailing: [],
    failureRecords: { deleted: 0, kept: 0 },
    deadLetters: [],
  };
  const seen = new Set<string>();
  for await (const candidate of deps.candidates) {
    if (seen.has(candidate.subscriptionId)) continue;
    seen.add(candidate.subscriptionId);
    try {
      const { outcome, sentNow } = await deps.deliver(jobOf(candidate));
      if (outcome.status === 'sent') (sentNow ? summary.resent : summary.alreadySent).push(candidate.email);
      else if (outcome.status === 'suppressed') summary.suppressed.push(candidate.email);
      else summary.stillFailing.push({ email: candidate.email, reason: outcome.reason, permanent: outcome.permanent });
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) summary.inProgress.push(candidate.email);
      else {
        const reason = error instanceof TransientSendError ? error.message : failureReason(error);
        summary.stillFailing.push({ email: candidate.email, reason, permanent: false });
      }
    }
  }

  const onFailureRecords: FailureMessage[] = [];
  const deadLetters: FailureMessage[] = [];
  for (const message of messages) {
    const body = parse(message.body);
    if (body?.condition === 'MalformedRecord') {
      deadLetters.push(message);
      const record = body.record as { dynamodb?: { SequenceNumber?: string } } | undefined;
      summary.deadLetters.push({ reason: String(body.reason), sequenceNumber: record?.dynamodb?.SequenceNumber ?? '' });
    } else {
      onFailureRecords.push(message);
    }
  }
  const unsettled = summary.inProgress.length > 0 || summary.stillFailing.some((failure) => !failure.permanent);
  if (unsettled) {
    await deps.failures.release(onFailureRecords);
    summary.failureRecords.kept = onFailureRecords.length;
  } else {
    await deps.failures.delete(onFailureRecords);
    summary.failureRecords.deleted = onFailureRecords.length;
  }
  await deps.failures.release(deadLetters);
  return summary;
}

function parse(body: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(body) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The lines the operator reads. */
export function formatSummary(summary: RedriveSummary): string {
  const lines = [
    `${summary.resent.length} resent`,
    `${summary.alreadySent.length} skipped, already sent`,
    `${summary.inProgress.length} skipped, being sent by the stream right now`,
    `${summary.suppressed.length} skipped, the address is suppressed (hard bounce or complaint)`,
    `${summary.stillFailing.length} still failing`,
    ...summary.stillFailing.map((f) => `  ${f.email}: ${f.reason}${f.permanent ? ' (permanent: SES refuses this message)' : ''}`),
    `failure records: ${summary.failureRecords.deleted} deleted, ${summary.failureRecords.kept} kept`,
  ];
  if (summary.deadLetters.length > 0) {
    lines.push(`${summary.deadLetters.length} dead letter(s) that no redrive can send (kept in the queue):`);
    for (const letter of summary.deadLetters) lines.push(`  sequence ${letter.sequenceNumber}: ${letter.reason}`);
  }
  return lines.join('\n');
}
