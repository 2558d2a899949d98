/** The user pool's Lambda triggers as cognito-local's TriggerFunctions. */
import { triggerFunctions } from '../../../../scripts/local/cognito/preload';
import type { ServiceConfig } from '../../../../scripts/local/service-config';

describe('cognito-local trigger wiring', () => {
  const config = {
    service: 'serverless-blog',
    provider: { stage: 'local' },
    functions: { registration: { handler: 'x' }, 'sign-up_hook': { handler: 'y' } },
  } as unknown as ServiceConfig;

  it("maps the pool's LambdaConfig to the functions' local names", () => {
    expect(triggerFunctions(config, {
      PostConfirmation: { 'Fn::GetAtt': ['RegistrationLambdaFunction', 'Arn'] },
      PreSignUp: { 'Fn::GetAtt': 'SignDashupUnderscorehookLambdaFunction.Arn' },
    })).toEqual({ PostConfirmation: 'serverless-blog-local-registration', PreSignUp: 'serverless-blog-local-sign-up_hook' });
  });

  it('fails loudly for a trigger that names no function', () => {
    expect(() => triggerFunctions(config, { PostConfirmation: 'arn:aws:lambda:…:function:elsewhere' })).toThrow(/names no function/);
  });
});
