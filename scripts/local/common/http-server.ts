/**
 * Listening and closing, as every HTTP stand-in of the stack does it: on one address (the stack's is loopback), port 0
 * for a free one. close() also ends the connections still open: an idle keep-alive socket would hold it otherwise.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  url: string;
  /** The port it listens on (the one the system chose, for port 0). */
  port: number;
  readonly close: () => Promise<void>;
}

export async function listen(server: http.Server, host: string, port: number): Promise<Listening> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
