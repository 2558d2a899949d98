import { boolEnv, ConfigError, intEnv, optionalEnv, requireEnv } from '../../../../functions/lib/env';

describe('env', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('requireEnv returns the value and fails loudly, naming the variable, when it is missing or blank', () => {
    process.env.SOME_TABLE = 'subscribers';
    process.env.BLANK = '  ';
    delete process.env.MISSING;

    expect(requireEnv('SOME_TABLE')).toBe('subscribers');
    expect(() => requireEnv('MISSING')).toThrow(new ConfigError('MISSING environment variable is not set'));
    expect(() => requireEnv('BLANK')).toThrow(ConfigError);
  });

  it('optionalEnv falls back only when unset or blank', () => {
    process.env.SET = 'x';
    delete process.env.UNSET;
    expect(optionalEnv('SET', 'y')).toBe('x');
    expect(optionalEnv('UNSET', 'y')).toBe('y');
  });

  it('intEnv parses integers inside bounds and rejects the rest', () => {
    process.env.N = '300';
    expect(intEnv('N', 5, { min: 1, max: 3600 })).toBe(300);
    process.env.N = '0';
    expect(() => intEnv('N', 5, { min: 1, max: 3600 })).toThrow(/N must be an integer from 1 to 3600/);
    process.env.N = '1.5';
    expect(() => intEnv('N', 5, { min: 1, max: 3600 })).toThrow(ConfigError);
    delete process.env.N;
    expect(intEnv('N', 5, { min: 1, max: 3600 })).toBe(5);
  });

  it('boolEnv accepts only true/false', () => {
    process.env.B = 'true';
    expect(boolEnv('B', false)).toBe(true);
    process.env.B = 'yes';
    expect(() => boolEnv('B', false)).toThrow(ConfigError);
  });
});
