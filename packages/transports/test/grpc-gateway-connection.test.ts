// The gateway client and connection of @mcs/transports/grpc against a real grpc-js server of the
// gateway contract (served with the same codec the gateway uses): abort listeners, paging, a chunked
// result, the gateway's error event, resource chunks, unsupported MCP session features.
import { getEventListeners } from 'node:events';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { parseContentBlock } from '@mcs/content-parser';
import { type ContextGatewayServer, ContextGatewayService, type Tool } from '@mcs/protos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayClient, createGatewayConnection, resourceChunks, toolResultEvents } from '../src/grpc/index.js';

const tools: Tool[] = Array.from({ length: 5 }, (_, i) => ({
  name: `everything.tool${i}`,
  backend: 'everything',
  title: i === 0 ? 'First' : '',
  description: '',
  inputSchemaJson: JSON.stringify({ type: 'object', properties: { n: { type: 'number' } } }),
  outputSchemaJson: '',
  annotations: i === 0 ? { readOnlyHint: true } : undefined,
}));
const big = Buffer.alloc(200_000, 7);

const service: Partial<ContextGatewayServer> = {
  listTools(call, callback) {
    const start = Number(call.request.pageToken || 0);
    const size = call.request.pageSize || tools.length;
    const next = start + size < tools.length ? String(start + size) : '';
    callback(null, { tools: tools.slice(start, start + size), nextPageToken: next });
  },
  callTool(call) {
    if (call.request.name === 'everything.fail') {
      call.write({
        event: {
          $case: 'error',
          value: { code: 14, category: 'unavailable', message: 'backend down', jsonrpcCode: 0 },
        },
      });
      call.end();
      return;
    }
    const result = {
      content: [
        { type: 'text', text: String(call.request.arguments?.message ?? '') },
        { type: 'image', data: big.toString('base64'), mimeType: 'image/png' },
      ],
      structuredContent: { ok: true },
    };
    call.write({ event: { $case: 'progress', value: { progress: 1, total: 2, message: '' } } });
    for (const event of toolResultEvents(result, 64 * 1024)) call.write(event);
    call.end();
  },
  readResource(call) {
    const part = parseContentBlock({
      type: 'resource',
      resource: { uri: call.request.uri, blob: big.toString('base64') },
    });
    for (const chunk of resourceChunks(part, 0, 64 * 1024)) call.write(chunk);
    call.end();
  },
};

let server: Server;
let address: string;

beforeAll(async () => {
  server = new Server();
  server.addService(ContextGatewayService, service as ContextGatewayServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  address = `127.0.0.1:${port}`;
});

afterAll(() => server?.forceShutdown());

describe('the gateway client', () => {
  it('removes its abort listener when a unary or streaming call ends', async () => {
    const client = createGatewayClient({ address });
    const controller = new AbortController();
    for (let i = 0; i < 5; i += 1) {
      await client.listTools('', { signal: controller.signal });
      for await (const _ of client.callTool('everything.echo', { message: 'x' }, { signal: controller.signal }));
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    client.close();
  });
});

describe('the gateway connection', () => {
  it('lists every page, with titles and annotations, and reports ready', async () => {
    await using gateway = createGatewayConnection('gw', { address, listPageSize: 2 });
    expect(gateway.status).toBe('idle');
    await gateway.connect();
    const listed = await gateway.listTools();
    expect(listed.map((tool) => tool.name)).toEqual(tools.map((tool) => tool.name));
    expect(listed[0]).toMatchObject({ title: 'First', annotations: { readOnlyHint: true } });
    expect(listed[1]).not.toHaveProperty('title');
    expect(gateway.status).toBe('ready');
  });

  it('calls a tool: progress, a chunked image joined again, structured content', async () => {
    await using gateway = createGatewayConnection('gw', { address });
    const progress: unknown[] = [];
    const result = await gateway.callTool(
      'everything.echo',
      { message: 'hi' },
      { onProgress: (p) => progress.push(p) },
    );
    expect(progress).toEqual([{ progress: 1, total: 2 }]);
    expect(result).toEqual({
      content: [
        { type: 'text', text: 'hi' },
        { type: 'image', data: big.toString('base64'), mimeType: 'image/png' },
      ],
      structuredContent: { ok: true },
      isError: false,
    });
  });

  it("rejects with the gateway's classified error, and for what the gateway does not offer", async () => {
    await using gateway = createGatewayConnection('gw', { address });
    await expect(gateway.callTool('everything.fail')).rejects.toMatchObject({
      name: 'TransportError',
      code: 'BACKEND_ERROR',
      category: 'unavailable',
      backend: 'gw',
    });
    await expect(gateway.subscribeResource('file:///x')).rejects.toMatchObject({ category: 'invalid_input' });
  });

  it('reads a chunked resource', async () => {
    await using gateway = createGatewayConnection('gw', { address });
    expect(await gateway.readResource('file:///big.bin')).toEqual({
      contents: [{ uri: 'file:///big.bin', blob: big.toString('base64') }],
    });
  });

  it('fails to connect to a closed port with CONNECT_FAILED and is closed after close()', async () => {
    const closed = new Server();
    const port = await new Promise<number>((resolve, reject) =>
      closed.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    closed.forceShutdown();
    const gateway = createGatewayConnection('gw', { address: `127.0.0.1:${port}`, connectTimeoutMs: 2_000 });
    await expect(gateway.connect()).rejects.toMatchObject({ code: 'CONNECT_FAILED', category: 'unavailable' });
    await gateway.close();
    expect(gateway.status).toBe('closed');
    await expect(gateway.listTools()).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });
});
