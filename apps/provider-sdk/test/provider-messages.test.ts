// The SDK's own message types: what generate returns, what it accepts (ours or OpenAI's), and what
// reaches the OpenAI-compatible API (the scripted server records it), with a real stdio backend.
import { describe, expect, it } from 'vitest';
import { fromOpenAIMessages, type Message, toOpenAIMessages } from '../src/index.js';
import { everythingStdio } from './fixtures/backends.js';
import { collect, useScriptedProvider } from './fixtures/scripted-provider.js';

const scripted = useScriptedProvider(
  (baseURL) => ({
    model: 'scripted-1',
    baseURL,
    apiKey: 'test-key',
    system: 'You are a test.',
    mcp: { backends: { everything: everythingStdio() } },
  }),
  { connect: true },
);

const sent = (index: number) => scripted.model.requests[index]!.messages;

describe('messages', () => {
  it('a conversation comes back in our types (pool tool names) and goes to the API in its own shape', async () => {
    scripted.model.script([
      { toolCalls: [{ id: 'call_1', name: 'everything__echo', arguments: { message: 'hi' } }] },
      { text: 'It said hi' },
      { text: 'Bye' },
    ]);
    const first = await scripted.provider.generate({ prompt: 'Echo hi' });
    expect(first.messages).toEqual([
      { role: 'system', content: 'You are a test.' },
      { role: 'user', content: 'Echo hi' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [{ id: 'call_1', name: 'everything.echo', arguments: '{"message":"hi"}' }],
      },
      { role: 'tool', toolCallId: 'call_1', content: 'Echo: hi' },
      { role: 'assistant', content: 'It said hi' },
    ] satisfies Message[]);
    const next: Message = { role: 'user', content: [{ type: 'text', text: 'Thanks' }] };
    await scripted.provider.generate({ messages: [...first.messages, next] });
    // The API sees its own shape, the tool under the name it was offered.
    expect(sent(2)).toEqual([
      { role: 'system', content: 'You are a test.' },
      { role: 'user', content: 'Echo hi' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_1', type: 'function', function: { name: 'everything__echo', arguments: '{"message":"hi"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'Echo: hi' },
      { role: 'assistant', content: 'It said hi' },
      { role: 'user', content: [{ type: 'text', text: 'Thanks' }] },
    ]);
  });

  it('takes OpenAI chat messages too (a stored conversation), converted on the way in', async () => {
    scripted.model.script([{ text: 'ok' }]);
    const result = await scripted.provider.generate({
      tools: [],
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Be short.' }] },
        { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'everything__echo', arguments: '{}' } }],
        },
        { role: 'tool', tool_call_id: 'c1', content: [{ type: 'text', text: 'Echo: ' }] },
        { role: 'user', content: 'and?' },
      ],
    });
    expect(result.messages.slice(0, 4)).toEqual([
      { role: 'system', content: 'Be short.' },
      { role: 'user', content: [{ type: 'image', url: 'https://example.com/cat.png' }] },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'everything__echo', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'c1', content: 'Echo: ' },
    ]);
    expect(sent(0)).toMatchObject([
      { role: 'system', content: 'Be short.' },
      { role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] },
      { role: 'assistant', tool_calls: [{ id: 'c1', function: { name: 'everything__echo' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'Echo: ' },
      { role: 'user', content: 'and?' },
    ]);
  });

  it('refuses a malformed message naming its index and field', async () => {
    const parts = await collect(
      scripted.provider.generateStream({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'tool', content: 'orphan' } as unknown as Message,
          { role: 'user', content: [{ type: 'file', filename: 'a.pdf' }] },
        ],
      }),
    );
    expect(parts).toHaveLength(1);
    const error = parts[0]!.type === 'error' ? parts[0]!.error : undefined;
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.message).toContain(
      'messages.1.toolCallId: a tool message needs the toolCallId of the call it answers',
    );
    expect(error?.message).toContain('messages.2.content.0');
    expect(scripted.model.requests).toHaveLength(0);
  });

  it('converts both ways without loss', () => {
    const ours: Message[] = [
      { role: 'system', content: 's' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 't' },
          { type: 'image', url: 'data:image/png;base64,AA==' },
          { type: 'audio', data: 'AA==', format: 'wav' },
          { type: 'file', fileId: 'file-1', filename: 'a.pdf' },
        ],
      },
      { role: 'assistant', content: 'calling', toolCalls: [{ id: 'x', name: 'a.b', arguments: '{"n":1}' }] },
      { role: 'tool', toolCallId: 'x', content: 'done' },
      { role: 'assistant', content: 'fine' },
    ];
    expect(fromOpenAIMessages(toOpenAIMessages(ours))).toEqual(ours);
  });
});
