import { randomBytes, randomUUID } from 'node:crypto';
import { ValidationError } from '../lib/errors';
import { normaliseEmail, type Subscriber, type SubscriberStore } from '../lib/subscribers';

export interface SubscribeRequest {
  email: string;
  name?: string;
}

/** RFC 5321 limits: 254 characters for a path's address, 64 for the local part. */
const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_PART_LENGTH = 64;
const MAX_NAME_LENGTH = 100;
/** The browser's own `type=email` rule (WHATWG HTML), which is what a reader's form already accepts. */
const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Checks the body a reader sent; anything else is a ValidationError with a stable code. */
export function parseSubscribeRequest(body: unknown): SubscribeRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('invalid_body', 'Body must be a JSON object');
  }
  const { email, name, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw new ValidationError('unknown_field', `Unknown field: ${unknown.sort().join(', ')}`);
  if (typeof email !== 'string') throw new ValidationError('invalid_email', 'email is required');
  const address = normaliseEmail(email);
  const localPart = address.slice(0, address.lastIndexOf('@'));
  if (address.length > MAX_EMAIL_LENGTH || localPart.length > MAX_LOCAL_PART_LENGTH || !EMAIL.test(address)) {
    throw new ValidationError('invalid_email', 'email is not a valid address');
  }
  if (name === undefined || name === null) return { email: address };
  if (typeof name !== 'string') throw new ValidationError('invalid_name', 'name must be a string');
  const trimmed = name.normalize('NFC').trim();
  if (trimmed.length > MAX_NAME_LENGTH || CONTROL.test(trimmed)) {
    throw new ValidationError('invalid_name', `name must be at most ${MAX_NAME_LENGTH} characters without control characters`);
  }
  return trimmed === '' ? { email: address } : { email: address, name: trimmed };
}

/** 32 random bytes: the unsubscribe link is the only credential, so it must not be guessable. */
export function newUnsubscribeToken(): string {
  return randomBytes(32).toString('base64url');
}

export const UNSUBSCRIBE_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Subscribes an address. The answer is the same whether the address was new or already subscribed, so the endpoint
 * does not tell anyone which addresses are on the list; a repeat changes nothing and sends no second mail.
 */
export async function subscribe(
  request: SubscribeRequest,
  store: SubscriberStore,
  now: () => Date = () => new Date(),
): Promise<{ status: 'accepted'; created: boolean }> {
  const subscriber: Subscriber = {
    email: request.email,
    ...(request.name === undefined ? {} : { name: request.name }),
    subscriptionId: randomUUID(),
    token: newUnsubscribeToken(),
    createdAt: now().toISOString(),
  };
  const created = await store.add(subscriber);
  return { status: 'accepted', created };
}
