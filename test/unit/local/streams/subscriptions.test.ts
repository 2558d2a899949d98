import type { ServiceConfig } from '../../../../scripts/local/service-config';
import { streamSubscriptions } from '../../../../scripts/local/streams/subscriptions';

describe('stream settings from serverless.yml', () => {
  const config = {
    service: 'svc',
    provider: { stage: 'local' },
    params: {},
    resources: { Resources: {} },
    functions: {
      welcome: {
        handler: 'h',
        events: [
          { httpApi: { method: 'GET', path: '/x' } },
          {
            stream: {
              type: 'dynamodb',
              arn: { 'Fn::GetAtt': ['SubscribersTable', 'StreamArn'] },
              batchSize: 25,
              batchWindow: 5,
              filterPatterns: [{ eventName: ['INSERT'] }],
              functionResponseType: 'ReportBatchItemFailures',
              bisectBatchOnFunctionError: true,
              maximumRetryAttempts: 5,
              maximumRecordAgeInSeconds: 3600,
              destinations: { onFailure: { arn: { 'Fn::GetAtt': ['WelcomeFailuresQueue', 'Arn'] }, type: 'sqs' } },
            },
          },
        ],
      },
    },
  } as unknown as ServiceConfig;

  it('reads every setting the poller honours', () => {
    expect(streamSubscriptions(config)).toEqual([
      {
        functionKey: 'welcome',
        tableLogicalId: 'SubscribersTable',
        batchSize: 25,
        batchWindowMs: 5000,
        startingPosition: 'TRIM_HORIZON',
        filterPatterns: [{ eventName: ['INSERT'] }],
        reportBatchItemFailures: true,
        bisectBatchOnFunctionError: true,
        maximumRetryAttempts: 5,
        maximumRecordAgeSeconds: 3600,
        onFailureQueue: 'WelcomeFailuresQueue',
      },
    ]);
  });

  it('refuses a filter operator it cannot honour rather than deliver more than AWS would', () => {
    const numeric = structuredClone(config) as unknown as { functions: { welcome: { events: { stream?: { filterPatterns: unknown } }[] } } };
    numeric.functions.welcome.events[1]!.stream!.filterPatterns = [{ dynamodb: { SizeBytes: [{ numeric: ['>', 1] }] } }];
    expect(() => streamSubscriptions(numeric as unknown as ServiceConfig)).toThrow(/numeric/);
  });
});
