import { groupsOf, me } from '../../functions/me/me';

describe('me', () => {
  it('describes the caller from the verified claims', () => {
    expect(me({ sub: 'u-1', email: 'a@example.com', 'cognito:groups': ['admins'] })).toEqual({
      userId: 'u-1',
      email: 'a@example.com',
      groups: ['admins'],
    });
  });

  it('refuses claims without a subject rather than guessing', () => {
    expect(() => me({ email: 'a@example.com' })).toThrow('verified claims have no sub');
  });

  it.each([
    [['admins', 'editors'], ['admins', 'editors']],
    ['[admins editors]', ['admins', 'editors']], // API Gateway flattens arrays in JWT claims
    ['[admins]', ['admins']],
    [undefined, []],
    ['', []],
  ])('reads cognito:groups %p as %p', (raw, groups) => {
    expect(groupsOf({ 'cognito:groups': raw })).toEqual(groups);
  });
});
