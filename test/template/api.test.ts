import { Template } from './template';

describe('HTTP API authorization (prod template)', () => {
  const template = Template.load();

  it('has one JWT authorizer that trusts exactly this stage user pool and web client', () => {
    // Act
    const authorizers = template.resourcesOfType('AWS::ApiGatewayV2::Authorizer');

    // Assess
    expect(authorizers).toHaveLength(1);
    const props = authorizers[0]![1].Properties!;
    expect(props.AuthorizerType).toBe('JWT');
    expect(props.IdentitySource).toEqual(['$request.header.Authorization']);
    expect(props.JwtConfiguration).toEqual({
      Audience: [{ Ref: 'UserPoolWebClient' }],
      Issuer: { 'Fn::Sub': 'https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}' },
    });
  });

  it('guards GET /me with it and leaves only the public routes open', () => {
    // Act
    const routes = template.resourcesOfType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!);
    const open = routes.filter((r) => r.AuthorizationType !== 'JWT').map((r) => r.RouteKey);
    const me = routes.find((r) => r.RouteKey === 'GET /me');

    // Assess
    // Public by design: the liveness probe, the reader sign-up, the unsubscribe routes whose credential is the token in
    // the path (opened from a mail, by readers who have no account), and the analytics beacon of every reader.
    expect(open.sort()).toEqual(
      [
        'GET /health',
        'POST /subscriptions',
        'DELETE /subscriptions/{token}',
        'GET /subscriptions/{token}/unsubscribe',
        'POST /subscriptions/{token}/unsubscribe',
        'POST /events',
      ].sort(),
    );
    expect(me).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: 'HttpApiAuthorizerCognito' } });
  });
});
