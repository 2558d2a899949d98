/**
 * The mail feedback against SES's documented notifications (test/fixtures/ses/, README there): what is suppressed, what
 * is kept, what is refused, and that a repeated report changes nothing.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SNSEvent, SNSEventRecord } from 'aws-lambda';
import type { DeadLetters } from '../../../../functions/lib/dead-letters';
import { applyFeedback, MalformedNotificationError, MAX_MESSAGE_BYTES, parseNotification } from '../../../../functions/mail-feedback/mail-feedback';
import { mailFeedbackHandler } from '../../../../functions/mail-feedback/records';
import { InMemorySubscriberStore, subscriberItem } from '../../../support/subscriptions';

const sample = (name: string): string => readFileSync(path.join(__dirname, '../../../fixtures/ses', `${name}.json`), 'utf8');
const sampleObject = (name: string): Record<string, unknown> => JSON.parse(sample(name)) as Record<string, unknown>;
const NOW = new Date('2026-12-01T10:00:00.000Z');

/** A store holding subscribers with these addresses. */
async function storeWith(...emails: string[]): Promise<InMemorySubscriberStore> {
  const store = new InMemorySubscriberStore();
  for (const [n, email] of emails.entries()) await store.add(subscriberItem(n + 1, { email }));
  return store;
}

/** An SNS record as Lambda receives it ("Using AWS Lambda with Amazon SNS", example event). */
function snsRecord(message: unknown, id = 'sns-1'): SNSEventRecord {
  return {
    EventSource: 'aws:sns',
    EventVersion: '1.0',
    EventSubscriptionArn: 'arn:aws:sns:us-east-1:123456789012:mail-feedback:0a1b2c3d',
    Sns: {
      Type: 'Notification',
      MessageId: id,
      TopicArn: 'arn:aws:sns:us-east-1:123456789012:mail-feedback',
      Subject: null as unknown as string,
      Message: message as string,
      Timestamp: '2026-12-01T10:00:00.000Z',
      SignatureVersion: '1',
      Signature: 'EXAMPLE',
      SigningCertUrl: 'https://sns.us-east-1.amazonaws.com/cert.pem',
      UnsubscribeUrl: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
      MessageAttributes: {},
    },
  };
}

class RecordingDeadLetters implements DeadLetters<SNSEventRecord> {
  readonly letters: { record: SNSEventRecord; reason: string }[] = [];
  async put(record: SNSEventRecord, reason: string): Promise<void> {
    this.letters.push({ record, reason });
  }
}

describe('parseNotification', () => {
  it('reads a Permanent bounce of event publishing (eventType), with the diagnostic', () => {
    expect(parseNotification(sample('event-bounce-permanent'))).toEqual({
      kind: 'bounce',
      bounceType: 'Permanent',
      bounceSubType: 'General',
      feedbackId: '01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000',
      messageId: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
      recipients: [{ email: 'recipient@example.com', detail: '5.1.1 smtp; 550 5.1.1 user unknown' }],
    });
  });

  it('reads an identity notification (notificationType) the same way', () => {
    const feedback = parseNotification(sample('notification-bounce-permanent-no-dsn'));
    expect(feedback).toMatchObject({ kind: 'bounce', bounceType: 'Permanent', recipients: [{ email: 'jane@example.com', detail: '' }, { email: 'richard@example.com', detail: '' }] });
  });

  it('reads a complaint with and without a feedback report', () => {
    expect(parseNotification(sample('notification-complaint-feedback'))).toMatchObject({ kind: 'complaint', feedbackType: 'abuse', recipients: ['richard@example.com'] });
    const withoutReport = parseNotification(sample('notification-complaint-no-feedback'));
    expect(withoutReport).toMatchObject({ kind: 'complaint', recipients: ['richard@example.com'] });
    expect(withoutReport).not.toHaveProperty('feedbackType');
  });

  it('reads a reject, whose recipients are the mail destination', () => {
    expect(parseNotification(sample('event-reject'))).toMatchObject({ kind: 'reject', reason: 'Bad content', recipients: ['recipient@example.com'] });
  });

  it('matches the address as the subscribers table keys it (case, blanks)', () => {
    const body = sampleObject('event-complaint');
    (body.complaint as { complainedRecipients: unknown }).complainedRecipients = [{ emailAddress: ' Recipient@EXAMPLE.com ' }];
    expect(parseNotification(JSON.stringify(body))).toMatchObject({ recipients: ['recipient@example.com'] });
  });

  it.each(['Delivery', 'Send', 'Open', 'AmazonSnsSubscriptionSucceeded'])('ignores a %s notification (not acted on)', (type) => {
    expect(parseNotification(JSON.stringify({ eventType: type, mail: {} }))).toEqual({ kind: 'ignored', type });
  });

  it('ignores the documented Delivery record', () => {
    expect(parseNotification(sample('event-delivery'))).toEqual({ kind: 'ignored', type: 'Delivery' });
  });

  it('ignores fields SES may add', () => {
    const body = { ...sampleObject('event-bounce-permanent'), somethingNew: { nested: true } };
    expect(parseNotification(JSON.stringify(body))).toMatchObject({ kind: 'bounce' });
  });

  const bounce = sampleObject('event-bounce-permanent');
  const withBounce = (change: Record<string, unknown>) => JSON.stringify({ ...bounce, bounce: { ...(bounce.bounce as object), ...change } });
  it.each([
    ['undefined', undefined, 'empty message'],
    ['null', null, 'empty message'],
    ['an empty string', '', 'empty message'],
    ['blanks', '   ', 'empty message'],
    ['not JSON', '{"eventType":', 'message is not JSON'],
    ['a JSON array', '[]', 'message is not a JSON object'],
    ['JSON null', 'null', 'message is not a JSON object'],
    ['no type', JSON.stringify({ mail: {} }), 'no eventType or notificationType'],
    ['a type that is not a string', JSON.stringify({ eventType: 7 }), 'no eventType or notificationType'],
    ['a bounce without its bounce object', JSON.stringify({ eventType: 'Bounce', mail: bounce.mail }), 'Bounce: bounce:'],
    ['a bounce without mail', JSON.stringify({ eventType: 'Bounce', bounce: bounce.bounce }), 'Bounce: mail:'],
    ['an unknown bounce type', withBounce({ bounceType: 'Soft' }), 'Bounce: bounce.bounceType:'],
    ['a bounce with no recipient', withBounce({ bouncedRecipients: [] }), 'Bounce: bounce.bouncedRecipients:'],
    ['a recipient that is no address', withBounce({ bouncedRecipients: [{ emailAddress: 'nobody' }] }), 'Bounce: bounce.bouncedRecipients.0.emailAddress:'],
    ['51 recipients (SES sends to 50 at most)', withBounce({ bouncedRecipients: Array.from({ length: 51 }, (_, i) => ({ emailAddress: `r${i}@example.com` })) }), 'Bounce: bounce.bouncedRecipients:'],
    ['a complaint without feedbackId', JSON.stringify({ notificationType: 'Complaint', mail: bounce.mail, complaint: { complainedRecipients: [{ emailAddress: 'a@example.com' }] } }), 'Complaint: complaint.feedbackId:'],
    ['a reject without reason', JSON.stringify({ eventType: 'Reject', mail: bounce.mail, reject: {} }), 'Reject: reject.reason:'],
    ['a message over SNS’s 256 KiB', JSON.stringify({ ...bounce, padding: 'x'.repeat(MAX_MESSAGE_BYTES) }), `message over ${MAX_MESSAGE_BYTES} bytes`],
  ])('refuses %s', (_, message, reason) => {
    expect(() => parseNotification(message)).toThrow(MalformedNotificationError);
    expect(() => parseNotification(message)).toThrow(reason);
  });
});

describe('applyFeedback', () => {
  it('suppresses every recipient of a Permanent bounce, with type, subtype and diagnostic', async () => {
    // Prepare
    const store = await storeWith('jane@example.com', 'mary@example.com');
    const dsn = parseNotification(sample('notification-bounce-permanent-dsn'));

    // Act
    const result = await applyFeedback(dsn, store, () => NOW);

    // Assess
    expect(result).toEqual({
      reason: 'bounce-permanent',
      messageId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
      recipients: [{ email: 'jane@example.com', outcome: 'suppressed' }],
    });
    expect(store.items.get('jane@example.com')?.suppression).toEqual({
      reason: 'bounce',
      detail: 'Permanent/General: 5.1.1 smtp; 550 5.1.1 <jane@example.com>... User',
      feedbackId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000',
      messageId: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
      at: NOW.toISOString(),
    });
    // Only the bounced recipient: mary was a destination of the mail, not of the bounce.
    expect(store.items.get('mary@example.com')?.suppression).toBeUndefined();
  });

  it('handles several recipients in one bounce: each suppressed, an unknown one acknowledged', async () => {
    const store = await storeWith('jane@example.com');
    const result = await applyFeedback(parseNotification(sample('notification-bounce-permanent-no-dsn')), store, () => NOW);
    expect(result?.recipients).toEqual([
      { email: 'jane@example.com', outcome: 'suppressed' },
      { email: 'richard@example.com', outcome: 'unknown' },
    ]);
    expect(store.items.get('jane@example.com')?.suppression?.detail).toBe('Permanent/General');
    expect(store.items.has('richard@example.com')).toBe(false);
  });

  it('keeps mailing an address with a Transient bounce (nothing is written)', async () => {
    const store = await storeWith('recipient@example.com');
    const result = await applyFeedback(parseNotification(sample('event-bounce-transient')), store, () => NOW);
    expect(result).toEqual({ reason: 'bounce-transient', messageId: expect.any(String) as string, recipients: [{ email: 'recipient@example.com', outcome: 'kept' }] });
    expect(store.items.get('recipient@example.com')?.suppression).toBeUndefined();
  });

  it('keeps mailing an address with an Undetermined bounce', async () => {
    const store = await storeWith('recipient@example.com');
    const body = sampleObject('event-bounce-transient');
    (body.bounce as Record<string, unknown>).bounceType = 'Undetermined';
    (body.bounce as Record<string, unknown>).bounceSubType = 'Undetermined';
    const result = await applyFeedback(parseNotification(JSON.stringify(body)), store, () => NOW);
    expect(result).toMatchObject({ reason: 'bounce-undetermined', recipients: [{ outcome: 'kept' }] });
    expect(store.items.get('recipient@example.com')?.suppression).toBeUndefined();
  });

  it.each([
    ['with a feedback report', 'notification-complaint-feedback', 'complaint: abuse'],
    ['without a feedback report', 'notification-complaint-no-feedback', 'complaint: no feedback report'],
  ])('suppresses the complainant of a complaint %s', async (_, name, detail) => {
    const store = await storeWith('richard@example.com');
    const result = await applyFeedback(parseNotification(sample(name)), store, () => NOW);
    expect(result).toMatchObject({ reason: 'complaint', recipients: [{ email: 'richard@example.com', outcome: 'suppressed' }] });
    expect(store.items.get('richard@example.com')?.suppression).toMatchObject({ reason: 'complaint', detail });
  });

  it('reports a reject without holding it against the address (SES refused the content)', async () => {
    const store = await storeWith('recipient@example.com');
    const result = await applyFeedback(parseNotification(sample('event-reject')), store, () => NOW);
    expect(result).toMatchObject({ reason: 'reject', recipients: [{ email: 'recipient@example.com', outcome: 'kept' }] });
    expect(store.items.get('recipient@example.com')?.suppression).toBeUndefined();
  });

  it('changes nothing on a repeated report, nor on a later report of another kind (the first wins)', async () => {
    // Prepare
    const store = await storeWith('recipient@example.com');
    const bounce = parseNotification(sample('event-bounce-permanent'));
    await applyFeedback(bounce, store, () => NOW);
    const first = structuredClone(store.items.get('recipient@example.com'));

    // Act
    const again = await applyFeedback(bounce, store, () => new Date('2026-12-02T00:00:00.000Z'));
    const complaint = await applyFeedback(parseNotification(sample('event-complaint')), store, () => new Date('2026-12-03T00:00:00.000Z'));

    // Assess
    expect(again?.recipients).toEqual([{ email: 'recipient@example.com', outcome: 'alreadySuppressed' }]);
    expect(complaint?.recipients).toEqual([{ email: 'recipient@example.com', outcome: 'alreadySuppressed' }]);
    expect(store.items.get('recipient@example.com')).toEqual(first);
  });

  it('has nothing to do for an ignored type', async () => {
    const store = await storeWith('recipient@example.com');
    await expect(applyFeedback({ kind: 'ignored', type: 'Delivery' }, store)).resolves.toBeUndefined();
  });
});

describe('mailFeedbackHandler (SNS records)', () => {
  const setUp = async (...emails: string[]) => {
    const store = await storeWith(...emails);
    const deadLetters = new RecordingDeadLetters();
    return { store, deadLetters, handler: mailFeedbackHandler({ store, deadLetters, now: () => NOW }) };
  };

  it('applies each record and returns what became of it', async () => {
    const { store, handler } = await setUp('recipient@example.com', 'richard@example.com');
    const event: SNSEvent = {
      Records: [snsRecord(sample('event-bounce-permanent')), snsRecord(sample('notification-complaint-feedback')), snsRecord(sample('event-delivery'))],
    };

    const outcomes = await handler(event);

    expect(outcomes).toEqual([
      { status: 'applied', reason: 'bounce-permanent', messageId: expect.any(String) as string, recipients: [{ email: 'recipient@example.com', outcome: 'suppressed' }] },
      { status: 'applied', reason: 'complaint', messageId: expect.any(String) as string, recipients: [{ email: 'richard@example.com', outcome: 'suppressed' }] },
      { status: 'ignored', type: 'Delivery' },
    ]);
    expect(store.items.get('recipient@example.com')?.suppression?.reason).toBe('bounce');
    expect(store.items.get('richard@example.com')?.suppression?.reason).toBe('complaint');
  });

  it('dead-letters a malformed notification with its reason and goes on (never a retry)', async () => {
    const { store, deadLetters, handler } = await setUp('recipient@example.com');
    const bad = snsRecord('{"eventType":"Bounce","mail":{}}', 'sns-bad');

    const outcomes = await handler({ Records: [bad, snsRecord(sample('event-bounce-permanent'))] });

    expect(outcomes[0]).toEqual({ status: 'dead-lettered', reason: expect.stringMatching(/^Bounce: /) as string });
    expect(outcomes[1]).toMatchObject({ status: 'applied' });
    expect(deadLetters.letters).toEqual([{ record: bad, reason: outcomes[0]!.status === 'dead-lettered' ? outcomes[0]!.reason : '' }]);
    expect(store.items.get('recipient@example.com')?.suppression).toBeDefined();
  });

  it('dead-letters a huge message shortened, so the dead letter fits a queue message', async () => {
    const { deadLetters, handler } = await setUp();
    const huge = 'x'.repeat(MAX_MESSAGE_BYTES + 1);

    await handler({ Records: [snsRecord(huge)] });

    expect(deadLetters.letters[0]?.reason).toBe(`message over ${MAX_MESSAGE_BYTES} bytes`);
    expect(deadLetters.letters[0]!.record.Sns.Message.length).toBeLessThan(70 * 1024);
    expect(deadLetters.letters[0]!.record.Sns.Message).toMatch(/bytes in all/);
  });

  it('dead-letters a record with no Sns part, and an event with no records is a no-op', async () => {
    const { deadLetters, handler } = await setUp();
    await expect(handler({ Records: [{ EventSource: 'aws:sns' } as unknown as SNSEventRecord] })).resolves.toEqual([{ status: 'dead-lettered', reason: 'empty message' }]);
    expect(deadLetters.letters).toHaveLength(1);
    await expect(handler({ Records: [] })).resolves.toEqual([]);
    await expect(handler(null as unknown as SNSEvent)).resolves.toEqual([]);
  });

  it('throws when the store fails, so Lambda retries the invocation (and the on-failure queue gets it last)', async () => {
    const { store, deadLetters, handler } = await setUp('recipient@example.com');
    jest.spyOn(store, 'suppress').mockRejectedValueOnce(new Error('ProvisionedThroughputExceededException'));

    await expect(handler({ Records: [snsRecord(sample('event-bounce-permanent'))] })).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(deadLetters.letters).toEqual([]);
    // The retry applies it.
    await expect(handler({ Records: [snsRecord(sample('event-bounce-permanent'))] })).resolves.toMatchObject([{ recipients: [{ outcome: 'suppressed' }] }]);
  });

  it('acknowledges a repeated delivery of the same record (SNS delivers at least once)', async () => {
    const { handler } = await setUp('recipient@example.com');
    const record = snsRecord(sample('event-complaint'));
    await handler({ Records: [record] });
    await expect(handler({ Records: [record] })).resolves.toMatchObject([{ recipients: [{ outcome: 'alreadySuppressed' }] }]);
  });
});
