/**
 * SES's feedback on the welcome mail — bounces, complaints and rejects — turned into subscribers who get no more mail.
 *
 * SES publishes two JSON shapes to SNS, both read here: event publishing through a configuration set (`eventType`,
 * "Contents of event data that Amazon SES publishes to Amazon SNS") and identity notifications (`notificationType`,
 * "Amazon SNS notification contents for Amazon SES"); the objects inside (`mail`, `bounce`, `complaint`, `reject`) are
 * the same. SES may add fields, so unknown fields are ignored; one notification may name several recipients.
 *
 * Only what SES itself suppresses is suppressed ("Using the Amazon SES account-level suppression list"): a hard
 * (Permanent) bounce and any complaint. A Transient or Undetermined bounce keeps the address (the mailbox may be full
 * today); a Reject is SES refusing this message's content (a virus), not the address, so it is reported, not held
 * against the reader.
 */
import { z } from 'zod';
import { normaliseEmail, type Suppression, type SuppressionStore } from '../lib/subscribers';

/** SNS's largest message ("Amazon SNS quotas": 256 KiB): a longer one did not come from SNS. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/** SES takes at most 50 recipients per message ("Service quotas in Amazon SES"), so no report names more. */
const MAX_RECIPIENTS = 50;

/**
 * The reason a report carries, a fixed vocabulary (it is the `reason` of the MailFeedback metric, never SES's text):
 * the bounce type, a complaint, or a reject.
 */
export type FeedbackReason = 'bounce-permanent' | 'bounce-transient' | 'bounce-undetermined' | 'complaint' | 'reject';

/** What became of one recipient a report names. `kept`: it keeps getting mail (a soft bounce, a reject). */
export type RecipientOutcome = 'suppressed' | 'alreadySuppressed' | 'unknown' | 'kept';

export interface FeedbackResult {
  reason: FeedbackReason;
  /** SES's messageId of the mail the report is about. */
  messageId: string;
  recipients: { email: string; outcome: RecipientOutcome }[];
}

/** A notification that is not what SES publishes: dead-lettered with this message, never retried. */
export class MalformedNotificationError extends Error {
  override readonly name = 'MalformedNotificationError';
}

const text = (max: number) => z.string().max(max);
const address = z.string().min(3).max(320).includes('@');
const mail = z.object({ messageId: text(256).min(1), destination: z.array(text(320)).max(MAX_RECIPIENTS).optional() });
const bounce = z.object({
  bounceType: z.enum(['Permanent', 'Transient', 'Undetermined']),
  bounceSubType: text(100),
  bouncedRecipients: z
    .array(z.object({ emailAddress: address, status: text(100).optional(), diagnosticCode: text(4000).optional() }))
    .min(1)
    .max(MAX_RECIPIENTS),
  feedbackId: text(256).min(1),
});
const complaint = z.object({
  complainedRecipients: z.array(z.object({ emailAddress: address })).min(1).max(MAX_RECIPIENTS),
  // Absent when the receiver sent no feedback report; null is seen for complaintSubType, so allowed here too.
  complaintFeedbackType: text(100).nullish(),
  complaintSubType: text(100).nullish(),
  feedbackId: text(256).min(1),
});
const reject = z.object({ reason: text(1000) });

const notification = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Bounce'), mail, bounce }),
  z.object({ type: z.literal('Complaint'), mail, complaint }),
  z.object({ type: z.literal('Reject'), mail, reject }),
]);

/** The event types this function acts on; SES sends others (Delivery, Send, a subscription test) to a shared topic. */
const ACTED_ON = new Set(['Bounce', 'Complaint', 'Reject']);

export type Feedback =
  | { kind: 'bounce'; bounceType: 'Permanent' | 'Transient' | 'Undetermined'; bounceSubType: string; feedbackId: string; messageId: string; recipients: { email: string; detail: string }[] }
  | { kind: 'complaint'; feedbackType?: string; feedbackId: string; messageId: string; recipients: string[] }
  | { kind: 'reject'; reason: string; messageId: string; recipients: string[] }
  /** An event type this function does not act on (e.g. Delivery): acknowledged, nothing changes. */
  | { kind: 'ignored'; type: string };

/** Reads one SNS message (the `Message` string of an SNS record); anything that is not an SES report throws. */
export function parseNotification(message: unknown): Feedback {
  if (typeof message !== 'string' || message.trim() === '') throw new MalformedNotificationError('empty message');
  if (Buffer.byteLength(message, 'utf8') > MAX_MESSAGE_BYTES) {
    throw new MalformedNotificationError(`message over ${MAX_MESSAGE_BYTES} bytes`);
  }
  let body: unknown;
  try {
    body = JSON.parse(message);
  } catch {
    throw new MalformedNotificationError('message is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new MalformedNotificationError('message is not a JSON object');
  }
  const { eventType, notificationType } = body as Record<string, unknown>;
  const type = eventType ?? notificationType;
  if (typeof type !== 'string' || type === '') throw new MalformedNotificationError('no eventType or notificationType');
  if (!ACTED_ON.has(type)) return { kind: 'ignored', type: type.slice(0, 100) };

  const parsed = notification.safeParse({ ...body, type });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedNotificationError(`${type}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const report = parsed.data;
  switch (report.type) {
    case 'Bounce':
      return {
        kind: 'bounce',
        bounceType: report.bounce.bounceType,
        bounceSubType: report.bounce.bounceSubType,
        feedbackId: report.bounce.feedbackId,
        messageId: report.mail.messageId,
        recipients: report.bounce.bouncedRecipients.map((r) => ({
          email: normaliseEmail(r.emailAddress),
          detail: [r.status, r.diagnosticCode].filter(Boolean).join(' '),
        })),
      };
    case 'Complaint':
      return {
        kind: 'complaint',
        ...(report.complaint.complaintFeedbackType ? { feedbackType: report.complaint.complaintFeedbackType } : {}),
        feedbackId: report.complaint.feedbackId,
        messageId: report.mail.messageId,
        recipients: report.complaint.complainedRecipients.map((r) => normaliseEmail(r.emailAddress)),
      };
    case 'Reject':
      return {
        kind: 'reject',
        reason: report.reject.reason,
        messageId: report.mail.messageId,
        recipients: (report.mail.destination ?? []).map(normaliseEmail),
      };
  }
}

/**
 * Acts on one report: each recipient of a hard bounce or a complaint is marked suppressed with the reason (once: a
 * repeat is `alreadySuppressed`, an address that is not a subscriber `unknown`); a soft bounce or a reject changes
 * nothing (`kept`). Undefined for an ignored event type. A store failure throws: the invocation is retried, and what
 * was already marked stays marked (the marking is idempotent).
 */
export async function applyFeedback(
  feedback: Feedback,
  store: SuppressionStore,
  now: () => Date = () => new Date(),
): Promise<FeedbackResult | undefined> {
  switch (feedback.kind) {
    case 'ignored':
      return undefined;
    case 'reject':
      return { reason: 'reject', messageId: feedback.messageId, recipients: feedback.recipients.map((email) => ({ email, outcome: 'kept' })) };
    case 'bounce': {
      const reason: FeedbackReason = `bounce-${feedback.bounceType.toLowerCase() as 'permanent' | 'transient' | 'undetermined'}`;
      if (feedback.bounceType !== 'Permanent') {
        return { reason, messageId: feedback.messageId, recipients: feedback.recipients.map(({ email }) => ({ email, outcome: 'kept' })) };
      }
      const recipients = [];
      for (const { email, detail } of feedback.recipients) {
        const suppression: Suppression = {
          reason: 'bounce',
          detail: [`${feedback.bounceType}/${feedback.bounceSubType}`, detail].filter(Boolean).join(': '),
          feedbackId: feedback.feedbackId,
          messageId: feedback.messageId,
          at: now().toISOString(),
        };
        recipients.push({ email, outcome: await store.suppress(email, suppression) });
      }
      return { reason, messageId: feedback.messageId, recipients };
    }
    case 'complaint': {
      const recipients = [];
      for (const email of feedback.recipients) {
        const suppression: Suppression = {
          reason: 'complaint',
          detail: `complaint: ${feedback.feedbackType ?? 'no feedback report'}`,
          feedbackId: feedback.feedbackId,
          messageId: feedback.messageId,
          at: now().toISOString(),
        };
        recipients.push({ email, outcome: await store.suppress(email, suppression) });
      }
      return { reason: 'complaint', messageId: feedback.messageId, recipients };
    }
  }
}
