// A Streamable HTTP backend: server-everything in its `streamableHttp` mode on a free loopback port.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { getFreePort, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, everythingBackend, type RunningGateway, startTestGateway } from './fixtures/gateway-fixture.js';

let server: ChildProcess;
let running: RunningGateway;

beforeAll(async () => {
  const port = await getFreePort();
  server = spawn(everythingBackend.command, [everythingBackend.args[0]!, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}/mcp`;
  await waitFor(async () => (await fetch(url, { method: 'GET' }).catch(() => undefined)) !== undefined, {
    what: 'server-everything to listen',
    timeoutMs: 20_000,
  });
  running = await startTestGateway({ backends: { remote: { transport: 'http', url } } });
});

afterAll(async () => {
  await running?.[Symbol.asyncDispose]();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
});

describe('Streamable HTTP backend', () => {
  it('lists its tools namespaced and calls one', async () => {
    const { tools } = await running.client.listTools('remote');
    expect(tools.map((tool) => tool.name)).toContain('remote.echo');
    const events = await collect(running.client.callTool('remote.echo', { message: 'over http' }));
    expect(events[0]?.event).toMatchObject({
      $case: 'content',
      value: { part: { $case: 'text', value: { text: 'Echo: over http' } } },
    });
    expect(events.at(-1)?.event?.$case).toBe('result');
  });

  it('streams progress from the HTTP backend', async () => {
    const events = await collect(
      running.client.callTool('remote.trigger-long-running-operation', { duration: 0.6, steps: 3 }),
    );
    expect(events.some((event) => event.event?.$case === 'progress')).toBe(true);
    expect(events.at(-1)?.event?.$case).toBe('result');
  });
});
