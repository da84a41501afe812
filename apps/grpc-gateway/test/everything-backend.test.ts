// The gateway over the published reference server (@modelcontextprotocol/server-everything, stdio).
import { status } from '@grpc/grpc-js';
import type { ToolEvent } from '@mcs/protos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collect,
  contentParts,
  everythingBackend,
  type RunningGateway,
  startTestGateway,
  statusOf,
} from './fixtures/gateway-fixture.js';

let running: RunningGateway;

beforeAll(async () => {
  running = await startTestGateway({
    backends: {
      everything: { ...everythingBackend, tools: { deny: ['trigger-*', 'toggle-*'] } },
    },
    limits: { chunkBytes: 1024 },
  });
});
afterAll(async () => {
  await running?.[Symbol.asyncDispose]();
});

const cases = (events: ToolEvent[]) => events.map((event) => event.event?.$case);

describe('catalog', () => {
  it('lists backend tools as <backend>.<tool>, native tools as native.<tool>, with JSON input schemas', async () => {
    const { tools } = await running.client.listTools();
    const names = tools.map((tool) => tool.name);
    expect(names).toContain('everything.echo');
    expect(names).toContain('native.echo');
    expect(names).toContain('native.ticker');
    const echo = tools.find((tool) => tool.name === 'everything.echo')!;
    expect(echo.backend).toBe('everything');
    expect(JSON.parse(echo.inputSchemaJson)).toMatchObject({ type: 'object', required: ['message'] });
  });

  it('applies the per-backend deny filter (globs)', async () => {
    const { tools } = await running.client.listTools('everything');
    expect(tools.some((tool) => tool.name.startsWith('everything.trigger-'))).toBe(false);
    expect(tools.some((tool) => tool.name.startsWith('everything.toggle-'))).toBe(false);
    expect(tools.every((tool) => tool.backend === 'everything')).toBe(true);
  });

  it('lists resources, resource templates and prompts of the backend', async () => {
    const [{ resources }, { resourceTemplates }, { prompts }] = await Promise.all([
      running.client.listResources(),
      running.client.listResourceTemplates(),
      running.client.listPrompts(),
    ]);
    expect(resources.length).toBeGreaterThan(0);
    expect(resources[0]!.backend).toBe('everything');
    expect(resourceTemplates.length).toBeGreaterThan(0);
    expect(prompts.map((prompt) => prompt.name)).toContain('everything.simple-prompt');
  });
});

describe('List paging', () => {
  it('pages through tools, resources and prompts: the pages join to the unpaged list', async () => {
    const { client } = running;
    const lists = [
      ['tools', (pageSize: number, pageToken: string) => client.listTools('', { pageSize, pageToken })],
      ['resources', (pageSize: number, pageToken: string) => client.listResources('', { pageSize, pageToken })],
      ['prompts', (pageSize: number, pageToken: string) => client.listPrompts('', { pageSize, pageToken })],
    ] as const;
    for (const [field, list] of lists) {
      const everything = (await list(0, '')) as unknown as Record<string, unknown[]> & { nextPageToken: string };
      expect(everything.nextPageToken).toBe('');
      expect(everything[field]!.length).toBeGreaterThan(2);
      const paged: unknown[] = [];
      let token = '';
      for (let page = 0; page < 100; page++) {
        const response = (await list(2, token)) as unknown as Record<string, unknown[]> & { nextPageToken: string };
        expect(response[field]!.length).toBeLessThanOrEqual(2);
        paged.push(...response[field]!);
        token = response.nextPageToken;
        if (token === '') break;
      }
      expect(paged).toEqual(everything[field]);
    }
  });

  it('refuses a token of another list or backend filter, garbage tokens and negative sizes with INVALID_ARGUMENT', async () => {
    const { client } = running;
    const first = await client.listTools('', { pageSize: 1 });
    expect(first.nextPageToken).not.toBe('');
    const wrongFilter = await statusOf(client.listTools('everything', { pageSize: 1, pageToken: first.nextPageToken }));
    expect(wrongFilter.code).toBe(status.INVALID_ARGUMENT);
    expect(wrongFilter.details).toContain('page_token');
    const wrongList = await statusOf(client.listPrompts('', { pageSize: 1, pageToken: first.nextPageToken }));
    expect(wrongList.code).toBe(status.INVALID_ARGUMENT);
    expect((await statusOf(client.listTools('', { pageSize: 1, pageToken: 'not-a-token' }))).code).toBe(
      status.INVALID_ARGUMENT,
    );
    expect((await statusOf(client.listTools('', { pageSize: -1 }))).code).toBe(status.INVALID_ARGUMENT);
  });
});

describe('CallTool over server-everything', () => {
  it('streams a text part then the final result', async () => {
    const events = await collect(running.client.callTool('everything.echo', { message: 'hello' }));
    expect(cases(events)).toEqual(['content', 'result']);
    expect(events[0]!.event).toMatchObject({
      value: { index: 0, part: { $case: 'text', value: { text: 'Echo: hello' } } },
    });
    expect(events[1]!.event).toMatchObject({ $case: 'result', value: { isError: false, partCount: 1 } });
  });

  it('sends images as bytes with their MIME type', async () => {
    const events = await collect(running.client.callTool('everything.get-tiny-image', {}));
    // The image is larger than chunkBytes here, so it also proves chunks of binary parts rebuild exactly.
    const image = contentParts(events).flatMap((part) => (part.part?.$case === 'image' ? [part.part.value] : []))[0];
    expect(image?.mimeType).toBe('image/png');
    // PNG signature: the base64 from MCP arrives decoded.
    expect([...image!.data.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('sends embedded resources', async () => {
    const events = await collect(
      running.client.callTool('everything.get-resource-reference', { resourceType: 'Text', resourceId: 1 }),
    );
    const resource = events.flatMap((event) =>
      event.event?.$case === 'content' && event.event.value.part?.$case === 'resource'
        ? [event.event.value.part.value]
        : [],
    )[0];
    expect(resource?.uri).toMatch(/^demo:\/\/resource\//);
    expect(resource?.contents?.$case).toBe('text');
  });

  it('sends resource links', async () => {
    const events = await collect(running.client.callTool('everything.get-resource-links', { count: 2 }));
    const links = events.flatMap((event) =>
      event.event?.$case === 'content' && event.event.value.part?.$case === 'resourceLink'
        ? [event.event.value.part.value]
        : [],
    );
    expect(links).toHaveLength(2);
    expect(links[0]!.uri).toMatch(/^demo:\/\/resource\//);
  });

  it('puts structured content into the final result as a Struct', async () => {
    const events = await collect(
      running.client.callTool('everything.get-structured-content', { location: 'New York' }),
    );
    const result = events.at(-1)!.event;
    expect(result?.$case).toBe('result');
    if (result?.$case !== 'result') return;
    expect(result.value.structuredContent).toMatchObject({
      temperature: expect.any(Number),
      conditions: expect.any(String),
    });
  });

  it('streams the long-running operation progress as events before the result', async () => {
    const running2 = await startTestGateway({ backends: { everything: everythingBackend } });
    await using _ = running2;
    const events = await collect(
      running2.client.callTool('everything.trigger-long-running-operation', { duration: 1, steps: 4 }),
    );
    const progress = events.flatMap((event) => (event.event?.$case === 'progress' ? [event.event.value] : []));
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0]).toMatchObject({ progress: 1, total: 4 });
    expect(cases(events).indexOf('progress')).toBeLessThan(cases(events).indexOf('content'));
    expect(cases(events).at(-1)).toBe('result');
  });

  it('the per-call inactivity timeout restarts on every progress notification', async () => {
    await using running2 = await startTestGateway({ backends: { everything: everythingBackend } });
    // 8 steps of 250 ms = 2 s in total, far above the 1 s timeout, but never 1 s without progress.
    const events = await collect(
      running2.client.callTool(
        'everything.trigger-long-running-operation',
        { duration: 2, steps: 8 },
        { callTimeoutMs: 1_000 },
      ),
    );
    expect(events.at(-1)?.event?.$case).toBe('result');
    expect(events.filter((event) => event.event?.$case === 'progress').length).toBeGreaterThanOrEqual(3);
  });

  it('chunks a part larger than limits.chunkBytes and the chunks rebuild it', async () => {
    const events = await collect(running.client.callTool('everything.get-sum', { a: 1, b: 2 }));
    expect(cases(events).at(-1)).toBe('result');
    const big = await collect(running.client.callTool('native.echo', { message: 'é'.repeat(3000) }));
    const chunks = big.flatMap((event) => (event.event?.$case === 'chunk' ? [event.event.value] : []));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks[0]!.header?.part?.$case).toBe('text');
    expect(chunks.at(-1)!.final).toBe(true);
    expect(chunks.every((chunk) => chunk.total === chunks.length)).toBe(true);
    expect(Buffer.concat(chunks.map((chunk) => chunk.data)).toString('utf8')).toBe('é'.repeat(3000));
  });

  it('reads a resource as a stream of chunks', async () => {
    const { resources } = await running.client.listResources();
    const text = resources.find((resource) => resource.mimeType.startsWith('text/'))!;
    const chunks = await collect(running.client.readResource(text.uri));
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks[0]!.uri).toBe(text.uri);
    expect(Buffer.concat(chunks.map((chunk) => chunk.data)).toString('utf8').length).toBeGreaterThan(0);
  });

  it('renders a prompt', async () => {
    const response = await running.client.getPrompt('everything.args-prompt', { city: 'Paris', state: 'TX' });
    expect(response.messages.length).toBeGreaterThan(0);
    const first = response.messages[0]!.content?.part;
    expect(first?.$case === 'text' && first.value.text).toContain('Paris');
  });
});

describe('CallTool refusals', () => {
  it('unknown tool -> NOT_FOUND', async () => {
    const failure = await statusOf(collect(running.client.callTool('everything.no-such-tool', {})));
    expect(failure.code).toBe(status.NOT_FOUND);
    expect(failure.details).toContain('Unknown tool "everything.no-such-tool"');
  });

  it('arguments breaking the input schema -> INVALID_ARGUMENT naming the problem, before the backend is called', async () => {
    const failure = await statusOf(collect(running.client.callTool('everything.echo', { message: 42 })));
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain('arguments/message must be string');
  });

  it('mcp-tool metadata that disagrees with the body -> INVALID_ARGUMENT', async () => {
    const failure = await statusOf(
      collect(
        running.client.callTool('everything.echo', { message: 'x' }, { metadata: { 'mcp-tool': 'native.echo' } }),
      ),
    );
    expect(failure.code).toBe(status.INVALID_ARGUMENT);
    expect(failure.details).toContain('mcp-tool');
  });

  it('unknown prompt and unknown backend -> NOT_FOUND', async () => {
    expect((await statusOf(running.client.getPrompt('everything.nope'))).code).toBe(status.NOT_FOUND);
    expect((await statusOf(collect(running.client.readResource('demo://x', 'nope')))).code).toBe(status.NOT_FOUND);
  });
});
