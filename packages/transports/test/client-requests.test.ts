// The backend's own requests (elicitation, sampling, roots) answered by the connection's handlers,
// with the capabilities advertised in `initialize`, over an in-memory SDK McpServer.

import { waitFor } from '@mcs/test-utils';
import { McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { createBackendConnection, type Root } from '../src/index.js';
import { fastSupervision, textOf } from './helpers.js';

function askingServer() {
  const server = new McpServer({ name: 'asking', version: '1.0.0' }, { capabilities: { tools: {} } });
  let rootsAsked = 0;
  server.server.setNotificationHandler('notifications/roots/list_changed', async () => {
    rootsAsked++;
  });
  server.registerTool('ask', {}, async () => {
    const answer = await server.server.elicitInput({
      message: 'your name?',
      requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    });
    const sampled = await server.server.createMessage({
      messages: [{ role: 'user', content: { type: 'text', text: 'hello' } }],
      maxTokens: 10,
    });
    const { roots } = await server.server.listRoots();
    const text = [
      `${answer.action}:${JSON.stringify(answer.content)}`,
      sampled.content.type === 'text' ? sampled.content.text : sampled.content.type,
      roots.map((root) => root.uri).join(','),
    ].join('|');
    return { content: [{ type: 'text', text }] };
  });
  return { server, capabilities: () => server.server.getClientCapabilities(), rootsNotified: () => rootsAsked };
}

describe('client request handlers', () => {
  it('advertises the given capabilities and answers elicitation, sampling and roots/list', async () => {
    const { server, capabilities, rootsNotified } = askingServer();
    const roots: Root[] = [{ uri: 'file:///work', name: 'work' }];
    const seen: string[] = [];
    await using backend = createBackendConnection(
      'memory',
      { transport: 'in-memory', server },
      {
        supervision: fastSupervision,
        capabilities: { elicitation: { form: {} }, sampling: {}, roots: { listChanged: true } },
        requestHandlers: {
          'elicitation/create': async (params, { backend }) => {
            seen.push(`${backend}:${params.message}`);
            return { action: 'accept', content: { name: 'Ada' } };
          },
          'sampling/createMessage': async () => ({
            role: 'assistant',
            content: { type: 'text', text: 'sampled' },
            model: 'test-model',
          }),
          'roots/list': () => roots,
        },
      },
    );
    await backend.connect();
    expect(capabilities()).toEqual({ elicitation: { form: {} }, sampling: {}, roots: { listChanged: true } });
    expect(textOf(await backend.callTool('ask'))).toBe('accept:{"name":"Ada"}|sampled|file:///work');
    expect(seen).toEqual(['memory:your name?']);
    await backend.notifyRootsListChanged();
    await waitFor(() => rootsNotified() === 1, { timeoutMs: 5_000, what: 'notifications/roots/list_changed' });
  });

  it('advertises no capabilities by default', async () => {
    const { server, capabilities } = askingServer();
    await using backend = createBackendConnection(
      'memory',
      { transport: 'in-memory', server },
      { supervision: fastSupervision },
    );
    await backend.connect();
    expect(capabilities()).toEqual({});
    // Without a handler nothing is sent.
    await backend.notifyRootsListChanged();
  });
});
