import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

describe('POST /subscriptions handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.resetModules();
  });

  it('refuses an oversized body with 413 before reading it', async () => {
    // Prepare
    process.env.SUBSCRIBERS_TABLE = 'subscribers';
    const { handler } = (await import('../../../../functions/subscribe/handler')) as {
      handler: (event: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
    };

    // Act
    const response = await handler({ body: JSON.stringify({ email: 'a@example.com', name: 'x'.repeat(3000) }), isBase64Encoded: false });

    // Assess
    expect(response.statusCode).toBe(413);
    expect(JSON.parse(response.body!)).toEqual({ error: { code: 'payload_too_large', message: 'Request body exceeds 2048 bytes' } });
  });

  it('refuses malformed JSON with 400 invalid_json', async () => {
    process.env.SUBSCRIBERS_TABLE = 'subscribers';
    const { handler } = (await import('../../../../functions/subscribe/handler')) as {
      handler: (event: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
    };
    const response = await handler({ body: '{"email":', isBase64Encoded: false });
    expect(response.statusCode).toBe(400);
    expect((JSON.parse(response.body!) as { error: { code: string } }).error.code).toBe('invalid_json');
  });
});
