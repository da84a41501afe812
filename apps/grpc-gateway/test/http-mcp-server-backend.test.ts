// Our own @mcs/http-mcp-server (its built bin, in a child process) as a Streamable HTTP backend: tools
// with progress, images and isError results, a resource, a prompt, and a server that dies mid-session
// and comes back on the same port without the session (in-memory store) -> the gateway re-initializes.
import type { ChildProcess } from 'node:child_process';
import type { ToolEvent } from '@mcs/protos';
import { getFreePort, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHealth,
  collect,
  contentParts,
  type RunningGateway,
  startTestGateway,
} from './fixtures/gateway-fixture.js';
import { ensureHttpMcpServerBuilt, startHttpMcpServer, stopProcess } from './fixtures/http-mcp-server-process.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

let port: number;
let server: ChildProcess | undefined;
let running: RunningGateway;

/** Starts the built http-mcp-server on `port` and resolves once it answers HTTP. */
const startServer = () => startHttpMcpServer(port, { MCS_AUTH: 'off', MCS_TOOL_PACKS: 'default,conformance' });
const stopServer = stopProcess;

beforeAll(async () => {
  ensureHttpMcpServerBuilt();
  port = await getFreePort();
  server = await startServer();
  running = await startTestGateway({
    backends: {
      mcs: {
        transport: 'http',
        url: `http://127.0.0.1:${port}/mcp`,
        supervision: { restart: { initialDelayMs: 50, maxDelayMs: 500 }, health: { pingIntervalMs: 200 } },
      },
    },
  });
}, 300_000);

afterAll(async () => {
  await running?.[Symbol.asyncDispose]();
  await stopServer(server, 'SIGTERM');
});

const textParts = (events: ToolEvent[]) =>
  contentParts(events).flatMap((part) => (part.part?.$case === 'text' ? [part.part.value.text] : []));

describe('@mcs/http-mcp-server as a Streamable HTTP backend', () => {
  it('lists its tools namespaced as mcs.<tool>', async () => {
    const { tools } = await running.client.listTools('mcs');
    const names = tools.map((tool) => tool.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'mcs.echo',
        'mcs.test_tool_with_progress',
        'mcs.test_image_content',
        'mcs.test_error_handling',
      ]),
    );
    expect(names.every((name) => name.startsWith('mcs.'))).toBe(true);
  });

  it('calls echo and returns its text and structured content', async () => {
    const events = await collect(running.client.callTool('mcs.echo', { text: 'over streamable http' }));
    expect(textParts(events)).toEqual(['over streamable http']);
    const result = events.at(-1)?.event;
    expect(result?.$case).toBe('result');
    expect(result?.$case === 'result' && result.value.isError).toBe(false);
  });

  it('streams progress notifications before the result', async () => {
    const events = await collect(running.client.callTool('mcs.test_tool_with_progress', {}));
    const progress = events.flatMap((event) => (event.event?.$case === 'progress' ? [event.event.value] : []));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]?.total).toBe(100);
    const firstProgress = events.findIndex((event) => event.event?.$case === 'progress');
    const resultIndex = events.findIndex((event) => event.event?.$case === 'result');
    expect(firstProgress).toBeLessThan(resultIndex);
    expect(resultIndex).toBe(events.length - 1);
  });

  it('carries image content as bytes', async () => {
    const events = await collect(running.client.callTool('mcs.test_image_content', {}));
    const image = contentParts(events).find((part) => part.part?.$case === 'image')?.part;
    expect(image?.$case).toBe('image');
    if (image?.$case !== 'image') return;
    expect(image.value.mimeType).toBe('image/png');
    expect(Buffer.from(image.value.data).subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });

  it('passes an isError tool result through as a result with is_error, not an RPC error', async () => {
    const events = await collect(running.client.callTool('mcs.test_error_handling', {}));
    const result = events.at(-1)?.event;
    expect(result?.$case === 'result' && result.value.isError).toBe(true);
    expect(textParts(events).join(' ').length).toBeGreaterThan(0);
  });

  it('reads test://static-text and renders test_simple_prompt', async () => {
    const chunks = await collect(running.client.readResource('test://static-text', 'mcs'));
    expect(chunks[0]?.uri).toBe('test://static-text');
    expect(Buffer.concat(chunks.map((chunk) => chunk.data)).toString('utf8').length).toBeGreaterThan(0);

    const prompt = await running.client.getPrompt('mcs.test_simple_prompt');
    expect(prompt.messages.length).toBeGreaterThan(0);
    const first = prompt.messages[0]?.content?.part;
    expect(first?.$case === 'text' && first.value.text.length).toBeGreaterThan(0);
  });

  it('re-initializes after the server dies and comes back on the same port (session lost)', async () => {
    const address = `127.0.0.1:${running.gateway.port}`;
    const before = await collect(running.client.callTool('mcs.echo', { text: 'before' }));
    expect(textParts(before)).toEqual(['before']);

    const pid = server?.pid;
    await stopServer(server, 'SIGKILL');
    expect(pid).toBeDefined();
    await waitFor(async () => (await checkHealth(address, 'mcs.v1.ContextGateway/mcs')) === 'NOT_SERVING', {
      what: 'the gateway to notice the backend is down',
      timeoutMs: 20_000,
    });

    server = await startServer();
    await waitFor(async () => (await checkHealth(address, 'mcs.v1.ContextGateway/mcs')) === 'SERVING', {
      what: 'the gateway to reconnect to the restarted backend',
      timeoutMs: 20_000,
    });
    const after = await collect(running.client.callTool('mcs.echo', { text: 'after' }));
    expect(textParts(after)).toEqual(['after']);
  });
});
