/**
 * A service endpoint of the AWS JSON protocol, as the SDK clients speak it to Secrets Manager, Athena, Firehose…
 * ("AWS JSON 1.1 protocol", Smithy protocol specifications): a POST whose `X-Amz-Target: <prefix>.<Operation>` names
 * the operation and whose body is its input as a JSON object; the answer is `application/x-amz-json-1.1`, and an error
 * carries its type in `__type` and `X-Amzn-ErrorType` with a `message`, which is how the SDK picks the exception class.
 * A stand-in names the operations it emulates; any other is refused, never guessed at.
 */
import type http from 'node:http';

/** A modelled error of the service: the SDK throws the exception class of that name (e.g. ResourceNotFoundException). */
export class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export type Operation = (input: Record<string, unknown>) => unknown;

export function jsonEndpoint(targetPrefix: string, operations: Record<string, Operation>): http.RequestListener {
  const reply = (res: http.ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...(errorType ? { 'x-amzn-errortype': errorType } : {}) });
    res.end(JSON.stringify(body));
  };
  const fail = (res: http.ServerResponse, error: ServiceError) =>
    reply(res, error.status, { __type: error.type, message: error.message }, error.type);

  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const name = target.startsWith(`${targetPrefix}.`) ? target.slice(targetPrefix.length + 1) : target;
      const operation = Object.hasOwn(operations, name) ? operations[name] : undefined;
      if (req.method !== 'POST' || !operation) {
        return fail(res, new ServiceError('InvalidRequestException', `${name || 'request'} is not emulated`));
      }
      let input: unknown;
      try {
        input = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        input = undefined;
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) {
        return fail(res, new ServiceError('InvalidRequestException', 'body is not JSON'));
      }
      void (async () => operation(input as Record<string, unknown>))().then(
        (output) => reply(res, 200, output ?? {}),
        (error: unknown) =>
          fail(res, error instanceof ServiceError ? error : new ServiceError('InternalFailure', 'the local endpoint failed', 500)),
      );
    });
  };
}
