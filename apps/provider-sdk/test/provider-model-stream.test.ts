// The chat-completions stream as the provider reads it (model/chat-completion-stream.ts, its own
// SSE reader behind the `openai` client's request): the scripted model writes the body byte for
// byte, so line endings, events split across reads, comments, error events and bad chunks can be
// sent on cue.
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { collect, useScriptedProvider } from './fixtures/scripted-provider.js';

const scripted = useScriptedProvider((baseURL) => ({
  model: 'scripted-1',
  baseURL,
  apiKey: 'test-key',
  modelPolicy: { retry: { maxRetries: 1, baseDelayMs: 10, maxDelayMs: 50 } },
}));

const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    model: 'served-1',
    choices: [{ index: 0, delta, finish_reason: finish }],
  });
const usage = JSON.stringify({
  id: 'c1',
  object: 'chat.completion.chunk',
  choices: [],
  usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10, prompt_tokens_details: { cached_tokens: 4 } },
});

describe('the chat-completions stream reader', () => {
  it('reads CRLF and CR line endings, events split across reads, comments and multi-line data; ignores what follows [DONE]', async () => {
    const hello = chunk({ content: 'Hello' });
    scripted.model.script([
      {
        sse: [
          `: keep-alive comment\r\n\r\ndata: ${chunk({ role: 'assistant', content: '' })}\r\n\r\n`,
          // One event cut in the middle of its JSON, the next read finishing it; a \r\n split between reads.
          `data: ${hello.slice(0, 20)}`,
          `${hello.slice(20)}\r`,
          `\n\r\nevent: message\ndata: ${chunk({ content: ', ' })}\n\n`,
          // Lone-CR line endings; a data field split over two lines joins with a newline (JSON whitespace).
          `data: {"id":"c1","object":"chat.completion.chunk",\rdata: "choices":[{"index":0,"delta":{"content":"world"}}]}\r\r`,
          `data: ${chunk({}, 'stop')}\n\ndata: ${usage}\n\ndata: [DONE]\n\n`,
          `data: ${chunk({ content: ' after the end' })}\n\n`,
        ],
      },
    ]);
    const result = await scripted.provider.generate({ prompt: 'hi' });
    expect(result).toMatchObject({
      text: 'Hello, world',
      finishReason: 'stop',
      usage: { promptTokens: 7, completionTokens: 3, totalTokens: 10, cachedPromptTokens: 4 },
    });
  });

  it('reads the body to its end after [DONE], so that later requests reuse the connection', async () => {
    // The body ends a moment after [DONE] (the scripted model pauses between writes), as it may from a
    // real API: cancelling it then closed the connection, and every request opened a new one. (A
    // request sent while the last body is still being read takes a second connection, kept too.)
    const answer = {
      sse: [`data: ${chunk({ content: 'kept' })}\n\n`, `data: ${chunk({}, 'stop')}\n\ndata: [DONE]\n\n`],
    };
    const turns = 6;
    scripted.model.script(Array.from({ length: turns }, () => answer));
    const before = scripted.model.connections;
    for (let turn = 0; turn < turns; turn++) {
      expect(await scripted.provider.generate({ prompt: 'hi' })).toMatchObject({ text: 'kept' });
    }
    expect(scripted.model.connections - before).toBeLessThanOrEqual(2);
  });

  it('cuts a body that stays open after [DONE] (the answer is not held up by it)', async () => {
    const before = scripted.model.disconnects;
    scripted.model.script([{ sse: [`data: ${chunk({ content: 'done' })}\n\ndata: [DONE]\n\n`], open: true }]);
    expect(await scripted.provider.generate({ prompt: 'hi' })).toMatchObject({ text: 'done' });
    await waitFor(() => scripted.model.disconnects > before, { what: 'the open body to be cut' });
  });

  it('takes the last event when the body ends without the blank line after it', async () => {
    scripted.model.script([
      { sse: [`data: ${chunk({ content: 'no blank line' })}\n\n`, `data: ${chunk({}, 'stop')}`] },
    ]);
    const result = await scripted.provider.generate({ prompt: 'hi' });
    expect(result).toMatchObject({ text: 'no blank line', finishReason: 'stop' });
  });

  it('an error event before any text is the API error with its message, retried like any other failure', async () => {
    const failing = {
      sse: [`event: error\ndata: {"error":{"message":"the model is overloaded","type":"server_error"}}\n\n`],
    };
    scripted.model.script([failing, failing]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
    expect(parts.filter((part) => part.type === 'retry')).toHaveLength(1);
    const last = parts.at(-1);
    expect(last?.type).toBe('error');
    expect(last?.type === 'error' && last.error.message).toContain('the model is overloaded');
    expect(scripted.model.requests).toHaveLength(2);
  });

  it('an error payload after text ends the stream with that error (the text is out: no retry)', async () => {
    scripted.model.script([
      {
        sse: [`data: ${chunk({ content: 'partial' })}\n\n`, `data: {"error":{"message":"stream broke upstream"}}\n\n`],
      },
    ]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
    expect(parts.map((part) => part.type)).toEqual(['start', 'step-start', 'text-delta', 'error']);
    const last = parts.at(-1);
    expect(last?.type === 'error' && last.error.message).toContain('stream broke upstream');
    expect(scripted.model.requests).toHaveLength(1);
  });

  it('an event that is not JSON is a protocol error that says so, not retried', async () => {
    scripted.model.script([{ sse: ['data: {"choices": [oops\n\n'] }]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
    const last = parts.at(-1);
    expect(last).toMatchObject({ type: 'error', error: { code: 'MODEL_FAILED', category: 'protocol' } });
    expect(last?.type === 'error' && last.error.message).toContain('an event that is not JSON ({"choices": [oops)');
    expect(scripted.model.requests).toHaveLength(1);
  });

  it('a chunk that is not an object, or a tool call delta that is not one, is a protocol error naming it', async () => {
    scripted.model.script([{ sse: ['data: 42\n\n'] }, { sse: [`data: ${chunk({ tool_calls: ['not a call'] })}\n\n`] }]);
    for (const what of ['a chunk that is not a JSON object (42)', 'a tool call delta that is not an object']) {
      const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
      const last = parts.at(-1);
      expect(last).toMatchObject({ type: 'error', error: { category: 'protocol' } });
      expect(last?.type === 'error' && last.error.message).toContain(what);
    }
  });

  it('tool call deltas without an index (some compatible servers) are told apart by their position', async () => {
    const call = (id: string, name: string, args: string) => ({
      id,
      type: 'function',
      function: { name, arguments: args },
    });
    scripted.model.script([
      {
        sse: [
          `data: ${chunk({ tool_calls: [call('a', 'first', '{}'), call('b', 'second', '{}')] })}\n\n`,
          `data: ${chunk({}, 'tool_calls')}\n\ndata: [DONE]\n\n`,
        ],
      },
      { text: 'done' },
    ]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
    expect(
      parts.filter((part) => part.type === 'tool-call').map((part) => part.type === 'tool-call' && part.id),
    ).toEqual(['a', 'b']);
  });
});
