/**
 * An EMF line read as CloudWatch Logs reads it ("Specification: Embedded metric format", CloudWatch user guide): a JSON
 * object with `_aws.Timestamp` and `_aws.CloudWatchMetrics`, whose every metric and dimension is a member of the root,
 * metric values a number or an array of numbers; anything else is an ordinary log line.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { MAX_EMF_BYTES, parseEmf } from '../../../../scripts/local/metrics/emf';
import { powertoolsLines } from '../../../support/metrics/powertools';

const directive = (metrics: string[], dimensions: string[][] = [['service', 'stage']], namespace = 'serverless-blog') => ({
  Namespace: namespace,
  Dimensions: dimensions,
  Metrics: metrics.map((name) => ({ Name: name, Unit: 'Count' })),
});
const emf = (directives: object[], members: object) => JSON.stringify({ _aws: { Timestamp: 1733140000000, CloudWatchMetrics: directives }, service: 'serverless-blog', stage: 'local', ...members });

describe('parseEmf: what Powertools Metrics prints', () => {
  it('reads a metric with the default dimensions, a reason metric and the cold-start metric', () => {
    // Prepare
    const lines = powertoolsLines(
      (metrics) => {
        metrics.captureColdStartMetric();
        metrics.addMetric('WelcomeSent', MetricUnit.Count, 1);
        const refused = metrics.singleMetric();
        refused.addDimension('reason', 'invalid-email');
        refused.addMetric('SubscriptionsRefused', MetricUnit.Count, 1);
      },
      { functionName: 'serverless-blog-local-subscribe' },
    );

    // Act
    const parsed = lines.map(parseEmf);

    // Assess
    expect(lines).toHaveLength(3);
    expect(parsed).toEqual([
      [{ name: 'ColdStart', unit: 'Count', values: [1], dimensions: { service: 'serverless-blog', stage: 'local', function_name: 'serverless-blog-local-subscribe' } }],
      [{ name: 'SubscriptionsRefused', unit: 'Count', values: [1], dimensions: { service: 'serverless-blog', stage: 'local', reason: 'invalid-email' } }],
      [{ name: 'WelcomeSent', unit: 'Count', values: [1], dimensions: { service: 'serverless-blog', stage: 'local' } }],
    ]);
  });

  it('reads a metric added twice in one invocation as an array of values, beside another metric of the same line', () => {
    // Prepare
    const lines = powertoolsLines((metrics) => {
      metrics.addMetric('EventsIngested', MetricUnit.Count, 3);
      metrics.addMetric('EventsIngested', MetricUnit.Count, 2);
      metrics.addMetric('ReportMillis', MetricUnit.Milliseconds, 40);
    });

    // Act
    const [parsed] = lines.map(parseEmf);

    // Assess
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('"EventsIngested":[3,2]');
    expect(parsed).toEqual([
      { name: 'EventsIngested', unit: 'Count', values: [3, 2], dimensions: { service: 'serverless-blog', stage: 'local' } },
      { name: 'ReportMillis', unit: 'Milliseconds', values: [40], dimensions: { service: 'serverless-blog', stage: 'local' } },
    ]);
  });
});

describe('parseEmf: the rest of the specification', () => {
  it('reads several directives, and counts a metric two directives name once', () => {
    // Prepare
    const line = emf(
      [directive(['UploadsSigned', 'ThumbnailsReady']), directive(['UploadsSigned'], [['service']], 'other-namespace')],
      { UploadsSigned: 2, ThumbnailsReady: [1, 1, 1] },
    );

    // Act
    const parsed = parseEmf(line);

    // Assess
    expect(parsed?.map(({ name, values }) => [name, values])).toEqual([['UploadsSigned', [2]], ['ThumbnailsReady', [1, 1, 1]]]);
  });

  it('reads a directive with no dimensions and a metric with no unit', () => {
    const line = JSON.stringify({ _aws: { Timestamp: 1, CloudWatchMetrics: [{ Namespace: 'n', Dimensions: [[]], Metrics: [{ Name: 'Plain' }] }] }, Plain: 4 });
    expect(parseEmf(line)).toEqual([{ name: 'Plain', unit: undefined, values: [4], dimensions: {} }]);
  });

  it.each([
    ['a plain text line', 'START RequestId: 1 Version: $LATEST'],
    ['a Powertools Logger line', '{"level":"INFO","message":"welcome sent","service":"serverless-blog","timestamp":"2026-12-02T14:00:00.000Z"}'],
    ['JSON that mentions _aws in a message', '{"level":"INFO","message":"the \\"_aws\\" member"}'],
    ['malformed JSON', '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"n"'],
    ['JSON with text after it', `${emf([directive(['WelcomeSent'])], { WelcomeSent: 1 })} trailing`],
    ['a JSON array', `[${emf([directive(['WelcomeSent'])], { WelcomeSent: 1 })}]`],
    ['no Timestamp', JSON.stringify({ _aws: { CloudWatchMetrics: [directive(['WelcomeSent'])] }, service: 's', stage: 'l', WelcomeSent: 1 })],
    ['no directive', emf([], { WelcomeSent: 1 })],
    ['a metric that is not a member of the root', emf([directive(['WelcomeSent'])], {})],
    ['a metric value that is a string', emf([directive(['WelcomeSent'])], { WelcomeSent: '1' })],
    ['an empty array of values', emf([directive(['WelcomeSent'])], { WelcomeSent: [] })],
    ['an array with a string in it', emf([directive(['WelcomeSent'])], { WelcomeSent: [1, 'x'] })],
    ['a dimension that is not a member of the root', emf([directive(['WelcomeSent'], [['service', 'reason']])], { WelcomeSent: 1 })],
    ['a dimension value that is a number', emf([directive(['WelcomeSent'], [['service', 'reason']])], { WelcomeSent: 1, reason: 4 })],
    ['a directive without Namespace', emf([{ Dimensions: [['service']], Metrics: [{ Name: 'WelcomeSent' }] }], { WelcomeSent: 1 })],
  ])('%s is not an EMF document', (_what, line) => {
    expect(parseEmf(line)).toBeUndefined();
  });

  it('a document over 1 MB, CloudWatch Logs\' event limit, is not read; one just under it is', () => {
    // Prepare
    const sized = (bytes: number) => {
      const base = emf([directive(['WelcomeSent'])], { WelcomeSent: 1, padding: '' });
      return base.replace('"padding":""', `"padding":"${'x'.repeat(bytes - Buffer.byteLength(base))}"`);
    };
    const [atLimit, over] = [sized(MAX_EMF_BYTES), sized(MAX_EMF_BYTES + 1)];

    // Act + Assess
    expect(Buffer.byteLength(atLimit)).toBe(1_048_576);
    expect(parseEmf(atLimit)?.[0]?.name).toBe('WelcomeSent');
    expect(parseEmf(over)).toBeUndefined();
  });
});
