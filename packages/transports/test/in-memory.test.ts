import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createBackendConnection } from '../src/index.js';
import { fastSupervision, nextEvent, textOf } from './helpers.js';

function notifyingServer() {
  const server = new McpServer(
    { name: 'notifying', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true }, resources: { subscribe: true, listChanged: true }, logging: {} } },
  );
  const subscribed = new Set<string>();
  server.server.setRequestHandler('resources/subscribe', async (request) => {
    subscribed.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', async (request) => {
    subscribed.delete(request.params.uri);
    return {};
  });
  server.registerResource('note', 'memo://note', { mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.toString(), text: 'v1' }],
  }));
  server.registerTool('add-tool', { inputSchema: z.object({ name: z.string() }) }, async ({ name }) => {
    server.registerTool(name, { description: 'added at runtime' }, async () => ({
      content: [{ type: 'text', text: `I am ${name}` }],
    }));
    return { content: [{ type: 'text', text: 'added' }] };
  });
  return { server, subscribed };
}

describe('in-memory backend: events from an SDK McpServer', () => {
  it('delivers tools list_changed, resource updates and log messages to subscribers', async () => {
    const { server, subscribed } = notifyingServer();
    await using backend = createBackendConnection(
      'memory',
      { transport: 'in-memory', server },
      { supervision: fastSupervision },
    );
    await backend.connect();
    expect(backend.transport).toBe('in-memory');
    expect(backend.pid).toBeUndefined();

    const toolsChanged = nextEvent(backend, 'list_changed', (event) => event.kind === 'tools');
    expect(textOf(await backend.callTool('add-tool', { name: 'late-tool' }))).toBe('added');
    expect(await toolsChanged).toEqual({ backend: 'memory', kind: 'tools' });
    const tools = await backend.listTools();
    expect(tools.map((tool) => tool.name)).toContain('late-tool');
    expect(textOf(await backend.callTool('late-tool'))).toBe('I am late-tool');

    await backend.subscribeResource('memo://note');
    expect(subscribed.has('memo://note')).toBe(true);
    const updated = nextEvent(backend, 'resource_updated');
    await server.server.sendResourceUpdated({ uri: 'memo://note' });
    expect(await updated).toEqual({ backend: 'memory', uri: 'memo://note' });

    const log = nextEvent(backend, 'log');
    await server.server.sendLoggingMessage({ level: 'error', logger: 'notes', data: { problem: 'disk full' } });
    expect(await log).toEqual({ backend: 'memory', level: 'error', logger: 'notes', data: { problem: 'disk full' } });

    await backend.unsubscribeResource('memo://note');
    expect(subscribed.has('memo://note')).toBe(false);
  });

  it('stops delivering events after an unsubscribe and after close()', async () => {
    const { server } = notifyingServer();
    const backend = createBackendConnection(
      'memory',
      { transport: 'in-memory', server },
      { supervision: fastSupervision },
    );
    await backend.connect();
    const seen: string[] = [];
    const off = backend.on('list_changed', (event) => seen.push(event.kind));
    const second = nextEvent(backend, 'list_changed');
    await backend.callTool('add-tool', { name: 'one' });
    await second;
    off();
    const third = nextEvent(backend, 'list_changed');
    await backend.callTool('add-tool', { name: 'two' });
    await third;
    expect(seen).toEqual(['tools']);
    await backend.close();
    expect(backend.status).toBe('closed');
    await expect(backend.listTools()).rejects.toMatchObject({ code: 'NOT_CONNECTED', category: 'unavailable' });
  });

  it('after the server drops the session: reconnects, re-subscribes, restores the log level, announces list_changed', async () => {
    const { server, subscribed } = notifyingServer();
    const levels: string[] = [];
    server.server.setRequestHandler('logging/setLevel', async (request) => {
      levels.push(request.params.level);
      return {};
    });
    await using backend = createBackendConnection(
      'memory',
      { transport: 'in-memory', server },
      { supervision: fastSupervision },
    );
    await backend.subscribeResource('memo://note');
    await backend.setLoggingLevel('debug');
    subscribed.clear();

    const restart = nextEvent(backend, 'restart');
    const changed = new Set<string>();
    backend.on('list_changed', (event) => changed.add(event.kind));
    const ready = nextEvent(backend, 'status', (event) => event.status === 'ready' && event.previous === 'restarting');
    await server.close();
    expect((await restart).reason).toMatchObject({ code: 'BACKEND_UNAVAILABLE', backend: 'memory' });
    await ready;
    expect(subscribed.has('memo://note')).toBe(true);
    expect(levels).toEqual(['debug', 'debug']);
    expect([...changed].sort()).toEqual(['resources', 'tools']);
    const updated = nextEvent(backend, 'resource_updated');
    await server.server.sendResourceUpdated({ uri: 'memo://note' });
    expect((await updated).uri).toBe('memo://note');
  });

  it('lists what a server does not advertise as empty without asking, and without the SDK writing to the console', async () => {
    // Only resources: no tools, no prompts. The SDK's Client.listTools()/listPrompts() on such a
    // server print "called but server does not advertise ..." with console.debug, which a terminal
    // client (mcs-chat) would show in the middle of its chat.
    const server = new McpServer({ name: 'resources-only', version: '1.0.0' }, { capabilities: { resources: {} } });
    server.registerResource('note', 'memo://note', { mimeType: 'text/plain' }, async (uri) => ({
      contents: [{ uri: uri.toString(), text: 'v1' }],
    }));
    await using backend = createBackendConnection(
      'memory',
      { transport: 'in-memory', server },
      { supervision: fastSupervision },
    );
    await backend.connect();
    const written: unknown[] = [];
    const spies = (['debug', 'log', 'info', 'warn', 'error'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...args) => written.push(args)),
    );
    try {
      expect(await backend.listTools()).toEqual([]);
      expect(await backend.listPrompts()).toEqual([]);
      expect((await backend.listResources()).map((resource) => resource.uri)).toEqual(['memo://note']);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(written).toEqual([]);

    const bare = new McpServer({ name: 'tools-only', version: '1.0.0' }, { capabilities: { tools: {} } });
    bare.registerTool('noop', {}, async () => ({ content: [] }));
    await using toolsOnly = createBackendConnection(
      'bare',
      { transport: 'in-memory', server: bare },
      { supervision: fastSupervision },
    );
    await toolsOnly.connect();
    const debug = vi.spyOn(console, 'debug').mockImplementation((...args) => written.push(args));
    try {
      expect(await toolsOnly.listResources()).toEqual([]);
      expect(await toolsOnly.listResourceTemplates()).toEqual([]);
      expect((await toolsOnly.listTools()).map((tool) => tool.name)).toEqual(['noop']);
    } finally {
      debug.mockRestore();
    }
    expect(written).toEqual([]);
  });
});
