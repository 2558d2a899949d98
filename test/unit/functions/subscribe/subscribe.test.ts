import { normaliseEmail } from '../../../../functions/lib/subscribers';
import { parseSubscribeRequest, subscribe, UNSUBSCRIBE_TOKEN } from '../../../../functions/subscribe/subscribe';
import { answerTo } from '../../../support/errors';
import { InMemorySubscriberStore } from '../../../support/subscriptions';

const refusal = (body: unknown): { status: number; code: string } | undefined => {
  try {
    parseSubscribeRequest(body);
    return undefined;
  } catch (error) {
    const { statusCode, code } = answerTo(error);
    return { status: statusCode, code };
  }
};

describe('subscribe request', () => {
  it('normalises the address: case, blanks and Unicode form make no second subscriber', () => {
    expect(parseSubscribeRequest({ email: '  Ada.Lovelace@Example.COM ' })).toEqual({ email: 'ada.lovelace@example.com' });
    expect(normaliseEmail('e\u0301@example.com')).toBe('\u00e9@example.com');
  });

  it('keeps a trimmed name and drops an empty one', () => {
    expect(parseSubscribeRequest({ email: 'a@example.com', name: '  Ada ' })).toEqual({ email: 'a@example.com', name: 'Ada' });
    expect(parseSubscribeRequest({ email: 'a@example.com', name: '   ' })).toEqual({ email: 'a@example.com' });
  });

  it.each([
    ['not an object', ['a@example.com'], 'invalid_body'],
    ['null', null, 'invalid_body'],
    ['no email', {}, 'invalid_email'],
    ['an email that is not a string', { email: 42 }, 'invalid_email'],
    ['no @', { email: 'example.com' }, 'invalid_email'],
    ['no domain dot', { email: 'a@localhost' }, 'invalid_email'],
    ['two addresses', { email: 'a@example.com, b@example.com' }, 'invalid_email'],
    ['a header injection', { email: 'a@example.com\r\nBcc: b@example.com' }, 'invalid_email'],
    ['a local part over 64', { email: `${'a'.repeat(65)}@example.com` }, 'invalid_email'],
    ['an address over 254', { email: `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com` }, 'invalid_email'],
    ['a name over 100', { email: 'a@example.com', name: 'n'.repeat(101) }, 'invalid_name'],
    ['a name with a line break', { email: 'a@example.com', name: 'Ada\nBcc: x' }, 'invalid_name'],
    ['a name that is not a string', { email: 'a@example.com', name: { first: 'Ada' } }, 'invalid_name'],
    ['an unknown field', { email: 'a@example.com', admin: true }, 'unknown_field'],
  ])('refuses %s with 400', (_, body, code) => {
    expect(refusal(body)).toEqual({ status: 400, code });
  });
});

describe('subscribe', () => {
  it('adds a subscriber with an id and an unguessable token, once per address', async () => {
    // Prepare
    const store = new InMemorySubscriberStore();

    // Act
    const first = await subscribe({ email: 'a@example.com', name: 'Ada' }, store);
    const second = await subscribe({ email: 'a@example.com' }, store);

    // Assess
    expect(first).toEqual({ status: 'accepted', created: true });
    expect(second).toEqual({ status: 'accepted', created: false });
    const item = store.items.get('a@example.com');
    expect(item?.name).toBe('Ada');
    expect(item?.token).toMatch(UNSUBSCRIBE_TOKEN);
    expect(item?.subscriptionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a suppressed address suppressed when it subscribes again, with the same answer as any repeat', async () => {
    // Prepare: the address hard-bounced (functions/mail-feedback marked it).
    const store = new InMemorySubscriberStore();
    await subscribe({ email: 'a@example.com' }, store);
    await store.suppress('a@example.com', { reason: 'bounce', detail: 'Permanent/General', feedbackId: 'f', messageId: 'm', at: '2026-12-01T00:00:00.000Z' });
    const before = structuredClone(store.items.get('a@example.com'));

    // Act
    const again = await subscribe(parseSubscribeRequest({ email: ' A@Example.com ', name: 'Ada' }), store);

    // Assess: no new subscription (so no welcome), the suppression stays, and the answer tells nobody about it.
    expect(again).toEqual({ status: 'accepted', created: false });
    expect(store.items.get('a@example.com')).toEqual(before);
  });

  it('gives every subscriber a different token', async () => {
    const store = new InMemorySubscriberStore();
    for (let n = 0; n < 50; n++) await subscribe({ email: `r${n}@example.com` }, store);
    expect(new Set([...store.items.values()].map((item) => item.token)).size).toBe(50);
  });
});
