import { subscribe } from '../../../../functions/subscribe/subscribe';
import { confirmPage, unsubscribe } from '../../../../functions/unsubscribe/unsubscribe';
import { rejection } from '../../../support/errors';
import { InMemorySubscriberStore } from '../../../support/subscriptions';

describe('unsubscribe', () => {
  it('removes the subscriber the token belongs to, once', async () => {
    // Prepare
    const store = new InMemorySubscriberStore();
    await subscribe({ email: 'a@example.com' }, store);
    const token = store.items.get('a@example.com')!.token;

    // Act
    await unsubscribe(token, store);

    // Assess
    expect(store.items.size).toBe(0);
    expect(await rejection(unsubscribe(token, store))).toMatchObject({ statusCode: 404, code: 'subscription_not_found' });
  });

  it.each([undefined, '', 'short', `${'a'.repeat(42)}!`])('answers 404 for the malformed token %p without a lookup', async (token) => {
    const store = new InMemorySubscriberStore();
    const lookup = jest.spyOn(store, 'removeByToken');
    expect(await rejection(unsubscribe(token, store))).toMatchObject({ statusCode: 404 });
    expect(lookup).not.toHaveBeenCalled();
  });

  it('confirms with a form that POSTs, so a link preview unsubscribes no one', () => {
    expect(confirmPage()).toMatch(/<form method="post">/);
  });
});
