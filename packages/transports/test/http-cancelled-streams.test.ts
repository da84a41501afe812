import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendConnection } from '../src/index.js';
import { closeCancelledRequestStreams, trackedRequestStreams } from '../src/internal/cancelled-request-streams.js';
import { type EverythingServer, startEverythingServer } from './everything-server.js';
import { fastSupervision } from './helpers.js';

/** Open TCP sockets of this process (the server runs in a child process, so these are client sockets). */
const openSockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

describe('Streamable HTTP backend: a cancelled call closes its POST stream', () => {
  let server: EverythingServer;
  beforeAll(async () => {
    server = await startEverythingServer('streamableHttp');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('leaves no stream open per cancelled call (the server never answers a cancelled request)', async () => {
    await using everything = createBackendConnection(
      'everything-http',
      { transport: 'http', url: server.url },
      { supervision: fastSupervision },
    );
    await everything.connect();
    const before = openSockets();
    const calls = 12;
    for (let index = 0; index < calls; index += 1) {
      const controller = new AbortController();
      const call = everything.callTool(
        'trigger-long-running-operation',
        { duration: 30, steps: 30 },
        {
          signal: controller.signal,
        },
      );
      setTimeout(() => controller.abort(), 100);
      await expect(call).rejects.toBeDefined();
    }
    // Before the fix every cancelled call kept its POST's SSE response (and socket) open: +12 here.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(openSockets() - before).toBeLessThanOrEqual(2);
    // The session still works, on a stream of its own.
    const result = await everything.callTool('echo', { message: 'after cancels' });
    expect(JSON.stringify(result)).toContain('after cancels');
  });

  it('tracks only the requests in flight: answered and cancelled ones leave the registry', async () => {
    const transport = closeCancelledRequestStreams(new StreamableHTTPClientTransport(new URL(server.url)));
    const client = new Client({ name: 'registry-check', version: '1.0.0' });
    await client.connect(transport);
    try {
      const answered = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          client.callTool({ name: 'echo', arguments: { message: `m${index}` } }),
        ),
      );
      expect(answered).toHaveLength(20);
      for (let index = 0; index < 5; index += 1) {
        const controller = new AbortController();
        const call = client.callTool(
          { name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 30 } },
          { signal: controller.signal },
        );
        setTimeout(() => controller.abort(), 50);
        await expect(call).rejects.toBeDefined();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(trackedRequestStreams(transport)).toBe(0);
    } finally {
      await client.close();
    }
  });
});
