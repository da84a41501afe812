import type { JSONRPCMessage, Tool, Transport } from '@modelcontextprotocol/client';
import { Server } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { createBackendConnection, type TransportError } from '../src/index.js';
import { fastSupervision, nextEvent, textOf } from './helpers.js';

/**
 * A low-level SDK server whose tools answer whatever the test says, outputSchema or not: McpServer
 * would check its own structured content, this one lets a bad result reach the client. `answers` maps
 * a tool name to its raw `tools/call` result.
 */
function rawToolServer(tools: Tool[], answers: Record<string, unknown>) {
  const server = new Server(
    { name: 'raw-tools', version: '1.0.0' },
    { capabilities: { tools: { listChanged: true } } },
  );
  const listed = { tools };
  server.setRequestHandler('tools/list', async () => listed);
  // biome-ignore lint/suspicious/noExplicitAny: the test sends results the SDK's types would refuse
  server.setRequestHandler('tools/call', async (request) => answers[request.params.name] as any);
  return { server, listed };
}

const objectSchema: NonNullable<Tool['outputSchema']> = {
  type: 'object',
  properties: { total: { type: 'number' } },
  required: ['total'],
  additionalProperties: false,
};

/**
 * A backend that answers `tools/call` with whatever `answer` returns, unchecked: the SDK's own Server
 * refuses to send an invalid result, a misbehaving backend does not. Speaks just enough JSON-RPC
 * (initialize, tools/list, tools/call) over the in-memory transport.
 */
function misbehavingServer(answer: () => unknown) {
  return {
    async connect(transport: Transport) {
      transport.onmessage = (message) => {
        if (!('id' in message) || !('method' in message)) return;
        const result =
          message.method === 'initialize'
            ? {
                protocolVersion: (message.params as { protocolVersion: string }).protocolVersion,
                capabilities: { tools: {} },
                serverInfo: { name: 'misbehaving', version: '1.0.0' },
              }
            : message.method === 'tools/list'
              ? { tools: [{ name: 'any', inputSchema: { type: 'object' } }] }
              : message.method === 'tools/call'
                ? answer()
                : {};
        void transport.send({ jsonrpc: '2.0', id: message.id, result } as JSONRPCMessage);
      };
      await transport.start();
    },
  };
}

async function connected(server: Server | ReturnType<typeof misbehavingServer>) {
  const backend = createBackendConnection('raw', { transport: 'in-memory', server }, { supervision: fastSupervision });
  await backend.connect();
  return backend;
}

const failureOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as TransportError;
  }
  throw new Error('expected the call to fail');
};

describe('tools/call on a 2025-era session: result and output-schema checks', () => {
  it('checks structuredContent against the listed outputSchema, as Client.callTool does', async () => {
    const { server } = rawToolServer(
      [
        { name: 'sum', inputSchema: { type: 'object' }, outputSchema: objectSchema },
        { name: 'plain', inputSchema: { type: 'object' } },
      ],
      {
        sum: { content: [{ type: 'text', text: '3' }], structuredContent: { total: 3 } },
        plain: { content: [{ type: 'text', text: 'no schema' }], structuredContent: { anything: true } },
      },
    );
    await using backend = await connected(server);
    await backend.listTools();
    const good = await backend.callTool('sum');
    expect(good.structuredContent).toEqual({ total: 3 });
    expect(textOf(await backend.callTool('plain'))).toBe('no schema');
  });

  it('refuses structured content that breaks the schema, and a result without it', async () => {
    const answers: Record<string, unknown> = {
      sum: { content: [{ type: 'text', text: 'x' }], structuredContent: { total: 'three' } },
      missing: { content: [{ type: 'text', text: 'x' }] },
      failed: { content: [{ type: 'text', text: 'it broke' }], isError: true },
    };
    const { server } = rawToolServer(
      ['sum', 'missing', 'failed'].map((name) => ({
        name,
        inputSchema: { type: 'object' },
        outputSchema: objectSchema,
      })),
      answers,
    );
    await using backend = await connected(server);
    await backend.listTools();
    const broken = await failureOf(backend.callTool('sum'));
    expect(broken.message).toContain("Structured content does not match the tool's output schema");
    expect(broken.message).toContain('total');
    const missing = await failureOf(backend.callTool('missing'));
    expect(missing.message).toContain('has an output schema but did not return structured content');
    // An error result is not held to the output schema.
    const failed = await backend.callTool('failed');
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toBe('it broke');
  });

  it('refuses a call to a tool whose outputSchema cannot be compiled, before sending it; other tools work', async () => {
    const { server } = rawToolServer(
      [
        {
          name: 'bad',
          inputSchema: { type: 'object' },
          outputSchema: { type: 'object', properties: { a: { pattern: '(' } } },
        },
        { name: 'fine', inputSchema: { type: 'object' }, outputSchema: objectSchema },
      ],
      { bad: { content: [] }, fine: { content: [], structuredContent: { total: 1 } } },
    );
    let calls = 0;
    server.setRequestHandler('tools/call', async (request) => {
      calls++;
      return request.params.name === 'fine' ? { content: [], structuredContent: { total: 1 } } : { content: [] };
    });
    await using backend = await connected(server);
    await backend.listTools();
    const refused = await failureOf(backend.callTool('bad'));
    expect(refused.message).toContain("Tool 'bad' has an invalid outputSchema");
    expect(calls).toBe(0);
    expect((await backend.callTool('fine')).structuredContent).toEqual({ total: 1 });
    expect(calls).toBe(1);
  });

  it('refuses results the 2025 wire schema refuses: bad content, a non-object structuredContent, another family', async () => {
    const answers: unknown[] = [
      { content: 'not a list' },
      { content: [], structuredContent: 42 },
      { task: { taskId: 't1' } },
    ];
    let next = 0;
    await using backend = await connected(misbehavingServer(() => answers[next++]));
    for (const _ of answers) {
      const failure = await failureOf(backend.callTool('any'));
      expect(failure.code).toBe('INVALID_RESULT');
    }
    // A result without content defaults to an empty one, as the SDK's schema says.
    answers.push({});
    expect((await backend.callTool('any')).content).toEqual([]);
  });

  it('forgets the output schemas when the tool list changes, and uses the new ones once re-listed', async () => {
    const { server, listed } = rawToolServer(
      [{ name: 'sum', inputSchema: { type: 'object' }, outputSchema: objectSchema }],
      {
        sum: { content: [], structuredContent: { total: 'now a string' } },
      },
    );
    await using backend = await connected(server);
    await backend.listTools();
    expect((await failureOf(backend.callTool('sum'))).message).toContain('output schema');
    listed.tools = [
      {
        name: 'sum',
        inputSchema: { type: 'object' },
        outputSchema: { type: 'object', properties: { total: { type: 'string' } } },
      },
    ];
    const changed = nextEvent(backend, 'list_changed', (event) => event.kind === 'tools');
    await server.sendToolListChanged();
    await changed;
    await backend.listTools();
    expect((await backend.callTool('sum')).structuredContent).toEqual({ total: 'now a string' });
  });
});
