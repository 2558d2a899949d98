/**
 * A burst against the local API, as issue 11 found it: a few hundred POST /subscriptions at concurrency 30 on this
 * small machine. Every 2xx must be a stored address (the web app tells its user "subscribed"), every other answer a
 * clean 4xx/5xx in one of the two JSON shapes (the function's `{"error":{code,message}}` or API Gateway's own
 * `{"message"}`): never a 200 carrying serverless-offline's `errorMessage` and stack trace. The stage's throttling
 * (subscribeRateLimit 5/s, subscribeBurstLimit 20) turns most of the burst away with 429.
 */
import { BatchGetItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { apiUrl, dynamodb } from './local';

const SUBSCRIBERS_TABLE = 'serverless-blog-local-subscribers-table';
const REQUESTS = 300;
const CONCURRENCY = 30;
/** subscribeBurstLimit / subscribeRateLimit of serverless.yml: how long an emptied bucket takes to fill again. */
const REFILL_MS = (20 / 5) * 1000;

interface Answer {
  email: string;
  status: number;
  contentType: string;
  body: string;
}

async function post(email: string): Promise<Answer> {
  const response = await fetch(`${apiUrl}/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  return { email, status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.text() };
}

async function stored(emails: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < emails.length; i += 100) {
    let keys: Record<string, { S: string }>[] | undefined = emails.slice(i, i + 100).map((email) => ({ email: { S: email } }));
    while (keys && keys.length > 0) {
      const page = await dynamodb.send(new BatchGetItemCommand({ RequestItems: { [SUBSCRIBERS_TABLE]: { Keys: keys, ProjectionExpression: 'email' } } }));
      for (const item of page.Responses?.[SUBSCRIBERS_TABLE] ?? []) if (item.email?.S) found.add(item.email.S);
      keys = page.UnprocessedKeys?.[SUBSCRIBERS_TABLE]?.Keys as typeof keys;
    }
  }
  return found;
}

describe('a burst of POST /subscriptions on the local API', () => {
  const answers: Answer[] = [];

  beforeAll(async () => {
    const run = randomUUID().slice(0, 8);
    const emails = Array.from({ length: REQUESTS }, (_, i) => `burst-${run}-${i}@example.com`);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < emails.length) answers.push(await post(emails[next++]!));
      }),
    );
  }, 240_000);

  // The bucket is the stage's, shared by every test file of the run: leave it full, as a client that backs off would.
  afterAll(async () => {
    const statuses = answers.reduce<Record<number, number>>((count, { status }) => ({ ...count, [status]: (count[status] ?? 0) + 1 }), {});
    console.log(`burst of ${REQUESTS} at concurrency ${CONCURRENCY}: ${JSON.stringify(statuses)}`);
    await new Promise((resolve) => setTimeout(resolve, REFILL_MS));
  });

  it('answers every request', () => {
    expect(answers).toHaveLength(REQUESTS);
  });

  it('stores the address of every 2xx answer (nobody is told "subscribed" for nothing)', async () => {
    const accepted = answers.filter((answer) => answer.status >= 200 && answer.status < 300);
    expect(accepted.length).toBeGreaterThanOrEqual(20); // at least the burst
    for (const answer of accepted) expect({ status: answer.status, body: JSON.parse(answer.body) as unknown }).toEqual({ status: 202, body: { status: 'accepted' } });
    const found = await stored(accepted.map((answer) => answer.email));
    expect(accepted.filter((answer) => !found.has(answer.email)).map((answer) => answer.email)).toEqual([]);
  });

  it('answers every other request with a clean 4xx/5xx in the JSON error shape, no error object or stack trace', () => {
    const others = answers.filter((answer) => answer.status < 200 || answer.status >= 300);
    for (const answer of others) {
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(600);
      expect(answer.contentType).toMatch(/^application\/json/);
      const body = JSON.parse(answer.body) as Record<string, unknown>;
      const functionError = typeof (body.error as { code?: unknown } | undefined)?.code === 'string';
      const gatewayError = Object.keys(body).length === 1 && typeof body.message === 'string';
      expect({ status: answer.status, functionError, gatewayError }).toEqual({ status: answer.status, functionError: !gatewayError, gatewayError: !functionError });
    }
    expect(answers.filter((answer) => /errorMessage|errorType|stackTrace|\/node_modules\/|\.js:\d+/.test(answer.body))).toEqual([]);
  });

  it('throttles the route as the stage does: 429 {"message":"Too Many Requests"}, and a throttled address is not stored', async () => {
    const throttled = answers.filter((answer) => answer.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    for (const answer of throttled) expect(JSON.parse(answer.body)).toEqual({ message: 'Too Many Requests' });
    expect(await stored(throttled.map((answer) => answer.email))).toEqual(new Set());
  });
});
