// The MCP client pool over real backends: server-everything over stdio, Streamable HTTP and legacy
// HTTP+SSE, and the built grpc-gateway (server-everything behind it) over gRPC.
import { waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMcpClientPool, type McpClientPool, ProviderError } from '../src/index.js';
import { type ChildServer, everythingStdio, startEverythingHttp, startGateway } from './fixtures/backends.js';

let http: ChildServer & { url: string };
let sse: ChildServer & { url: string };
let gateway: ChildServer & { address: string };
let pool: McpClientPool;

beforeAll(async () => {
  // One after the other: if the second fails, afterAll still stops the first.
  http = await startEverythingHttp();
  sse = await startEverythingHttp('sse');
  gateway = await startGateway();
  pool = createMcpClientPool({
    backends: {
      local: everythingStdio(),
      remote: { transport: 'http', url: http.url },
      legacy: { transport: 'sse', url: sse.url },
      gw: { transport: 'grpc', address: gateway.address, gatewayBackend: 'everything' },
    },
  });
  const { failed } = await pool.connect();
  expect(failed).toEqual([]);
  // The gateway accepts connections before its own backend is up: wait (bounded) for its catalog.
  await waitFor(async () => (await pool.listTools()).some((tool) => tool.name === 'gw.everything.echo'), {
    timeoutMs: 20_000,
    what: 'the gateway catalog',
  });
}, 60_000);

afterAll(async () => {
  await pool?.close();
  await Promise.all([http?.stop(), sse?.stop(), gateway?.stop()]);
});

describe('catalog', () => {
  it('lists every backend tool as <backend>.<tool>, over stdio, Streamable HTTP, SSE and gRPC', async () => {
    const tools = await pool.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining(['local.echo', 'remote.echo', 'legacy.echo', 'gw.everything.echo']));
    const echo = tools.find((tool) => tool.name === 'gw.everything.echo')!;
    expect(echo).toMatchObject({ backend: 'gw', backendToolName: 'everything.echo' });
    expect(echo.inputSchema).toMatchObject({ type: 'object', required: ['message'] });
    expect(pool.statuses().map(({ backend, status }) => [backend, status])).toEqual([
      ['local', 'ready'],
      ['remote', 'ready'],
      ['legacy', 'ready'],
      ['gw', 'ready'],
    ]);
  });
});

describe('calls', () => {
  it.each(['local.echo', 'remote.echo', 'legacy.echo', 'gw.everything.echo'])(
    '%s returns parsed content parts',
    async (name) => {
      const result = await pool.callTool(name, { message: `hi from ${name}` });
      expect(result.isError).toBe(false);
      expect(result.parts).toEqual([expect.objectContaining({ type: 'text', text: `Echo: hi from ${name}` })]);
    },
  );

  it('returns structured content and images as typed parts (stdio and gRPC agree)', async () => {
    const [local, gw] = await Promise.all([
      pool.callTool('local.get-tiny-image'),
      pool.callTool('gw.everything.get-tiny-image'),
    ]);
    const image = (parts: typeof local.parts) => parts.find((part) => part.type === 'image');
    expect(image(local.parts)).toMatchObject({ type: 'image', mimeType: 'image/png' });
    expect(image(gw.parts)).toEqual(image(local.parts));
  });

  it('reads resources and renders prompts through each transport', async () => {
    for (const backend of ['local', 'remote', 'legacy', 'gw']) {
      const read = await pool.readResource('demo://resource/dynamic/text/1', { backend });
      expect(read.backend).toBe(backend);
      expect(read.parts[0]).toMatchObject({ type: 'resource', encoding: 'text' });
    }
    const prompt = await pool.getPrompt('local.simple-prompt');
    expect(prompt.messages.length).toBeGreaterThan(0);
    const viaGateway = await pool.getPrompt('gw.everything.simple-prompt');
    expect(viaGateway.messages.length).toBe(prompt.messages.length);
  });

  it('names the backends when a tool name does not resolve', async () => {
    const error = await pool.callTool('nowhere.echo', { message: 'x' }).catch((thrown: unknown) => thrown);
    expect(ProviderError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'UNKNOWN_BACKEND', category: 'not_found' });
    expect((error as Error).message).toContain('local, remote, legacy, gw');
  });

  it('passes a tool error back as an isError result, not an exception', async () => {
    const result = await pool.callTool('local.get-sum', { a: 'not a number', b: 1 });
    expect(result.isError).toBe(true);
    expect(result.errorMessage).toBeTruthy();
  });

  it.each(['local', 'gw'])('aborting cancels a running call on %s', async (backend) => {
    const controller = new AbortController();
    const name =
      backend === 'gw' ? 'gw.everything.trigger-long-running-operation' : 'local.trigger-long-running-operation';
    const call = pool.callTool(
      name,
      { duration: 30, steps: 30 },
      { signal: controller.signal, onProgress: () => controller.abort() },
    );
    const error = await call.catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'CANCELLED', category: 'cancelled' });
    // The session is still usable after the cancellation.
    expect(
      (await pool.callTool(`${backend === 'gw' ? 'gw.everything' : 'local'}.echo`, { message: 'ok' })).isError,
    ).toBe(false);
  });
});

describe('supervision', () => {
  it('survives a killed stdio backend: the call after the kill is served by the restarted process', async () => {
    const before = pool.statuses().find((status) => status.backend === 'local')!;
    expect(before.pid).toBeTypeOf('number');
    process.kill(before.pid!, 'SIGKILL');
    const result = await pool.callTool('local.echo', { message: 'after the crash' });
    expect(result.parts[0]).toMatchObject({ type: 'text', text: 'Echo: after the crash' });
    const after = pool.statuses().find((status) => status.backend === 'local')!;
    expect(after.pid).not.toBe(before.pid);
    expect(after.restarts).toBeGreaterThan(before.restarts ?? 0);
  });
});
