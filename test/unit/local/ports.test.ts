import { localPorts } from '../../../scripts/local/ports';

describe('localPorts: every port of the stack moves with one offset', () => {
  it('gives the ports the README names at offset 0, and each one offset by as much', () => {
    // Act
    const [base, moved] = [localPorts(0), localPorts(100)];

    // Assess
    expect(base).toEqual({ dynamodb: 8000, s3: 4569, cognito: 9229, ses: 8005, api: 3000, apiBackend: 3003, lambda: 3002, edge: 8080, messaging: 4566, secrets: 4584, kinesis: 4567, kinesisTls: 4568, athena: 4585, schedules: 4586, cloudfront: 4587, metrics: 4588 });
    for (const [name, port] of Object.entries(base)) expect(moved[name as keyof typeof moved]).toBe(port + 100);
  });

  it.each([-1, 1.5, 10_001])('refuses offset %p', (offset) => {
    expect(() => localPorts(offset)).toThrow(/LOCAL_PORT_OFFSET must be an integer from 0 to 10000/);
  });

  it('refuses an offset that puts a port on a port browsers and fetch refuse (6000 for the API at 3000)', () => {
    expect(() => localPorts(3000)).toThrow(/puts api on port 6000/);
  });
});
