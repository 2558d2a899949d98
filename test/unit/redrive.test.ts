import type { WelcomeCandidate } from '../../functions/lib/subscribers';
import { welcomeDelivery } from '../../functions/welcome/deliver';
import { formatSummary, redriveWelcome, type FailureMessage } from '../../scripts/redrive/welcome';
import { InMemorySubscriberStore, memoryPersistence, RecordingMailer, streamRecord, subscriberItem } from '../support/subscriptions';

const settings = { unsubscribeBaseUrl: 'https://api.example.com/subscriptions', siteUrl: 'https://blog.example.com/' };

/** WelcomeFailuresQueue in memory: what was deleted, what was made visible again. */
function failuresQueue(bodies: unknown[]) {
  const messages: FailureMessage[] = bodies.map((body, i) => ({ receiptHandle: `r${i}`, body: JSON.stringify(body) }));
  const state = { deleted: [] as string[], released: [] as string[] };
  return {
    state,
    port: {
      receiveAll: async () => messages.filter((m) => !state.deleted.includes(m.receiptHandle)),
      delete: async (done: FailureMessage[]) => void state.deleted.push(...done.map((m) => m.receiptHandle)),
      release: async (kept: FailureMessage[]) => void state.released.push(...kept.map((m) => m.receiptHandle)),
    },
  };
}

const onFailureRecord = { requestContext: { condition: 'RecordAgeExceeded' }, DDBStreamBatchInfo: { batchSize: 1 } };
const deadLetter = { condition: 'MalformedRecord', reason: 'no email', record: streamRecord({ subscriptionId: 'x' }) };

function setUp(mailer = new RecordingMailer()) {
  const store = new InMemorySubscriberStore();
  const persistence = memoryPersistence();
  const delivery = () => welcomeDelivery({ mailer, store, settings, persistenceStore: persistence, idempotencyTtlSeconds: 3600 });
  const candidates = async function* () {
    for (const item of store.items.values()) {
      if (item.welcome?.status !== 'sent') yield { ...item, welcomeStatus: item.welcome?.status } as WelcomeCandidate;
    }
  };
  return { mailer, store, delivery, candidates };
}

describe('welcome redrive', () => {
  it('resends a failed welcome once, sends nothing on a second run, and settles the on-failure records', async () => {
    // Prepare: a subscriber whose welcome failed (the event source gave up), its on-failure record and a dead letter.
    const { mailer, store, delivery, candidates } = setUp();
    await store.add(subscriberItem(1));
    await store.recordWelcome('reader1@example.com', subscriberItem(1).subscriptionId, { status: 'failed', reason: 'Error: ECONNREFUSED', permanent: false });
    const queue = failuresQueue([onFailureRecord, deadLetter]);

    // Act
    const first = await redriveWelcome({ candidates: candidates(), deliver: (job) => delivery().deliver(job), failures: queue.port });
    const second = await redriveWelcome({ candidates: candidates(), deliver: (job) => delivery().deliver(job), failures: queue.port });

    // Assess
    expect(mailer.sent.map((m) => m.to)).toEqual(['reader1@example.com']);
    expect(first.resent).toEqual(['reader1@example.com']);
    expect(second.resent).toEqual([]);
    expect(store.items.get('reader1@example.com')?.welcome?.status).toBe('sent');
    expect(first.failureRecords).toEqual({ deleted: 1, kept: 0 });
    expect(queue.state.deleted).toEqual(['r0']);
    // The dead letter cannot be resent: it is reported and stays (the alarm keeps an operator on it).
    expect(first.deadLetters).toEqual([{ reason: 'no email', sequenceNumber: deadLetter.record.dynamodb!.SequenceNumber }]);
    expect(queue.state.released).toContain('r1');
    expect(formatSummary(first)).toMatch(/^1 resent\n0 skipped, already sent\n/);
  });

  it('does not resend a mail the stream already sent; only notes it sent', async () => {
    const { mailer, store, delivery, candidates } = setUp();
    await store.add(subscriberItem(1));
    // The stream sent it; the note of that failed, so the subscriber still shows the earlier failure.
    await delivery().deliver({ ...subscriberItem(1) });
    const item = store.items.get('reader1@example.com')!;
    item.welcome = { status: 'failed', reason: 'Error: timeout', permanent: false };

    const summary = await redriveWelcome({ candidates: candidates(), deliver: (job) => delivery().deliver(job), failures: failuresQueue([]).port });

    expect(summary.alreadySent).toEqual(['reader1@example.com']);
    expect(mailer.sent).toHaveLength(1);
    expect(item.welcome?.status).toBe('sent');
  });

  it('skips a suppressed address: nothing sent, reported, and it settles the on-failure records', async () => {
    // Prepare: a failed welcome whose address drew a complaint since (functions/mail-feedback).
    const { mailer, store, delivery, candidates } = setUp();
    await store.add(subscriberItem(1));
    await store.recordWelcome('reader1@example.com', subscriberItem(1).subscriptionId, { status: 'failed', reason: 'Error: timeout', permanent: false });
    await store.suppress('reader1@example.com', { reason: 'complaint', detail: 'complaint: abuse', feedbackId: 'f', messageId: 'm', at: '2026-12-01T00:00:00.000Z' });
    const queue = failuresQueue([onFailureRecord]);

    // Act
    const first = await redriveWelcome({ candidates: candidates(), deliver: (job) => delivery().deliver(job), failures: queue.port });

    // Assess
    expect(mailer.attempts).toEqual([]);
    expect(first.suppressed).toEqual(['reader1@example.com']);
    expect(first.failureRecords).toEqual({ deleted: 1, kept: 0 });
    expect(store.items.get('reader1@example.com')?.welcome).toEqual({ status: 'suppressed', reason: 'complaint' });
    expect(formatSummary(first)).toContain('1 skipped, the address is suppressed');
  });

  it('reports what still fails with the reason, and keeps the on-failure records while it does', async () => {
    const mailer = new RecordingMailer(() => new Error('SES unavailable'));
    const { store, delivery, candidates } = setUp(mailer);
    await store.add(subscriberItem(1));
    const queue = failuresQueue([onFailureRecord]);

    const summary = await redriveWelcome({ candidates: candidates(), deliver: (job) => delivery().deliver(job), failures: queue.port });

    expect(summary.stillFailing).toEqual([{ email: 'reader1@example.com', reason: 'Error: SES unavailable', permanent: false }]);
    expect(summary.failureRecords).toEqual({ deleted: 0, kept: 1 });
    expect(queue.state.deleted).toEqual([]);
    expect(store.items.get('reader1@example.com')?.welcome).toEqual({ status: 'failed', reason: 'Error: SES unavailable', permanent: false });
  });
});
