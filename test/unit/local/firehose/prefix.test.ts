/**
 * Prefix expressions as "Understand custom prefixes for Amazon S3 objects" (Amazon Data Firehose Developer Guide)
 * describes them: timestamp (Java DateTimeFormatter, UTC, the oldest record's arrival), firehose:error-output-type and
 * random-string, partitionKeyFromLambda; and the rules Firehose checks when the stream is created.
 */
import {
  defaultErrorPrefix,
  defaultPrefix,
  evaluatePrefix,
  formatUtc,
  MissingPartitionKey,
  parsePrefix,
} from '../../../../scripts/local/firehose/prefix';

const where = 'Test';
// 2024-05-01T23:59:58.500Z: the last seconds of a day, so a wrong time zone or field shows.
const oldest = Date.UTC(2024, 4, 1, 23, 59, 58, 500);

describe('Firehose prefixes', () => {
  it('evaluates the analytics prefix from the partition keys the function returned', () => {
    // Prepare
    const prefix = parsePrefix('events/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/', 'prefix', { dynamicPartitioning: true, where });

    // Act
    const key = evaluatePrefix(prefix, { oldestArrivalMs: oldest, partitionKeys: { dt: '2024-05-02', hour: '07' } });

    // Assess
    expect(key).toBe('events/dt=2024-05-02/hour=07/');
    expect(prefix.partitionKeys).toEqual(['dt', 'hour']);
  });

  it('evaluates the error prefix with the error output type and the oldest record’s arrival time, in UTC', () => {
    // Prepare
    const prefix = parsePrefix('errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/', 'error-prefix', {
      dynamicPartitioning: true,
      where,
    });

    // Act
    const key = evaluatePrefix(prefix, { oldestArrivalMs: oldest, errorOutputType: 'processing-failed' });

    // Assess
    expect(key).toBe('errors/processing-failed/dt=2024-05-01/hour=23/');
  });

  it('uses Firehose’s defaults without prefixes: yyyy/MM/dd/HH/, errors under their type', () => {
    expect(evaluatePrefix(defaultPrefix(where), { oldestArrivalMs: oldest })).toBe('2024/05/01/23/');
    expect(evaluatePrefix(defaultErrorPrefix(where), { oldestArrivalMs: oldest, errorOutputType: 'format-conversion-failed' })).toBe(
      'format-conversion-failed/2024/05/01/23/',
    );
  });

  it('formats the pattern letters and quoted text of a DateTimeFormatter pattern', () => {
    expect(formatUtc('yyyy-MM-dd-HH-mm-ss', oldest)).toBe('2024-05-01-23-59-58');
    expect(formatUtc("yy'y'M/d H:m:s", Date.UTC(2009, 0, 2, 3, 4, 5))).toBe('09y1/2 3:4:5');
  });

  it('gives !{firehose:random-string} eleven characters, new for each object', () => {
    // Prepare
    const prefix = parsePrefix('r/!{firehose:random-string}/', 'prefix', { dynamicPartitioning: false, where });

    // Act
    const [a, b] = [evaluatePrefix(prefix, { oldestArrivalMs: oldest }), evaluatePrefix(prefix, { oldestArrivalMs: oldest })];

    // Assess
    expect(a).toMatch(/^r\/[A-Za-z0-9]{11}\/$/);
    expect(a).not.toBe(b);
  });

  it('throws MissingPartitionKey for a key the record did not bring, or brought empty', () => {
    // Prepare
    const prefix = parsePrefix('events/dt=!{partitionKeyFromLambda:dt}/hour=!{partitionKeyFromLambda:hour}/', 'prefix', { dynamicPartitioning: true, where });

    // Act, Assess
    expect(() => evaluatePrefix(prefix, { oldestArrivalMs: oldest, partitionKeys: { dt: '2024-05-01' } })).toThrow(MissingPartitionKey);
    expect(() => evaluatePrefix(prefix, { oldestArrivalMs: oldest, partitionKeys: { dt: '2024-05-01', hour: '' } })).toThrow(/hour/);
  });

  it.each([
    ['error-output-type in the prefix', 'x/!{firehose:error-output-type}/', 'prefix', true, /error output prefix only/],
    ['partition keys in the error prefix', 'e/!{firehose:error-output-type}/!{partitionKeyFromLambda:dt}/', 'error-prefix', true, /prefix only/],
    ['partition keys without dynamic partitioning', 'e/!{partitionKeyFromLambda:dt}/', 'prefix', false, /needs dynamic partitioning/],
    ['dynamic partitioning with no key in the prefix', 'events/!{timestamp:yyyy}/', 'prefix', true, /must use a partition key/],
    ['jq keys', 'e/!{partitionKeyFromQuery:dt}/', 'prefix', true, /cannot evaluate/],
    ['an unknown namespace', 'e/!{random:x}/', 'prefix', false, /cannot evaluate/],
    ['a week-based year (YYYY)', 'e/!{timestamp:YYYY}/', 'prefix', false, /"YYYY"/],
    ['an unterminated expression', 'e/!{timestamp:yyyy/', 'prefix', false, /unterminated/],
  ] as const)('refuses %s', (_, source, kind, dynamicPartitioning, message) => {
    expect(() => parsePrefix(source, kind, { dynamicPartitioning, where })).toThrow(message);
  });
});
