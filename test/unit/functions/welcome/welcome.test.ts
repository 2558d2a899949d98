import { welcomeBatchHandler } from '../../../../functions/welcome/batch';
import { pacedMailer } from '../../../../functions/welcome/mailer';
import { MalformedRecordError, parseStreamRecord, PermanentSendError } from '../../../../functions/welcome/welcome';
import {
  InMemorySubscriberStore,
  lambdaContext,
  RecordingDeadLetters,
  memoryPersistence,
  RecordingMailer,
  streamEvent,
  streamRecord,
  subscriberItem,
} from '../../../support/subscriptions';

const settings = { unsubscribeBaseUrl: 'https://api.example.com/subscriptions/', siteUrl: 'https://blog.example.com/' };

describe('parseStreamRecord', () => {
  it('reads the job of a new subscription', () => {
    const item = subscriberItem(1, { name: 'Ada' });
    expect(parseStreamRecord(streamRecord(item))).toEqual({
      subscriptionId: item.subscriptionId,
      email: item.email,
      name: 'Ada',
      token: item.token,
    });
  });

  it.each(['MODIFY', 'REMOVE'] as const)('has no job for a %s', (eventName) => {
    expect(parseStreamRecord(streamRecord(subscriberItem(1), eventName))).toBeUndefined();
  });

  it.each([
    ['no image', undefined],
    ['no subscriptionId', { email: 'a@example.com', token: 'x' }],
    ['no address', { subscriptionId: 'id', token: 'x' }],
    ['no token', { subscriptionId: 'id', email: 'a@example.com' }],
    ['a name that is not a string', { subscriptionId: 'id', email: 'a@example.com', token: 'x', name: 7 }],
  ])('refuses an INSERT with %s', (_, item) => {
    expect(() => parseStreamRecord(streamRecord(item))).toThrow(MalformedRecordError);
  });
});

describe('welcome batch', () => {
  const setUp = (mailer = new RecordingMailer(), persistenceStore = memoryPersistence()) => {
    const store = new InMemorySubscriberStore();
    const deadLetters = new RecordingDeadLetters();
    const handler = welcomeBatchHandler({ mailer, store, settings, persistenceStore, deadLetters, idempotencyTtlSeconds: 3600 });
    return { mailer, store, deadLetters, handler };
  };

  it('sends one mail per new subscriber, with the unsubscribe link and headers', async () => {
    // Prepare
    const { mailer, store, handler } = setUp();
    const items = [subscriberItem(1, { name: 'Ada' }), subscriberItem(2)];
    for (const item of items) await store.add(item);

    // Act
    const response = await handler(streamEvent(items.map((item) => streamRecord(item))), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(mailer.sent.map((mail) => mail.to)).toEqual(['reader1@example.com', 'reader2@example.com']);
    const link = `https://api.example.com/subscriptions/${items[0]!.token}/unsubscribe`;
    expect(mailer.sent[0]!.headers).toEqual([
      { name: 'List-Unsubscribe', value: `<${link}>` },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ]);
    expect(mailer.sent[0]!.text).toContain(link);
    expect(store.items.get('reader1@example.com')?.welcome).toEqual({ status: 'sent', messageId: 'message-1' });
  });

  it('dead-letters a malformed record with its reason instead of failing it (no retry could read it)', async () => {
    // Prepare
    const { mailer, deadLetters, handler } = setUp();
    const bad = streamRecord({ subscriptionId: 'broken' });
    const event = streamEvent([streamRecord(subscriberItem(1)), bad, streamRecord(subscriberItem(2))]);

    // Act
    const first = await handler(event, lambdaContext());
    const replay = await handler(event, lambdaContext());

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(replay.batchItemFailures).toEqual([]);
    expect(deadLetters.letters[0]).toEqual({ record: bad, reason: 'no email' });
    expect(mailer.attempts).toEqual(['reader1@example.com', 'reader2@example.com']);
  });

  it('retries only the record whose send failed, marks it failed meanwhile, and sent once it goes out', async () => {
    // Prepare: SES fails for reader 2 on the first try only.
    let failing = true;
    const mailer = new RecordingMailer((to) => (to === 'reader2@example.com' && failing ? new Error('SES unavailable') : undefined));
    const { handler, store } = setUp(mailer);
    for (const n of [1, 2, 3]) await store.add(subscriberItem(n));
    const records = [1, 2, 3].map((n) => streamRecord(subscriberItem(n)));

    // Act
    const first = await handler(streamEvent(records), lambdaContext());
    const between = store.items.get('reader2@example.com')?.welcome;
    failing = false;
    const retry = await handler(streamEvent(records), lambdaContext());

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }]);
    expect(between).toEqual({ status: 'failed', reason: 'Error: SES unavailable', permanent: false });
    expect(store.items.get('reader2@example.com')?.welcome?.status).toBe('sent');
    expect(retry.batchItemFailures).toEqual([]);
    expect(mailer.sent.map((mail) => mail.to).sort()).toEqual([
      'reader1@example.com',
      'reader2@example.com',
      'reader3@example.com',
    ]);
  });

  it('marks a permanently refused address failed and does not fail its record, so it is not retried', async () => {
    // Prepare
    const mailer = new RecordingMailer((to) => (to === 'reader1@example.com' ? new PermanentSendError('MessageRejected: suppressed') : undefined));
    const { store, handler } = setUp(mailer);
    await store.add(subscriberItem(1));
    await store.add(subscriberItem(2));

    // Act
    const response = await handler(streamEvent([streamRecord(subscriberItem(1)), streamRecord(subscriberItem(2))]), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(mailer.attempts).toEqual(['reader1@example.com', 'reader2@example.com']);
    expect(store.items.get('reader1@example.com')?.welcome).toEqual({
      status: 'failed',
      reason: 'PermanentSendError: MessageRejected: suppressed',
      permanent: true,
    });
    expect(store.items.get('reader2@example.com')?.welcome?.status).toBe('sent');
  });

  it('does not send again, nor mark failed, while another delivery of the same subscription is sending', async () => {
    // Prepare: a slow SES, and the same record delivered twice at once (a stream retry beside a redrive).
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const inner = new RecordingMailer();
    const mailer = { attempts: inner.attempts, send: async (email: Parameters<RecordingMailer['send']>[0]) => (await slow, inner.send(email)) };
    // Two containers (or a container and the redrive): one idempotency table and one subscriber table.
    const persistence = memoryPersistence();
    const store = new InMemorySubscriberStore();
    const [handler, other] = [1, 2].map(() =>
      welcomeBatchHandler({ mailer, store, settings, persistenceStore: persistence, deadLetters: new RecordingDeadLetters(), idempotencyTtlSeconds: 3600 }),
    ) as [ReturnType<typeof welcomeBatchHandler>, ReturnType<typeof welcomeBatchHandler>];
    await store.add(subscriberItem(1));
    const event = streamEvent([streamRecord(subscriberItem(1))]);

    // Act
    const first = handler(event, lambdaContext());
    const concurrent = await other(event, lambdaContext());
    const during = store.items.get('reader1@example.com')?.welcome;
    release();
    const firstResult = await first;
    const retry = await handler(event, lambdaContext());

    // Assess: the second delivery backs off (reported failed, retried), the retry finds the mail sent.
    expect(concurrent.batchItemFailures).toHaveLength(1);
    expect(during).toBeUndefined();
    expect(firstResult.batchItemFailures).toEqual([]);
    expect(retry.batchItemFailures).toEqual([]);
    expect(inner.sent).toHaveLength(1);
    expect(store.items.get('reader1@example.com')?.welcome?.status).toBe('sent');
  });

  it('sends nothing to a suppressed address and notes why, without failing the record', async () => {
    // Prepare: reader 1's address hard-bounced earlier (functions/mail-feedback marked it).
    const { mailer, store, handler } = setUp();
    for (const n of [1, 2]) await store.add(subscriberItem(n));
    await store.suppress('reader1@example.com', { reason: 'bounce', detail: 'Permanent/General', feedbackId: 'f', messageId: 'm', at: '2026-12-01T00:00:00.000Z' });

    // Act
    const response = await handler(streamEvent([1, 2].map((n) => streamRecord(subscriberItem(n)))), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(mailer.attempts).toEqual(['reader2@example.com']);
    expect(store.items.get('reader1@example.com')?.welcome).toEqual({ status: 'suppressed', reason: 'bounce' });
    expect(store.items.get('reader2@example.com')?.welcome?.status).toBe('sent');
  });

  it('ignores records that are not new subscriptions', async () => {
    const { mailer, handler } = setUp();
    const response = await handler(
      streamEvent([streamRecord(subscriberItem(1), 'MODIFY'), streamRecord(subscriberItem(2), 'REMOVE')]),
      lambdaContext(),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(mailer.attempts).toEqual([]);
  });

  it('reports every record of a batch SES fails for, without throwing (an outage is not bisected)', async () => {
    const { handler, store } = setUp(new RecordingMailer(() => Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' })));
    const records = [1, 2].map((n) => streamRecord(subscriberItem(n)));
    for (const n of [1, 2]) await store.add(subscriberItem(n));

    const response = await handler(streamEvent(records), lambdaContext());

    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.map((r) => r.dynamodb!.SequenceNumber));
    expect(store.items.get('reader1@example.com')?.welcome).toEqual({ status: 'failed', reason: 'Error: connect ECONNREFUSED', permanent: false });
  });
});

describe('pacedMailer', () => {
  it('starts sends one interval apart at the account rate, in call order, and passes results and errors through', async () => {
    // Prepare: 20 sends a second = one every 50 ms; the third address is refused
    const started: { to: string; at: number }[] = [];
    const inner = new RecordingMailer((to) => (to === 'c@example.com' ? new Error('refused') : undefined));
    const mailer = pacedMailer(
      { send: (email) => (started.push({ to: email.to, at: performance.now() }), inner.send(email)) },
      20,
    );
    const email = (to: string) => ({ to, subject: 's', html: 'h', text: 't', headers: [] });

    // Act: four sends at once, as the records of a batch do
    const results = await Promise.allSettled(['a', 'b', 'c', 'd'].map((name) => mailer.send(email(`${name}@example.com`))));

    // Assess
    expect(started.map((send) => send.to)).toEqual(['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com']);
    // The k-th send starts no sooner than k intervals after the first: never more than the rate in any stretch of time.
    // (Measured from the first, not between neighbours: a timer that fires late on a busy machine delays one send, and
    // the next, planned from the call, may then follow it closer; the rate over the batch is what SES counts.)
    const sinceFirst = started.map((send) => send.at - started[0]!.at);
    sinceFirst.forEach((elapsed, k) => expect(elapsed).toBeGreaterThanOrEqual(k * 50 - 5)); // timers may fire a ms early
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(results[0]).toEqual({ status: 'fulfilled', value: { messageId: 'message-1' } });
  });
});
