/**
 * Invoking through the Lambda API and Lambda's handling of a failed asynchronous invocation ("How Lambda handles
 * errors and retries with asynchronous invocation", "Capturing records of Lambda asynchronous invocations"). The
 * stream side of the same retry loop is tested in local/streams/delivery.test.ts.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { asyncFailureRecord, asyncTarget, deliverWithRetries, invoke } from '../../../../scripts/local/common/invoke';
import type { ServiceConfig } from '../../../../scripts/local/service-config';

const lambdaAnswering = (answer: { FunctionError?: string; Payload?: Uint8Array }) => {
  const sent: { FunctionName?: string; InvocationType?: string; Payload?: Uint8Array }[] = [];
  const lambda = { send: async (command: { input: (typeof sent)[number] }) => (sent.push(command.input), answer) } as unknown as LambdaClient;
  return { lambda, sent };
};

describe('invoke', () => {
  it('sends the event as a RequestResponse invocation and returns the payload', async () => {
    // Prepare
    const { lambda, sent } = lambdaAnswering({ Payload: Buffer.from('{"ok":true}') });

    // Act
    const result = await invoke(lambda, 'svc-local-fn', { Records: [1] });

    // Assess
    expect(result).toEqual({ payload: '{"ok":true}' });
    expect(sent[0]).toMatchObject({ FunctionName: 'svc-local-fn', InvocationType: 'RequestResponse' });
    expect(Buffer.from(sent[0]!.Payload!).toString()).toBe('{"Records":[1]}');
  });

  it('returns a function error with its error payload', async () => {
    // Prepare
    const { lambda } = lambdaAnswering({ FunctionError: 'Unhandled', Payload: Buffer.from('{"errorMessage":"boom"}') });

    // Act + Assess
    await expect(invoke(lambda, 'fn', {})).resolves.toEqual({ functionError: '{"errorMessage":"boom"}' });
  });
});

describe('an asynchronous invocation that keeps failing', () => {
  const policy = { maximumRetryAttempts: 2, maximumRecordAgeSeconds: -1, reportBatchItemFailures: false, bisectBatchOnFunctionError: false };

  it('is tried 1 + maximumRetryAttempts times, with a pause before each retry, then given up with its last error', async () => {
    // Prepare
    const pauses: number[] = [];
    const given: unknown[] = [];

    // Act
    const { invocations } = await deliverWithRetries([{ key: 'a' }], policy, {
      invoke: async () => ({ error: { errorMessage: 'boom' } }),
      backoff: async (attempt) => void pauses.push(attempt),
      onFailure: async (failed) => void given.push(failed),
    });

    // Assess
    expect(invocations).toBe(3);
    expect(pauses).toEqual([1, 2]);
    expect(given).toEqual([{ condition: 'RetryAttemptsExhausted', records: [{ key: 'a' }], invokeCount: 3, error: { errorMessage: 'boom' } }]);
  });

  it('is described in the on-failure record with the event, the condition and the last error', () => {
    // Act
    const record = asyncFailureRecord({ functionArn: 'arn:fn:$LATEST', event: { Records: [] }, invokeCount: 3, error: { errorMessage: 'boom' } });

    // Assess
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: { functionArn: 'arn:fn:$LATEST', condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: { Records: [] },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'boom' },
    });
  });
});

describe('asyncTarget: a function as a target of asynchronous invocations (serverless.yml)', () => {
  const config = (fn: Record<string, unknown>) =>
    ({ service: 'svc', provider: { stage: 'local' }, params: {}, functions: { worker: { handler: 'h', ...fn } }, resources: { Resources: {} } }) as unknown as ServiceConfig;
  const queues = new Map([['Failed', { url: 'http://q/failed' }]]);

  it("takes Lambda's default of 2 retries, or the function's maximumRetryAttempts and on-failure queue", () => {
    expect(asyncTarget(config({}), 'worker', queues)).toEqual({ functionKey: 'worker', functionName: 'svc-local-worker', maxRetries: 2 });
    expect(asyncTarget(config({ maximumRetryAttempts: 0, destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['Failed', 'Arn'] } } } }), 'worker', queues)).toEqual({
      functionKey: 'worker',
      functionName: 'svc-local-worker',
      maxRetries: 0,
      onFailureQueueUrl: 'http://q/failed',
    });
  });

  it.each([
    ['maximumRetryAttempts above 2', { maximumRetryAttempts: 3 }, /0, 1 or 2/],
    ['an on-failure queue that is not of the stack', { destinations: { onFailure: { type: 'sqs', arn: { 'Fn::GetAtt': ['Other', 'Arn'] } } } }, /not a queue of this stack/],
    ['an on-failure destination that is not a queue', { destinations: { onFailure: 'arn:aws:sns:us-east-1:1:topic' } }, /only an sqs on-failure destination/],
  ])('refuses %s', (_, fn, message) => {
    expect(() => asyncTarget(config(fn), 'worker', queues)).toThrow(message);
  });
});
