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
  await waitFor(async () => (await pool.listTools()).tools.some((tool) => tool.name === 'gw.everything.echo'), {
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
    const { tools, unavailable } = await pool.listTools();
    expect(unavailable).toEqual([]);
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

describe('resources and prompts', () => {
  it('lists resources, templates and prompts of every backend, over stdio, Streamable HTTP, SSE and gRPC', async () => {
    const [listed, templates, prompts] = await Promise.all([
      pool.listResources(),
      pool.listResourceTemplates(),
      pool.listPrompts(),
    ]);
    expect([listed.unavailable, templates.unavailable, prompts.unavailable]).toEqual([[], [], []]);
    const urisOf = (backend: string) =>
      listed.resources.filter((resource) => resource.backend === backend).map((resource) => resource.uri);
    expect(urisOf('local').length).toBeGreaterThan(0);
    for (const backend of ['remote', 'legacy', 'gw']) expect(urisOf(backend)).toEqual(urisOf('local'));
    const templatesOf = (backend: string) =>
      templates.resourceTemplates.filter((template) => template.backend === backend).map((t) => t.uriTemplate);
    expect(templatesOf('local').length).toBeGreaterThan(0);
    for (const backend of ['remote', 'legacy', 'gw']) expect(templatesOf(backend)).toEqual(templatesOf('local'));
    const names = prompts.prompts.map((prompt) => prompt.name);
    expect(names).toEqual(
      expect.arrayContaining(['local.simple-prompt', 'remote.simple-prompt', 'gw.everything.simple-prompt']),
    );
    const viaGateway = prompts.prompts.find((prompt) => prompt.name === 'gw.everything.args-prompt')!;
    const local = prompts.prompts.find((prompt) => prompt.name === 'local.args-prompt')!;
    expect(viaGateway).toMatchObject({ backend: 'gw', backendPromptName: 'everything.args-prompt' });
    expect(viaGateway.arguments?.map((argument) => [argument.name, argument.required])).toEqual(
      local.arguments?.map((argument) => [argument.name, argument.required ?? false]),
    );
  });

  it('follows the gateway pages to the end (page size 2)', async () => {
    await using paged = createMcpClientPool({
      backends: { gw: { transport: 'grpc', address: gateway.address, gatewayBackend: 'everything', listPageSize: 2 } },
    });
    const [pagedTools, pagedResources, pagedPrompts, full, fullTools, fullPrompts] = await Promise.all([
      paged.listTools(),
      paged.listResources(),
      paged.listPrompts(),
      pool.listResources(),
      pool.listTools(),
      pool.listPrompts(),
    ]);
    const gwOnly = <T extends { backend: string }>(items: T[]) => items.filter((item) => item.backend === 'gw');
    expect(pagedResources.resources.length).toBeGreaterThan(2);
    expect(pagedResources.resources).toEqual(gwOnly(full.resources));
    expect(pagedTools.tools.length).toBeGreaterThan(2);
    expect(pagedTools.tools.map((tool) => tool.name)).toEqual(gwOnly(fullTools.tools).map((tool) => tool.name));
    expect(pagedPrompts.prompts.map((prompt) => prompt.name)).toEqual(
      gwOnly(fullPrompts.prompts).map((prompt) => prompt.name),
    );
  });

  it('reads a listed resource without naming its backend; an unlisted URI still needs { backend }', async () => {
    const { resources } = await pool.listResources();
    const first = resources[0]!;
    const read = await pool.readResource(first.uri);
    // Every backend serves the same URIs here: the first in config order answers.
    expect(read.backend).toBe('local');
    expect(read.parts[0]).toMatchObject({ type: 'resource' });
    const error = await pool.readResource('demo://nowhere/1').catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'UNKNOWN_BACKEND' });
    expect((error as Error).message).toContain('pass { backend }');
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

describe('reconnect', () => {
  it('starts one backend over now (a new stdio process; over gRPC the gateway answers again); an unknown name is UNKNOWN_BACKEND', async () => {
    const before = pool.statuses().find((status) => status.backend === 'local')!;
    await pool.reconnect('local');
    const after = pool.statuses().find((status) => status.backend === 'local')!;
    expect(after).toMatchObject({ status: 'ready' });
    expect(after.pid).not.toBe(before.pid);
    expect((await pool.callTool('local.echo', { message: 'reconnected' })).parts[0]).toMatchObject({
      text: 'Echo: reconnected',
    });
    await pool.reconnect('gw');
    await pool.reconnect('legacy');
    expect((await pool.callTool('legacy.echo', { message: 'sse' })).parts[0]).toMatchObject({ text: 'Echo: sse' });
    const unknown = await pool.reconnect('nope').catch((error: unknown) => error);
    expect(ProviderError.isInstance(unknown) && unknown.code).toBe('UNKNOWN_BACKEND');
  });

  it('serverCapabilities: what each session announced (none for gRPC); a reconnect is a status event ending in ready, the capabilities read then', async () => {
    for (const backend of ['local', 'remote', 'legacy']) {
      expect(pool.serverCapabilities(backend)).toMatchObject({ logging: {}, tools: expect.any(Object) });
    }
    expect(pool.serverCapabilities('gw')).toBeUndefined();
    expect(() => pool.serverCapabilities('nope')).toThrow(/no backend named "nope"/);
    const seen: { backend: string; status: string; previous: string; logging: boolean }[] = [];
    const off = pool.on('status', (event) =>
      seen.push({ ...event, logging: pool.serverCapabilities(event.backend)?.logging !== undefined }),
    );
    try {
      await pool.reconnect('local');
    } finally {
      off();
    }
    expect(seen.filter((event) => event.backend === 'local').at(-1)).toEqual({
      backend: 'local',
      status: 'ready',
      previous: 'connecting',
      logging: true,
    });
    expect(seen.every((event) => event.backend === 'local')).toBe(true);
  });
});
