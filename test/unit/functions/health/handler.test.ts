import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

describe('GET /health handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    jest.resetModules();
  });

  it('answers 200 with the stage and version from its configuration', async () => {
    // Prepare
    process.env.STAGE = 'dev';
    process.env.SERVICE_VERSION = '1.2.3';
    const { handler } = (await import('../../../../functions/health/handler')) as {
      handler: () => Promise<APIGatewayProxyStructuredResultV2>;
    };

    // Act
    const response = await handler();

    // Assess
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body!)).toEqual({ status: 'ok', stage: 'dev', version: '1.2.3' });
  });

  it('fails at cold start, naming the variable, when the stage is not configured', async () => {
    // Prepare
    delete process.env.STAGE;
    process.env.SERVICE_VERSION = '1.2.3';

    // Act / Assess
    await expect(import('../../../../functions/health/handler')).rejects.toThrow('STAGE environment variable is not set');
  });
});
