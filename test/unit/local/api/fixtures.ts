/** What the API front's tests share: the routes of serverless.yml, a backend that records, raw requests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiRoute } from '../../../../scripts/local/api/routes';

export const cognito = { name: 'cognito', scopes: [] };
/** The routes of serverless.yml (the template tests hold them to the packaged API). */
export const ROUTES: ApiRoute[] = [
  { method: 'GET', path: '/health' },
  { method: 'PUT', path: '/users/{userId}/plan', authorizer: cognito },
  { method: 'POST', path: '/premium/url', authorizer: cognito },
  { method: 'POST', path: '/premium/cookies', authorizer: cognito },
  { method: 'GET', path: '/me', authorizer: cognito },
  { method: 'POST', path: '/subscriptions' },
  { method: 'DELETE', path: '/subscriptions/{token}' },
  { method: 'GET', path: '/subscriptions/{token}/unsubscribe' },
  { method: 'POST', path: '/subscriptions/{token}/unsubscribe' },
  { method: 'POST', path: '/uploads', authorizer: cognito },
];

/** A stand-in for serverless-offline that records what reaches it. */
export async function startBackend() {
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; remoteAddress?: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, remoteAddress: req.socket.remoteAddress, body: Buffer.concat(chunks).toString() });
      res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': 'http://evil.example' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** node:http, so that the test chooses the method, raw path, headers and source address exactly. */
export function request(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string>; localAddress?: string; body?: string },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers, localAddress: options.localAddress, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}
