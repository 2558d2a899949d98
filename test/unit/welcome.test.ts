import { welcomeBatchHandler } from '../../functions/welcome/batch';
import { MalformedRecordError, parseStreamRecord, PermanentSendError } from '../../functions/welcome/welcome';
import {
  InMemorySubscriberStore,
  lambdaContext,
  memoryPersistence,
  RecordingMailer,
  streamEvent,
  streamRecord,
  subscriberItem,
} from '../support/subscriptions';

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
  const setUp = (mailer = new RecordingMailer()) => {
    const store = new InMemorySubscriberStore();
    const handler = welcomeBatchHandler({
      mailer,
      store,
      settings,
      persistenceStore: memoryPersistence(),
      idempotencyTtlSeconds: 3600,
    });
    return { mailer, store, handler };
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

  it('reports only the malformed record failed; a retry of the batch sends nothing twice', async () => {
    // Prepare
    const { mailer, handler } = setUp();
    const bad = streamRecord({ subscriptionId: 'broken' });
    const event = streamEvent([streamRecord(subscriberItem(1)), bad, streamRecord(subscriberItem(2))]);

    // Act
    const first = await handler(event, lambdaContext());
    const retry = await handler(event, lambdaContext());

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: bad.dynamodb!.SequenceNumber }]);
    expect(retry.batchItemFailures).toEqual([{ itemIdentifier: bad.dynamodb!.SequenceNumber }]);
    expect(mailer.attempts).toEqual(['reader1@example.com', 'reader2@example.com']);
  });

  it('retries only the record whose send failed, and sends it once it succeeds', async () => {
    // Prepare: SES fails for reader 2 on the first try only.
    let failing = true;
    const mailer = new RecordingMailer((to) => (to === 'reader2@example.com' && failing ? new Error('SES unavailable') : undefined));
    const { handler } = setUp(mailer);
    const records = [1, 2, 3].map((n) => streamRecord(subscriberItem(n)));

    // Act
    const first = await handler(streamEvent(records), lambdaContext());
    failing = false;
    const retry = await handler(streamEvent(records), lambdaContext());

    // Assess
    expect(first.batchItemFailures).toEqual([{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }]);
    expect(retry.batchItemFailures).toEqual([]);
    expect(mailer.sent.map((mail) => mail.to).sort()).toEqual([
      'reader1@example.com',
      'reader2@example.com',
      'reader3@example.com',
    ]);
  });

  it('records a permanently refused address and does not fail (or retry) its record', async () => {
    // Prepare
    const mailer = new RecordingMailer((to) => (to === 'reader1@example.com' ? new PermanentSendError('MessageRejected: suppressed') : undefined));
    const { store, handler } = setUp(mailer);
    await store.add(subscriberItem(1));
    const event = streamEvent([streamRecord(subscriberItem(1))]);

    // Act
    const first = await handler(event, lambdaContext());
    const replay = await handler(event, lambdaContext());

    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(replay.batchItemFailures).toEqual([]);
    expect(mailer.attempts).toEqual(['reader1@example.com']);
    expect(store.items.get('reader1@example.com')?.welcome).toEqual({ status: 'rejected', reason: 'MessageRejected: suppressed' });
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

  it('throws when every record fails, so the event source bisects and retries the batch', async () => {
    const { handler } = setUp(new RecordingMailer(() => new Error('SES unavailable')));
    await expect(handler(streamEvent([streamRecord(subscriberItem(1)), streamRecord(subscriberItem(2))]), lambdaContext())).rejects.toThrow(
      /All records failed/,
    );
  });
});
