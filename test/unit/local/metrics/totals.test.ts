/**
 * The local totals: each EMF line counted per flow of functions/lib/flows.ts → metric (→ reason), shown in the log as
 * one line, and summed up for Ctrl-C and `npm run metrics`. The lines are Powertools Metrics' own.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { offlineLine } from '../../../../scripts/local/metrics';
import { MetricTotals, renderSummary } from '../../../../scripts/local/metrics/totals';
import { powertoolsLines } from '../../../support/metrics/powertools';

const refused = (reason: string) =>
  powertoolsLines((metrics) => {
    const single = metrics.singleMetric();
    single.addDimension('reason', reason);
    single.addMetric('SubscriptionsRefused', MetricUnit.Count, 1);
  });
const coldStart = (functionName: string) => powertoolsLines((metrics) => metrics.captureColdStartMetric(), { functionName });

describe('MetricTotals.record: the log line of an EMF line', () => {
  it('names the flow and function, then each metric and its value', () => {
    // Prepare
    const totals = new MetricTotals();
    const lines = [...coldStart('serverless-blog-local-welcome'), ...powertoolsLines((m) => m.addMetric('WelcomeSent', MetricUnit.Count, 1))];

    // Act
    const shown = lines.map((line) => totals.record(line, 'welcome'));

    // Assess
    expect(shown).toEqual(['metrics  subscriptions/welcome  ColdStart 1', 'metrics  subscriptions/welcome  WelcomeSent 1']);
  });

  it('shows the reason of a reason metric, sums an array, and gives the unit of a metric that is not a count', () => {
    // Prepare
    const totals = new MetricTotals();
    const [reasonLine] = refused('invalid-email');
    const [arrayLine] = powertoolsLines((m) => {
      m.addMetric('EventsIngested', MetricUnit.Count, 3);
      m.addMetric('EventsIngested', MetricUnit.Count, 2);
      m.addMetric('TransformMillis', MetricUnit.Milliseconds, 12.5);
    });

    // Act + Assess
    expect(totals.record(reasonLine!, 'subscribe')).toBe('metrics  subscriptions/subscribe  SubscriptionsRefused 1 (invalid-email)');
    expect(totals.record(arrayLine!, 'events')).toBe('metrics  analytics/events  EventsIngested 5 · TransformMillis 12.5 Milliseconds');
  });

  it('without the function, names the flow of the metrics (or the Lambda function name of a cold start)', () => {
    const totals = new MetricTotals();
    expect(totals.record(powertoolsLines((m) => m.addMetric('ThumbnailsReady', MetricUnit.Count, 1))[0]!)).toBe('metrics  photos  ThumbnailsReady 1');
    expect(totals.record(coldStart('serverless-blog-local-thumbnails')[0]!)).toBe('metrics  other/serverless-blog-local-thumbnails  ColdStart 1');
  });

  it('returns undefined for a line that is not EMF, and counts nothing', () => {
    const totals = new MetricTotals();
    expect(totals.record('{"level":"INFO","message":"hello"}', 'welcome')).toBeUndefined();
    expect(totals.record('{"_aws":{"Timestamp":1,', 'welcome')).toBeUndefined();
    expect(totals.snapshot()).toMatchObject({ documents: 0, flows: {} });
  });
});

describe('MetricTotals.snapshot: totals per flow → metric (→ reason)', () => {
  it('sums each metric in the flow flows.ts names, per reason; ColdStart in its function\'s flow, per function; the rest under other', () => {
    // Prepare
    const totals = new MetricTotals(new Date('2026-12-02T14:00:00.000Z'));
    const fromFunctions: [string, string][] = [
      ...refused('invalid-email').map((line) => [line, 'subscribe'] as [string, string]),
      ...refused('invalid-email').map((line) => [line, 'subscribe'] as [string, string]),
      ...refused('already-subscribed').map((line) => [line, 'subscribe'] as [string, string]),
      ...powertoolsLines((m) => m.addMetric('SubscriptionsAccepted', MetricUnit.Count, 1)).map((line) => [line, 'subscribe'] as [string, string]),
      ...coldStart('serverless-blog-local-subscribe').map((line) => [line, 'subscribe'] as [string, string]),
      ...coldStart('serverless-blog-local-welcome').map((line) => [line, 'welcome'] as [string, string]),
      ...powertoolsLines((m) => m.addMetric('WelcomeSent', MetricUnit.Count, 1)).map((line) => [line, 'welcome'] as [string, string]),
      ...powertoolsLines((m) => m.addMetric('ThumbnailsReady', MetricUnit.Count, 1)).map((line) => [line, 'thumbnails'] as [string, string]),
      ...powertoolsLines((m) => m.addMetric('NotInTheContract', MetricUnit.Count, 2)).map((line) => [line, 'welcome'] as [string, string]),
    ];

    // Act
    for (const [line, fn] of fromFunctions) totals.record(line, fn);
    const snapshot = totals.snapshot();

    // Assess
    expect(snapshot).toEqual({
      stage: 'local',
      since: '2026-12-02T14:00:00.000Z',
      documents: 9,
      flows: {
        subscriptions: {
          title: 'Subscriptions and welcome mail',
          metrics: {
            SubscriptionsAccepted: { total: 1, samples: 1, unit: 'Count', by: {} },
            SubscriptionsRefused: { total: 3, samples: 3, unit: 'Count', by: { 'invalid-email': 2, 'already-subscribed': 1 } },
            WelcomeSent: { total: 1, samples: 1, unit: 'Count', by: {} },
            ColdStart: { total: 2, samples: 2, unit: 'Count', by: { subscribe: 1, welcome: 1 } },
          },
        },
        photos: { title: 'Uploads, thumbnails and my photos', metrics: { ThumbnailsReady: { total: 1, samples: 1, unit: 'Count', by: {} } } },
        other: {
          title: 'Metrics that no flow of functions/lib/flows.ts names',
          metrics: { NotInTheContract: { total: 2, samples: 1, unit: 'Count', by: { welcome: 2 } } },
        },
      },
    });
    expect(Object.keys(snapshot.flows)).toEqual(['subscriptions', 'photos', 'other']);
  });

  it('a snapshot is a copy: later lines do not change one already taken', () => {
    const totals = new MetricTotals();
    const [line] = powertoolsLines((m) => m.addMetric('WelcomeSent', MetricUnit.Count, 1));
    totals.record(line!, 'welcome');
    const before = totals.snapshot();
    totals.record(line!, 'welcome');
    expect(before.flows.subscriptions?.metrics.WelcomeSent?.total).toBe(1);
    expect(totals.snapshot().flows.subscriptions?.metrics.WelcomeSent?.total).toBe(2);
  });
});

describe('renderSummary: what Ctrl-C and `npm run metrics` print', () => {
  it('prints per flow each metric with its total and breakdown, the largest first', () => {
    // Prepare
    const totals = new MetricTotals(new Date('2026-12-02T14:00:00.000Z'));
    for (const reason of ['invalid-email', 'invalid-email', 'already-subscribed']) totals.record(refused(reason)[0]!, 'subscribe');
    totals.record(powertoolsLines((m) => m.addMetric('WelcomeSent', MetricUnit.Count, 1))[0]!, 'welcome');
    totals.record(powertoolsLines((m) => m.addMetric('ReportMillis', MetricUnit.Milliseconds, 10))[0]!, 'reports');
    totals.record(powertoolsLines((m) => m.addMetric('ReportMillis', MetricUnit.Milliseconds, 30))[0]!, 'reports');

    // Act
    const text = renderSummary(totals.snapshot(), new Date('2026-12-02T14:05:00.000Z'));

    // Assess
    expect(text).toBe(
      [
        'Metrics of stage local since 14:00:00 UTC (5 min, 6 EMF lines):',
        '  subscriptions — Subscriptions and welcome mail',
        '    SubscriptionsRefused  3  (invalid-email 2, already-subscribed 1)',
        '    WelcomeSent           1',
        '  other — Metrics that no flow of functions/lib/flows.ts names',
        '    ReportMillis          20 Milliseconds on average of 2  (reports)',
      ].join('\n'),
    );
  });

  it('says so when nothing was counted yet', () => {
    const snapshot = new MetricTotals(new Date('2026-12-02T14:00:00.000Z')).snapshot();
    expect(renderSummary(snapshot, new Date('2026-12-02T14:00:20.000Z'))).toBe('Metrics of stage local since 14:00:00 UTC (0 min, 0 EMF lines): none yet.');
  });
});

describe('offlineLine: a line of serverless-offline\'s output in the log', () => {
  it('renders and counts a line the local Lambda environment marked with its function; leaves any other line as it is', () => {
    // Prepare
    const totals = new MetricTotals();
    const [emf] = powertoolsLines((m) => m.addMetric('UploadsSigned', MetricUnit.Count, 1));
    const others = [
      '(λ: upload-url) {"level":"INFO","message":"signed"}',
      '(λ: upload-url) {"_aws":{"Timestamp":1,"CloudWatchMetrics":[',
      '(λ: subscribe) Error: database is down',
      'GET /health (λ: health)',
      `(λ: upload-url) ${'x'.repeat(1_048_600)}`,
    ];

    // Act
    const shown = [offlineLine(totals, `(λ: upload-url) ${emf}`), offlineLine(totals, emf!), ...others.map((line) => offlineLine(totals, line))];

    // Assess
    expect(shown).toEqual(['metrics  photos/upload-url  UploadsSigned 1', 'metrics  photos  UploadsSigned 1', ...others]);
    expect(totals.snapshot().flows.photos?.metrics.UploadsSigned?.total).toBe(2);
  });
});
