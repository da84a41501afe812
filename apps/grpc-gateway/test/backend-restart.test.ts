// A stdio backend killed in the middle of a call: UNAVAILABLE with a clear message, restart, no orphan.
import { status } from '@grpc/grpc-js';
import { isAlive, waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { checkHealth, collect, probeBackend, startTestGateway, statusOf } from './fixtures/gateway-fixture.js';

const textOf = (events: Awaited<ReturnType<typeof collect>>) =>
  events.flatMap((event) => {
    const value = (event as { event?: { $case: string; value: { part?: { $case: string; value: { text: string } } } } })
      .event;
    return value?.$case === 'content' && value.value.part?.$case === 'text' ? [value.value.part.value.text] : [];
  })[0];

describe('backend crash', () => {
  it('kill -9 mid-call -> UNAVAILABLE naming the backend; it restarts, the next call works, no orphan process', async () => {
    await using running = await startTestGateway({
      backends: { probe: { ...probeBackend(), supervision: { restart: { initialDelayMs: 50, maxDelayMs: 500 } } } },
    });
    const connection = running.gateway.catalog.connection('probe')!;
    const firstPid = Number(textOf(await collect(running.client.callTool('probe.pid', {}))));
    expect(firstPid).toBe(connection.pid);

    const call = collect(running.client.callTool('probe.wait', {}));
    await waitFor(() => connection.status === 'ready' && firstPid > 0, { what: 'the call to start' });
    // Give the request time to reach the backend before it dies.
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(firstPid, 'SIGKILL');

    const failure = await statusOf(call);
    expect(failure.code).toBe(status.UNAVAILABLE);
    expect(failure.details).toContain('Backend "probe" failed during "probe.wait"');

    await waitFor(() => connection.status === 'ready' && connection.pid !== firstPid, {
      what: 'the backend to restart',
      timeoutMs: 20_000,
    });
    const secondPid = Number(textOf(await collect(running.client.callTool('probe.pid', {}))));
    expect(secondPid).not.toBe(firstPid);
    expect(isAlive(firstPid)).toBe(false);

    await running[Symbol.asyncDispose]();
    await waitFor(() => !isAlive(secondPid), { what: 'the backend process to exit at shutdown' });
  });

  it('a backend that cannot start: health NOT_SERVING (gateway and backend), native tools still served', async () => {
    await using running = await startTestGateway({
      backends: {
        broken: {
          transport: 'stdio',
          command: process.execPath,
          args: ['/nonexistent/mcs-no-such-server.mjs'],
          supervision: { restart: { initialDelayMs: 1_000, maxDelayMs: 5_000 }, connectTimeoutMs: 5_000 },
        },
      },
    });
    const address = `127.0.0.1:${running.gateway.port}`;
    expect(await checkHealth(address, '')).toBe('NOT_SERVING');
    expect(await checkHealth(address, 'mcs.v1.ContextGateway/broken')).toBe('NOT_SERVING');
    expect((await collect(running.client.callTool('native.echo', { message: 'ok' }))).at(-1)?.event?.$case).toBe(
      'result',
    );
  });
});
