import type {
  Client,
  CreateMessageRequest,
  ElicitRequest,
  LoggingMessageNotification,
  Progress,
} from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { type Connected, connectPacks, ERAS, type Era, firstText } from './packs-harness.js';

type Content = readonly { type: string; text?: string; data?: string; mimeType?: string; resource?: unknown }[];

/** The `requestedSchema.properties` of the first elicitation the client received. */
function requestedProperties(requests: readonly ElicitRequest[]): Record<string, Record<string, unknown>> {
  const params = requests[0]?.params as { requestedSchema?: { properties?: Record<string, Record<string, unknown>> } };
  if (params?.requestedSchema?.properties === undefined) throw new Error('the server sent no elicitation request');
  return params.requestedSchema.properties;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe.each(ERAS)('conformance pack (%s era)', (era: Era) => {
  let connected: Connected | undefined;
  afterEach(async () => {
    await connected?.close();
    connected = undefined;
  });

  async function open(setupClient?: (client: Client) => void, clientCapabilities?: object): Promise<Client> {
    connected = await connectPacks({ packs: ['conformance'], era, setupClient, clientCapabilities });
    return connected.client;
  }

  async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
    const result = await client.callTool({ name, arguments: args });
    return { ...result, content: result.content as Content };
  }

  it('lists every fixture tool with a description and an input schema', async () => {
    const { tools } = await (await open()).listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(
      [
        'json_schema_2020_12_tool',
        'test_audio_content',
        'test_elicitation',
        'test_elicitation_sep1034_defaults',
        'test_elicitation_sep1330_enums',
        'test_embedded_resource',
        'test_error_handling',
        'test_image_content',
        'test_multiple_content_types',
        'test_sampling',
        'test_simple_text',
        'test_tool_with_logging',
        'test_tool_with_progress',
        'test_watched_resource_update',
        // 0.2.0-alpha (2026-07-28 requirements): stateless diagnostics, input-required results, custom headers.
        'test_missing_capability',
        'test_streaming_elicitation',
        'test_logging_tool',
        'test_trigger_tool_change',
        'test_trigger_prompt_change',
        'test_input_required_result_elicitation',
        'test_input_required_result_sampling',
        'test_input_required_result_list_roots',
        'test_input_required_result_request_state',
        'test_input_required_result_multiple_inputs',
        'test_input_required_result_multi_round',
        'test_input_required_result_tampered_state',
        'test_input_required_result_capabilities',
        'test_custom_header',
        // The tasks extension's fixtures.
        'greet',
        'slow_compute',
        'failing_job',
        'protocol_error_job',
        'confirm_delete',
        'multi_input',
        'test_tool_with_task',
      ].sort(),
    );
    for (const tool of tools) {
      expect(tool.description, tool.name).toBeTruthy();
      expect(tool.inputSchema.type, tool.name).toBe('object');
    }
  });

  it('keeps $schema, $defs and additionalProperties of the JSON Schema 2020-12 tool', async () => {
    const { tools } = await (await open()).listTools();
    const schema = tools.find((tool) => tool.name === 'json_schema_2020_12_tool')?.inputSchema as Record<
      string,
      unknown
    >;
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$defs).toHaveProperty('address');
    expect(schema.additionalProperties).toBe(false);
  });

  it('returns the exact text, image, audio, embedded and mixed payloads', async () => {
    const client = await open();
    expect((await call(client, 'test_simple_text')).content).toEqual([
      { type: 'text', text: 'This is a simple text response for testing.' },
    ]);

    const [image] = (await call(client, 'test_image_content')).content;
    expect(image).toMatchObject({ type: 'image', mimeType: 'image/png' });
    expect(Buffer.from(image?.data ?? '', 'base64').subarray(0, 8)).toEqual(PNG_SIGNATURE);

    const [audio] = (await call(client, 'test_audio_content')).content;
    expect(audio).toMatchObject({ type: 'audio', mimeType: 'audio/wav' });
    const wav = Buffer.from(audio?.data ?? '', 'base64');
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.toString('ascii', 8, 12)).toBe('WAVE');

    expect((await call(client, 'test_embedded_resource')).content).toEqual([
      {
        type: 'resource',
        resource: {
          uri: 'test://embedded-resource',
          mimeType: 'text/plain',
          text: 'This is an embedded resource content.',
        },
      },
    ]);

    const mixed = (await call(client, 'test_multiple_content_types')).content;
    expect(mixed.map((block) => block.type)).toEqual(['text', 'image', 'resource']);
    expect(mixed[2]?.resource).toEqual({
      uri: 'test://mixed-content-resource',
      mimeType: 'application/json',
      text: '{"test":"data","value":123}',
    });
  });

  it('reports the fixture error as an isError result', async () => {
    const result = await call(await open(), 'test_error_handling');
    expect(result.isError).toBe(true);
    expect(firstText(result.content)).toBe('This tool intentionally returns an error for testing');
  });

  it('delivers progress 0, 50, 100 of 100 for a request with a progress token', async () => {
    const client = await open();
    const updates: Progress[] = [];
    const result = await client.callTool(
      { name: 'test_tool_with_progress', arguments: {} },
      { onprogress: (progress) => updates.push(progress) },
    );
    expect(result.isError).toBeFalsy();
    expect(updates.map(({ progress, total }) => [progress, total])).toEqual([
      [0, 100],
      [50, 100],
      [100, 100],
    ]);
  });

  it('runs sampling through the client and returns the model answer', async () => {
    const requests: CreateMessageRequest[] = [];
    const client = await open((c) =>
      c.setRequestHandler('sampling/createMessage', async (request) => {
        requests.push(request);
        return {
          role: 'assistant',
          content: { type: 'text', text: 'This is a test response from the client' },
          model: 'test-model',
          stopReason: 'endTurn',
        };
      }),
    );
    const result = await call(client, 'test_sampling', { prompt: 'Test prompt for sampling' });
    expect(firstText(result.content)).toBe('LLM response: This is a test response from the client');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.params).toMatchObject({
      messages: [{ role: 'user', content: { type: 'text', text: 'Test prompt for sampling' } }],
      maxTokens: 100,
    });
  });

  it('refuses sampling when the client did not declare the capability', async () => {
    const client = await open(undefined, {});
    const outcome = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'x' } }).then(
      (result) => (result.isError === true ? firstText(result.content as Content) : 'no error'),
      (error: unknown) => String(error),
    );
    expect(outcome).toMatch(/sampling|capabilit/i);
  });

  it('rejects a sampling call without its required prompt argument', async () => {
    const client = await open();
    const outcome = await client.callTool({ name: 'test_sampling', arguments: {} }).then(
      (result) => (result.isError === true ? firstText(result.content as Content) : 'no error'),
      (error: unknown) => String(error),
    );
    expect(outcome).toMatch(/prompt/);
  });

  function elicitingClient(requests: ElicitRequest[], content: Record<string, unknown>) {
    return (c: Client) =>
      c.setRequestHandler('elicitation/create', async (request) => {
        requests.push(request);
        return { action: 'accept', content: content as never };
      });
  }

  it('elicits a username and e-mail and reports the answer', async () => {
    const requests: ElicitRequest[] = [];
    const client = await open(elicitingClient(requests, { username: 'testuser', email: 'test@example.com' }));
    const result = await call(client, 'test_elicitation', { message: 'Please provide your information' });
    expect(firstText(result.content)).toBe(
      'User response: action=accept, content={"username":"testuser","email":"test@example.com"}',
    );
    expect(requests[0]?.params).toMatchObject({
      message: 'Please provide your information',
      requestedSchema: { type: 'object', required: ['username', 'email'] },
    });
  });

  it('sends SEP-1034 defaults for every primitive type', async () => {
    const requests: ElicitRequest[] = [];
    const answer = { name: 'Jane Smith', age: 25, score: 88, status: 'inactive', verified: false };
    const client = await open(elicitingClient(requests, answer));
    const result = await call(client, 'test_elicitation_sep1034_defaults');
    expect(firstText(result.content)).toBe(`Elicitation completed: action=accept, content=${JSON.stringify(answer)}`);
    const properties = requestedProperties(requests);
    expect(properties.name).toMatchObject({ type: 'string', default: 'John Doe' });
    expect(properties.age).toMatchObject({ type: 'integer', default: 30 });
    expect(properties.score).toMatchObject({ type: 'number', default: 95.5 });
    expect(properties.status).toMatchObject({
      type: 'string',
      enum: ['active', 'inactive', 'pending'],
      default: 'active',
    });
    expect(properties.verified).toMatchObject({ type: 'boolean', default: true });
  });

  it('sends the five SEP-1330 enum shapes', async () => {
    const requests: ElicitRequest[] = [];
    const client = await open(elicitingClient(requests, { untitledSingle: 'option1' }));
    await call(client, 'test_elicitation_sep1330_enums');
    const properties = requestedProperties(requests);
    expect(properties.untitledSingle).toEqual({
      type: 'string',
      description: 'Select one option',
      enum: ['option1', 'option2', 'option3'],
    });
    expect(properties.titledSingle?.oneOf).toHaveLength(3);
    expect(properties.titledSingle).not.toHaveProperty('enum');
    expect(properties.legacyEnum).toMatchObject({
      enum: ['opt1', 'opt2', 'opt3'],
      enumNames: ['Option One', 'Option Two', 'Option Three'],
    });
    expect(properties.untitledMulti).toMatchObject({
      type: 'array',
      items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    });
    expect(properties.titledMulti).toMatchObject({ type: 'array', items: { anyOf: expect.any(Array) } });
  });

  it('reports a declined elicitation', async () => {
    const client = await open((c) => c.setRequestHandler('elicitation/create', async () => ({ action: 'decline' })));
    const result = await call(client, 'test_elicitation_sep1034_defaults');
    expect(firstText(result.content)).toBe('Elicitation completed: action=decline, content={}');
  });

  it('lists and reads the static resources and the template', async () => {
    const client = await open();
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri).sort()).toEqual([
      'test://static-binary',
      'test://static-text',
      'test://watched-resource',
    ]);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((template) => template.uriTemplate)).toEqual(['test://template/{id}/data']);

    expect((await client.readResource({ uri: 'test://static-text' })).contents).toEqual([
      { uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
    ]);
    const [binary] = (await client.readResource({ uri: 'test://static-binary' })).contents;
    expect(binary).toMatchObject({ uri: 'test://static-binary', mimeType: 'image/png' });
    expect(Buffer.from((binary as { blob: string }).blob, 'base64').subarray(0, 8)).toEqual(PNG_SIGNATURE);

    expect((await client.readResource({ uri: 'test://template/123/data' })).contents).toEqual([
      {
        uri: 'test://template/123/data',
        mimeType: 'application/json',
        text: '{"id":"123","templateTest":true,"data":"Data for ID: 123"}',
      },
    ]);
  });

  it('answers an unknown resource with an error', async () => {
    const client = await open();
    await expect(client.readResource({ uri: 'test://nope' })).rejects.toThrow();
  });

  it('lists and renders the prompts', async () => {
    const client = await open();
    const { prompts } = await client.listPrompts();
    expect(prompts.map((prompt) => prompt.name).sort()).toEqual([
      'test_input_required_result_prompt',
      'test_prompt_with_arguments',
      'test_prompt_with_embedded_resource',
      'test_prompt_with_image',
      'test_simple_prompt',
    ]);
    for (const prompt of prompts) expect(prompt.description, prompt.name).toBeTruthy();
    expect(prompts.find((prompt) => prompt.name === 'test_prompt_with_arguments')?.arguments).toEqual([
      expect.objectContaining({ name: 'arg1', required: true }),
      expect.objectContaining({ name: 'arg2', required: true }),
    ]);

    expect((await client.getPrompt({ name: 'test_simple_prompt' })).messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } },
    ]);
    expect(
      (await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'hello', arg2: 'world' } }))
        .messages,
    ).toEqual([{ role: 'user', content: { type: 'text', text: "Prompt with arguments: arg1='hello', arg2='world'" } }]);

    const embedded = await client.getPrompt({
      name: 'test_prompt_with_embedded_resource',
      arguments: { resourceUri: 'test://example-resource' },
    });
    expect(embedded.messages[0]?.content).toEqual({
      type: 'resource',
      resource: {
        uri: 'test://example-resource',
        mimeType: 'text/plain',
        text: 'Embedded resource content for testing.',
      },
    });
    expect(embedded.messages[1]?.content).toEqual({
      type: 'text',
      text: 'Please process the embedded resource above.',
    });

    const image = await client.getPrompt({ name: 'test_prompt_with_image' });
    expect(image.messages[0]?.content).toMatchObject({ type: 'image', mimeType: 'image/png' });
    expect(image.messages[1]?.content).toEqual({ type: 'text', text: 'Please analyze the image above.' });
  });

  it('refuses a prompt call that misses a required argument', async () => {
    const client = await open();
    await expect(client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'only' } })).rejects.toThrow(
      /arg2/,
    );
  });

  it('completes prompt arguments and template variables', async () => {
    const client = await open();
    const prompt = await client.complete({
      ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' },
      argument: { name: 'arg1', value: 'pa' },
    });
    expect(prompt.completion.values).toEqual(['paris', 'park', 'party']);
    const template = await client.complete({
      ref: { type: 'ref/resource', uri: 'test://template/{id}/data' },
      argument: { name: 'id', value: '1' },
    });
    expect(template.completion.values).toEqual(['1', '123']);
  });
});

describe('conformance pack, 2025 session features (legacy era)', () => {
  let connected: Connected | undefined;
  afterEach(async () => {
    await connected?.close();
    connected = undefined;
  });

  it('sends the three info log messages, and filters them by logging/setLevel', async () => {
    const messages: LoggingMessageNotification['params'][] = [];
    connected = await connectPacks({
      packs: ['conformance'],
      era: 'legacy',
      setupClient: (c) => c.setNotificationHandler('notifications/message', (n) => void messages.push(n.params)),
    });
    const { client } = connected;
    expect(await client.setLoggingLevel('debug')).toEqual({});
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    expect(messages.map((message) => [message.level, message.data])).toEqual([
      ['info', 'Tool execution started'],
      ['info', 'Tool processing data'],
      ['info', 'Tool execution completed'],
    ]);

    await client.setLoggingLevel('warning');
    await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
    expect(messages).toHaveLength(3);
  });

  it('notifies a subscribed session of updates, and stops after unsubscribe', async () => {
    const updates: string[] = [];
    connected = await connectPacks({
      packs: ['conformance'],
      era: 'legacy',
      setupClient: (c) =>
        c.setNotificationHandler('notifications/resources/updated', (n) => void updates.push(n.params.uri)),
    });
    const { client } = connected;
    const update = async () =>
      firstText((await client.callTool({ name: 'test_watched_resource_update', arguments: {} })).content as Content);

    expect(await update()).toMatch(/notified: false/);
    expect(await client.subscribeResource({ uri: 'test://watched-resource' })).toEqual({});
    expect(await update()).toMatch(/version 2; notified: true/);
    expect(updates).toEqual(['test://watched-resource']);
    const [content] = (await client.readResource({ uri: 'test://watched-resource' })).contents;
    expect(content).toMatchObject({ text: 'Watched resource, version 2' });

    expect(await client.unsubscribeResource({ uri: 'test://watched-resource' })).toEqual({});
    expect(await update()).toMatch(/notified: false/);
    expect(updates).toEqual(['test://watched-resource']);
  });
});

describe('json_schema_2020_12_tool input validation', () => {
  let connected: Connected | undefined;
  afterEach(async () => {
    await connected?.close();
    connected = undefined;
  });

  it('accepts a valid object and refuses properties the schema forbids', async () => {
    connected = await connectPacks({ packs: ['conformance'], era: 'legacy' });
    const ok = await connected.client.callTool({
      name: 'json_schema_2020_12_tool',
      arguments: { name: 'n', address: { street: 's', city: 'c' }, contactMethod: 'email', email: 'e' },
    });
    expect(firstText(ok.content as Content)).toBe(
      'Received: {"name":"n","address":{"street":"s","city":"c"},"contactMethod":"email","email":"e"}',
    );
    const refused = await connected.client.callTool({ name: 'json_schema_2020_12_tool', arguments: { extra: 1 } });
    expect(refused.isError).toBe(true);
    // if/then/else: contactMethod phone needs a phone; allOf/anyOf: a phone or an email at all.
    for (const args of [{ contactMethod: 'phone', email: 'e' }, { name: 'n' }]) {
      const conditional = await connected.client.callTool({ name: 'json_schema_2020_12_tool', arguments: args });
      expect(conditional.isError, JSON.stringify(args)).toBe(true);
    }
  });
});
