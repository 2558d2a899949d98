/**
 * How Lambda reads an SQS batch's answer ("Handling errors for an SQS event source in Lambda", Implementing partial
 * batch responses: success and failure conditions).
 */
import { batchOutcome } from '../../../../scripts/local/queues/event';

const IDS = ['m1', 'm2', 'm3'];
const answer = (body: unknown) => ({ payload: typeof body === 'string' ? body : JSON.stringify(body) });
const failedOf = (outcome: ReturnType<typeof batchOutcome>) => [...outcome.failed].sort();

describe('batchOutcome', () => {
  it.each([
    ['an empty batchItemFailures list', { batchItemFailures: [] }],
    ['a null batchItemFailures list', { batchItemFailures: null }],
    ['an empty EventResponse', {}],
    ['a null EventResponse', 'null'],
    ['no payload at all', ''],
  ])('is a complete success for %s', (_, body) => {
    expect(failedOf(batchOutcome(answer(body), IDS, true))).toEqual([]);
  });

  it('fails exactly the messages the function names', () => {
    expect(failedOf(batchOutcome(answer({ batchItemFailures: [{ itemIdentifier: 'm3' }, { itemIdentifier: 'm1' }] }), IDS, true))).toEqual(['m1', 'm3']);
  });

  it.each([
    ['an invalid JSON response', '{"batchItemFailures": ['],
    ['an empty string itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }],
    ['an itemIdentifier with a bad key name', { batchItemFailures: [{ itemIdentfier: 'm1' }] }],
    ["an itemIdentifier value with a message ID that doesn't exist", { batchItemFailures: [{ itemIdentifier: 'm9' }] }],
  ])('is a complete failure for %s', (_, body) => {
    const outcome = batchOutcome(answer(body), IDS, true);
    expect(failedOf(outcome)).toEqual(IDS);
    expect(outcome.reason).toBeDefined();
  });

  it('fails the whole batch on a function error, whatever the settings', () => {
    expect(failedOf(batchOutcome({ functionError: '{"errorMessage":"boom"}' }, IDS, false))).toEqual(IDS);
  });

  it('ignores the answer without ReportBatchItemFailures ("Lambda doesn\'t process these responses unless the feature is turned on")', () => {
    expect(failedOf(batchOutcome(answer({ batchItemFailures: [{ itemIdentifier: 'm1' }] }), IDS, false))).toEqual([]);
  });
});
