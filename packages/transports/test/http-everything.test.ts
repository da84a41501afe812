import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendConnection } from '../src/index.js';
import { type EverythingServer, startEverythingServer } from './everything-server.js';
import { fastSupervision, nextEvent, textOf } from './helpers.js';

describe('Streamable HTTP backend: server-everything streamableHttp', () => {
  let server: EverythingServer;
  beforeAll(async () => {
    server = await startEverythingServer('streamableHttp');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('uses one persistent session for tools, resources, prompts, progress and parallel calls', async () => {
    await using everything = createBackendConnection(
      'everything-http',
      { transport: 'http', url: server.url },
      { supervision: fastSupervision },
    );
    await everything.connect();
    expect(everything.transport).toBe('http');
    expect(everything.serverInfo?.name).toBe('mcp-servers/everything');
    expect((await everything.listTools()).map((tool) => tool.name)).toContain('echo');
    expect(textOf(await everything.callTool('echo', { message: 'over http' }))).toBe('Echo: over http');
    const [resource] = await everything.listResources();
    if (!resource) throw new Error('no resources');
    expect((await everything.readResource(resource.uri)).contents[0]?.uri).toBe(resource.uri);
    const prompt = await everything.getPrompt('simple-prompt');
    expect(prompt.messages.length).toBeGreaterThan(0);

    const progress: number[] = [];
    const long = await everything.callTool(
      'trigger-long-running-operation',
      { duration: 0.6, steps: 3 },
      { onProgress: (update) => progress.push(update.progress) },
    );
    expect(textOf(long)).toContain('completed');
    expect(progress.slice(0, 2)).toEqual([1, 2]);

    const messages = Array.from({ length: 16 }, (_, index) => `http-${index}`);
    const results = await Promise.all(messages.map((message) => everything.callTool('echo', { message })));
    expect(results.map(textOf)).toEqual(messages.map((message) => `Echo: ${message}`));
    expect(everything.restarts).toBe(0);
  });

  it('delivers server-initiated notifications (log, resource_updated) from the session stream', async () => {
    await using everything = createBackendConnection(
      'everything-http',
      { transport: 'http', url: server.url },
      { supervision: fastSupervision },
    );
    const [resource] = await everything.listResources();
    if (!resource) throw new Error('no resources');
    const log = nextEvent(everything, 'log', (event) => String(event.data).includes('Received Subscribe'));
    await everything.subscribeResource(resource.uri);
    expect((await log).level).toBe('info');
    const updated = nextEvent(everything, 'resource_updated');
    await everything.callTool('toggle-subscriber-updates');
    expect(await updated).toEqual({ backend: 'everything-http', uri: resource.uri });
  });

  it('re-initializes transparently when the server restarted and forgot the session', async () => {
    await using everything = createBackendConnection(
      'everything-http',
      { transport: 'http', url: server.url },
      { supervision: fastSupervision },
    );
    await everything.connect();
    expect(textOf(await everything.callTool('echo', { message: 'before' }))).toBe('Echo: before');
    await server.restart();
    const restart = nextEvent(everything, 'restart');
    expect(textOf(await everything.callTool('echo', { message: 'after' }))).toBe('Echo: after');
    expect((await restart).reason.code).toBe('SESSION_EXPIRED');
    expect(everything.status).toBe('ready');
  });

  it('fails a call with BACKEND_UNAVAILABLE while the server is down, then reconnects with backoff', async () => {
    await using everything = createBackendConnection(
      'everything-http',
      { transport: 'http', url: server.url },
      { supervision: { ...fastSupervision, restart: { initialDelayMs: 100, maxDelayMs: 400 } } },
    );
    await everything.connect();
    await server.crash();
    await expect(everything.callTool('echo', { message: 'down' })).rejects.toMatchObject({
      code: 'BACKEND_UNAVAILABLE',
      category: 'unavailable',
    });
    expect(everything.status).toBe('restarting');
    const ready = nextEvent(everything, 'status', (event) => event.status === 'ready');
    await server.start();
    await ready;
    expect(textOf(await everything.callTool('echo', { message: 'up again' }))).toBe('Echo: up again');
    expect(everything.restarts).toBeGreaterThanOrEqual(1);
  });

  it('health pings notice a dead server without any call and reconnect once it is back', async () => {
    await using everything = createBackendConnection(
      'everything-http',
      { transport: 'http', url: server.url },
      {
        supervision: {
          ...fastSupervision,
          health: { pingIntervalMs: 100, pingTimeoutMs: 1_000, failuresBeforeRestart: 1 },
          restart: { initialDelayMs: 100, maxDelayMs: 300 },
        },
      },
    );
    await everything.connect();
    const healthy = await nextEvent(everything, 'health', (event) => event.ok);
    expect(healthy.latencyMs).toBeGreaterThanOrEqual(0);
    const failedPing = nextEvent(everything, 'health', (event) => !event.ok);
    const restarting = nextEvent(everything, 'status', (event) => event.status === 'restarting');
    await server.crash();
    expect((await failedPing).error?.category).toBe('unavailable');
    await restarting;
    const ready = nextEvent(everything, 'status', (event) => event.status === 'ready');
    await server.start();
    await ready;
    expect(textOf(await everything.callTool('echo', { message: 'pinged back' }))).toBe('Echo: pinged back');
  });
});
