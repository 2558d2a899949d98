import { me } from '../../../../functions/me/me';
import { refusal } from '../../../support/errors';

describe('me', () => {
  it('describes the caller from the verified claims', () => {
    expect(me({ sub: 'u-1', email: 'a@example.com', 'cognito:groups': ['admins'] })).toEqual({
      userId: 'u-1',
      email: 'a@example.com',
      groups: ['admins'],
    });
  });

  it.each([{ email: 'a@example.com' }, { sub: '' }, { sub: 42 }])('refuses claims %p without a subject with 401, not a 500', (claims) => {
    expect(refusal(() => me(claims))).toEqual({ statusCode: 401, code: 'unauthorized' });
  });

  it('reads the groups API Gateway flattened into a string', () => {
    expect(me({ sub: 'u-1', 'cognito:groups': '[admins editors]' }).groups).toEqual(['admins', 'editors']);
  });
});
