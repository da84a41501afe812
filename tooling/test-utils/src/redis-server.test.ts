import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from './redis-server.js';

function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().trim());
    });
    socket.once('error', reject);
  });
}

describe('startRedisServer', () => {
  it('starts a real redis-server that answers, and stops it', async () => {
    const server = await startRedisServer();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await ping(server.port)).toBe('+PONG');
    await server.stop();
    await expect(ping(server.port)).rejects.toThrow();
  });

  it("does not take another process's server on its port for its own", async () => {
    await using first = await startRedisServer();
    // The second redis-server cannot bind; the first one answering on the port must not count as ready.
    await expect(startRedisServer({ port: first.port })).rejects.toThrow(/Address already in use/);
    expect(await ping(first.port)).toBe('+PONG');
  });
});
