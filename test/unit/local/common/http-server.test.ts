import http from 'node:http';
import { listen } from '../../../../scripts/local/common/http-server';

describe('listen', () => {
  it('listens on the given address, on a free port for port 0, and says where', async () => {
    // Act
    const server = await listen(http.createServer((_, res) => res.end('ok')), '127.0.0.1', 0);

    // Assess
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await (await fetch(server.url)).text()).toBe('ok');
    await server.close();
  });

  it('close() ends connections still open (an idle keep-alive socket does not hold it)', async () => {
    // Prepare: a request on a keep-alive agent leaves its socket open
    const server = await listen(http.createServer((_, res) => res.end('ok')), '127.0.0.1', 0);
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve) => http.get(server.url, { agent }, (res) => res.resume().on('end', resolve)));

    // Act + Assess
    await expect(server.close()).resolves.toBeUndefined();
    agent.destroy();
  });

  it('fails when the port is taken', async () => {
    // Prepare
    const first = await listen(http.createServer(), '127.0.0.1', 0);

    // Act + Assess
    await expect(listen(http.createServer(), '127.0.0.1', first.port)).rejects.toThrow(/EADDRINUSE/);
    await first.close();
  });
});
