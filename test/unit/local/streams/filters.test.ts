import { matchesPattern, passesFilters } from '../../../../scripts/local/streams/filters';
import { streamRecord, subscriberItem } from '../../../support/subscriptions';

describe('filter patterns', () => {
  it('passes INSERTs only with { eventName: [INSERT] }', () => {
    const patterns = [{ eventName: ['INSERT'] }];
    expect(passesFilters(patterns, streamRecord(subscriberItem(1), 'INSERT'))).toBe(true);
    expect(passesFilters(patterns, streamRecord(subscriberItem(1), 'MODIFY'))).toBe(false);
    expect(passesFilters(patterns, streamRecord(subscriberItem(1), 'REMOVE'))).toBe(false);
    expect(passesFilters([], streamRecord(subscriberItem(1), 'REMOVE'))).toBe(true);
  });

  it('matches nested keys (AND), choices (OR), prefix, exists and anything-but', () => {
    const record = streamRecord(subscriberItem(1), 'INSERT');
    expect(matchesPattern({ dynamodb: { NewImage: { email: { S: [{ prefix: 'reader1@' }] } } } }, record)).toBe(true);
    expect(matchesPattern({ dynamodb: { NewImage: { name: { S: [{ exists: false }] } } } }, record)).toBe(true);
    expect(matchesPattern({ eventName: [{ 'anything-but': ['REMOVE'] }], awsRegion: ['eu-west-1'] }, record)).toBe(false);
    expect(matchesPattern({ eventName: ['MODIFY', 'INSERT'] }, record)).toBe(true);
  });
});
