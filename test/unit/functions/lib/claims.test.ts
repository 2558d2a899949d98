/** The claims every JWT route reads: who the caller is, and their groups in both forms the authorizer passes them. */
import { groupsOf, subjectOf } from '../../../../functions/lib/claims';
import { refusal } from '../../../support/errors';

describe('subjectOf', () => {
  it('is the token\'s sub', () => {
    expect(subjectOf({ sub: '0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11', email: 'a@example.com' })).toBe('0b5c9a1e-7f1d-4c6e-9a51-3c2f0e8d4b11');
  });

  it.each([{ email: 'a@example.com' }, { sub: '' }, { sub: 42 }, { sub: ['u-1'] }, {}])(
    'refuses claims %p without a subject with 401 unauthorized',
    (claims) => {
      expect(refusal(() => subjectOf(claims))).toEqual({ statusCode: 401, code: 'unauthorized' });
    },
  );
});

describe('groupsOf', () => {
  // Arrays: serverless-offline passes the token's own claim. Strings: API Gateway flattens arrays in JWT claims,
  // "[a b]" (what the admin route met), and a comma-separated form is read alike.
  it.each([
    [['admins', 'editors'], ['admins', 'editors']],
    [['admins', 42, null, ''], ['admins']],
    ['[admins editors]', ['admins', 'editors']],
    ['[readers admins]', ['readers', 'admins']],
    ['[admins]', ['admins']],
    ['[a b]', ['a', 'b']],
    ['a,b', ['a', 'b']],
    ['[a, b]', ['a', 'b']],
    ['admins', ['admins']],
    ['[]', []],
    ['', []],
    [undefined, []],
    [42, []],
  ])('reads cognito:groups %p as %p', (raw, groups) => {
    expect(groupsOf({ 'cognito:groups': raw })).toEqual(groups);
  });
});
