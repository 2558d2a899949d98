/** The AWS JSON 1.1 endpoint helper, spoken to as the SDK speaks ("AWS JSON 1.1 protocol", Smithy). */
import http from 'node:http';
import { listen, type Listening } from '../../../../scripts/local/common/http-server';
import { jsonEndpoint, ServiceError } from '../../../../scripts/local/common/json-endpoint';

describe('jsonEndpoint', () => {
  let server: Listening;
  const call = (target: string | undefined, body: string, method = 'POST') =>
    fetch(server.url, {
      method,
      headers: { 'content-type': 'application/x-amz-json-1.1', ...(target ? { 'x-amz-target': target } : {}) },
      ...(method === 'POST' ? { body } : {}),
    });

  beforeAll(async () => {
    const endpoint = jsonEndpoint('athena', {
      Echo: (input) => ({ got: input }),
      Missing: () => {
        throw new ServiceError('ResourceNotFoundException', 'no such thing');
      },
      Broken: () => {
        throw new Error('a detail the caller must not see');
      },
    });
    server = await listen(http.createServer(endpoint), '127.0.0.1', 0);
  });
  afterAll(() => server.close());

  it('dispatches on X-Amz-Target to the named operation with the JSON body as input', async () => {
    // Act
    const response = await call('athena.Echo', '{"QueryString":"SELECT 1"}');

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.1');
    expect(await response.json()).toEqual({ got: { QueryString: 'SELECT 1' } });
  });

  it('answers a modelled error with its type in __type and X-Amzn-ErrorType', async () => {
    // Act
    const response = await call('athena.Missing', '{}');

    // Assess
    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await response.json()).toEqual({ __type: 'ResourceNotFoundException', message: 'no such thing' });
  });

  it.each([
    ['an operation it does not emulate', 'athena.StartQueryExecution', '{}', 'POST', 'StartQueryExecution is not emulated'],
    ['no target', undefined, '{}', 'POST', 'request is not emulated'],
    ['a GET', 'athena.Echo', '', 'GET', 'Echo is not emulated'],
    ['a body that is not JSON', 'athena.Echo', 'nope', 'POST', 'body is not JSON'],
    ['a body that is not a JSON object', 'athena.Echo', 'null', 'POST', 'body is not JSON'],
  ])('refuses %s with InvalidRequestException', async (_case, target, body, method, message) => {
    // Act
    const response = await call(target, body, method);

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ __type: 'InvalidRequestException', message });
  });

  it('answers an unexpected failure 500 InternalFailure, without its details', async () => {
    // Act
    const response = await call('athena.Broken', '{}');

    // Assess
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ __type: 'InternalFailure', message: 'the local endpoint failed' });
  });
});
