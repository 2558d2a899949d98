import { ipHasher, ipPrefix } from '../../../../functions/analytics-transform/anonymise';

describe('ipPrefix', () => {
  it.each([
    ['203.0.113.45', '203.0.113.0/24'],
    ['10.1.2.3', '10.1.2.0/24'],
    ['::ffff:198.51.100.7', '198.51.100.0/24'],
    ['2001:db8:85a3:1234:5678:8a2e:370:7334', '2001:db8:85a3::/48'],
    ['2001:0DB8:0000:0001::1', '2001:db8::/48'],
    ['::1', '::/48'],
  ])('%s → %s', (ip, prefix) => {
    expect(ipPrefix(ip)).toBe(prefix);
  });
});

describe('ipHasher', () => {
  const key = Buffer.from('a'.repeat(64));

  it('is the same for one address on one day, whatever its notation', () => {
    const hash = ipHasher(key);
    expect(hash('2001:db8::1', '2026-05-04')).toBe(hash('2001:0db8:0:0:0:0:0:0001', '2026-05-04'));
    expect(hash('::ffff:198.51.100.7', '2026-05-04')).toBe(hash('198.51.100.7', '2026-05-04'));
    expect(hash('198.51.100.7', '2026-05-04')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('changes with the day (no reader is followed across days), the address and the key', () => {
    const hash = ipHasher(key);
    const monday = hash('198.51.100.7', '2026-05-04');
    expect(hash('198.51.100.7', '2026-05-05')).not.toBe(monday);
    expect(hash('198.51.100.8', '2026-05-04')).not.toBe(monday);
    expect(ipHasher(Buffer.from('b'.repeat(64)))('198.51.100.7', '2026-05-04')).not.toBe(monday);
  });
});
