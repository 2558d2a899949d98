/**
 * A stand-in for serverless-offline's Lambda API ("Invoke", AWS Lambda API Reference: POST
 * /2015-03-31/functions/<name>/invocations): the function's answer comes from `handler`; a thrown error is a
 * function error (X-Amz-Function-Error: Unhandled, its errorMessage as the payload), as Lambda answers one. Every
 * invocation is recorded with the time it arrived.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import http from 'node:http';
import { listen } from '../../scripts/local/common/http-server';
import { localClientConfig } from '../../scripts/local/ports';

export interface Invocation {
  functionName: string;
  invocationType: string;
  event: unknown;
  at: number;
}

export interface FakeLambda {
  url: string;
  /** A client as the stand-ins make theirs: one attempt per Invoke. */
  client: LambdaClient;
  invocations: Invocation[];
  close(): Promise<void>;
}

export async function startFakeLambda(handler: (event: unknown, functionName: string) => unknown): Promise<FakeLambda> {
  const invocations: Invocation[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) {
        res.writeHead(404).end();
        return;
      }
      const functionName = decodeURIComponent(match[1]!);
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      invocations.push({ functionName, invocationType: String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse'), event, at: Date.now() });
      void (async () => handler(event, functionName))().then(
        (result) => res.writeHead(200, { 'content-type': 'application/json' }).end(result === undefined ? '' : JSON.stringify(result)),
        (error: unknown) =>
          res
            .writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' })
            .end(JSON.stringify({ errorType: 'Error', errorMessage: (error as Error).message })),
      );
    });
  });
  const { url, close } = await listen(server, '127.0.0.1', 0);
  const client = new LambdaClient({ ...localClientConfig(url), maxAttempts: 1 });
  return {
    url,
    client,
    invocations,
    async close() {
      client.destroy();
      await close();
    },
  };
}
