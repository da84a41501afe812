import { McpServer } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it } from 'vitest';
import {
  PackError,
  parseToolPacks,
  registerToolPacks,
  serverCapabilitiesFor,
  TOOL_PACK_NAMES,
} from '../src/packs/index.js';
import { InMemoryResourceSubscriptions } from '../src/resources/resource-subscriptions.js';
import { type Connected, connectPacks, silentLogger } from './packs-harness.js';

describe('parseToolPacks', () => {
  it('trims, drops empty items and duplicates, keeps the order', () => {
    expect(parseToolPacks(' conformance , default,,conformance ')).toEqual(['conformance', 'default']);
    expect(parseToolPacks('default')).toEqual(['default']);
  });

  it('names the unknown packs and lists the valid ones', () => {
    const attempt = () => parseToolPacks('default,weather,x');
    expect(attempt).toThrow(PackError);
    expect(attempt).toThrow('Unknown tool pack "weather", "x"; valid packs are: default, conformance');
    try {
      attempt();
    } catch (error) {
      expect((error as PackError).code).toBe('UNKNOWN_TOOL_PACK');
    }
  });

  it('refuses an empty list', () => {
    expect(() => parseToolPacks(' , ')).toThrow(/No tool pack given; set one or more of: default, conformance/);
  });

  it('knows exactly the two packs', () => {
    expect(TOOL_PACK_NAMES).toEqual(['default', 'conformance']);
  });
});

describe('serverCapabilitiesFor', () => {
  it('asks only for tools in the default pack', () => {
    expect(serverCapabilitiesFor(['default'])).toEqual({ tools: { listChanged: true } });
  });

  it('adds logging, completions, resource subscriptions, prompts and the tasks extension for the conformance pack', () => {
    expect(serverCapabilitiesFor(['default', 'conformance'])).toEqual({
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      logging: {},
      completions: {},
      extensions: { 'io.modelcontextprotocol/tasks': {} },
    });
  });

  it('refuses unknown packs too', () => {
    expect(() => serverCapabilitiesFor(['nope'])).toThrow(PackError);
  });
});

describe('registerToolPacks', () => {
  let connected: Connected | undefined;
  afterEach(async () => {
    await connected?.close();
    connected = undefined;
  });

  it('registers the capabilities itself when the constructor did not declare them', () => {
    const server = new McpServer({ name: 't', version: '1' });
    registerToolPacks(server, { packs: ['conformance'], context: { logger: silentLogger } });
    expect(server.server.getCapabilities()).toMatchObject(serverCapabilitiesFor(['conformance']));
  });

  it('serves both packs side by side on one server', async () => {
    connected = await connectPacks({ packs: ['default', 'conformance'], era: 'legacy' });
    const { tools } = await connected.client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(expect.arrayContaining(['echo', 'service', 'test_simple_text']));
    // 6 default tools + 35 conformance fixtures (21 of them for the 2026-07-28 requirements).
    expect(tools).toHaveLength(41);
  });

  it('shares subscriptions between the McpServers built from one context (one server per request)', async () => {
    const context = { logger: silentLogger };
    const updates: string[] = [];
    const first = await connectPacks({ packs: ['conformance'], era: 'legacy', context });
    connected = await connectPacks({
      packs: ['conformance'],
      era: 'legacy',
      context,
      setupClient: (c) =>
        c.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri)),
    });
    try {
      await first.client.subscribeResource({ uri: 'test://watched-resource' });
      const result = await connected.client.callTool({ name: 'test_watched_resource_update', arguments: {} });
      expect(JSON.stringify(result.content)).toContain('version 1; notified: true');
      expect(updates).toEqual(['test://watched-resource']);
    } finally {
      await first.close();
    }
  });

  it('records resource subscriptions in the store the app plugs in', async () => {
    const store = new InMemoryResourceSubscriptions();
    connected = await connectPacks({
      packs: ['conformance'],
      era: 'legacy',
      context: { resourceSubscriptions: store },
    });
    await connected.client.subscribeResource({ uri: 'test://static-text' });
    expect(await store.isSubscribed('', 'test://static-text')).toBe(true);
    await connected.client.unsubscribeResource({ uri: 'test://static-text' });
    expect(await store.isSubscribed('', 'test://static-text')).toBe(false);
  });
});

describe('InMemoryResourceSubscriptions', () => {
  it('forgets the least recently subscribing session past its bound, and bounds URIs per session', async () => {
    const store = new InMemoryResourceSubscriptions({ maxSessions: 2, maxUrisPerSession: 2 });
    await store.subscribe('a', 'u1');
    await store.subscribe('b', 'u1');
    await store.subscribe('a', 'u2');
    await store.subscribe('c', 'u1');
    expect(await store.isSubscribed('b', 'u1')).toBe(false);
    expect(await store.isSubscribed('a', 'u1')).toBe(true);
    await store.subscribe('a', 'u3');
    expect([
      await store.isSubscribed('a', 'u1'),
      await store.isSubscribed('a', 'u2'),
      await store.isSubscribed('a', 'u3'),
    ]).toEqual([false, true, true]);
  });
});
