// How the provider meets a failing model API: the scripted OpenAI-compatible server (the one allowed
// imitation) fails on cue (429 with Retry-After, 500, 503, a drop right after the role-only chunk,
// a stall before and after the first token, a slow first token).
import { waitFor } from '@mcs/test-utils';
import { describe, expect, it } from 'vitest';
import { createProvider, type StreamPart } from '../src/index.js';
import { collect, useScriptedProvider } from './fixtures/scripted-provider.js';

const scripted = useScriptedProvider((baseURL) => ({
  model: 'scripted-1',
  baseURL,
  apiKey: 'test-key',
  // Long enough that a loaded 2-core CI machine does not hit them where a test expects another
  // failure (at 300 ms a dropped stream was once labelled `timeout`); the slow-token case waits 2 s.
  firstTokenTimeoutMs: 1_500,
  idleTimeoutMs: 1_500,
  modelPolicy: { retry: { baseDelayMs: 10, maxDelayMs: 2_000 } },
}));

/** The part types, without the frame every stream has (`start`, `step-start`). */
const kinds = (parts: StreamPart[]) =>
  parts.map((part) => part.type).filter((type) => type !== 'start' && type !== 'step-start');

describe('retries before any content', () => {
  it('a drop right after the role-only chunk is retried: nothing had reached the stream', async () => {
    scripted.model.script([{ drop: 'after-role' }, { text: ['again'] }]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
    expect(parts.at(-1)).toMatchObject({ type: 'finish', text: 'again' });
    expect(parts.find((part) => part.type === 'retry')).toMatchObject({
      target: 'model',
      model: 'scripted-1',
      step: 1,
      attempt: 1,
      category: 'unavailable',
    });
    expect(scripted.model.requests).toHaveLength(2);
  });

  it('a drop in the middle of a tool call (no text out yet) is retried and the call is not doubled', async () => {
    scripted.model.script([
      { drop: 'after-text', toolCalls: [{ name: 'x', arguments: {} }] },
      { text: 'plain answer' },
    ]);
    const result = await scripted.provider.generate({ prompt: 'hi' });
    expect(result).toMatchObject({ text: 'plain answer', steps: 1, toolCalls: [] });
  });

  it('429 with Retry-After, then 500: each retry is a stream part before the answer (attempt, delay, category, model)', async () => {
    scripted.model.script([{ status: 429, headers: { 'retry-after': '1' } }, { status: 500 }, { text: 'finally' }]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
    expect(kinds(parts)).toEqual(['retry', 'retry', 'text-delta', 'step-finish', 'finish']);
    const [first, second] = parts.filter((part) => part.type === 'retry');
    expect(first).toMatchObject({ target: 'model', model: 'scripted-1', attempt: 1, category: 'rate_limited' });
    expect(first!.delayMs).toBeGreaterThanOrEqual(1_000);
    expect(second).toMatchObject({ attempt: 2, category: 'internal' });
    expect(first!.error).toMatchObject({ code: 'MODEL_FAILED', category: 'rate_limited' });
  });

  it('a 503 with Retry-After: 120 says at once that it waits (delay capped by maxDelayMs); breaking out ends the wait', async () => {
    await using patient = createProvider(
      {
        model: 'scripted-1',
        baseURL: scripted.model.baseURL,
        apiKey: 'k',
        modelPolicy: { retry: { maxDelayMs: 120_000 } },
      },
      { env: {} },
    );
    scripted.model.script([{ status: 503, headers: { 'retry-after': '120' } }, { text: 'never asked' }]);
    const parts: StreamPart[] = [];
    for await (const part of patient.generateStream({ prompt: 'hi' })) {
      parts.push(part);
      if (part.type === 'retry') break;
    }
    expect(parts.at(-1)).toMatchObject({
      type: 'retry',
      target: 'model',
      model: 'scripted-1',
      attempt: 1,
      delayMs: 120_000,
      category: 'unavailable',
    });
    expect(scripted.model.requests).toHaveLength(1);
  });
});

describe('stream deadlines', () => {
  it('a stall before the first token ends at firstTokenTimeoutMs and is retried', async () => {
    scripted.model.script([{ hang: true }, { text: 'after the stall' }]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
    expect(parts.at(-1)).toMatchObject({ type: 'finish', text: 'after the stall' });
    const retry = parts.find((part) => part.type === 'retry');
    expect(retry).toMatchObject({ target: 'model', category: 'timeout' });
    expect(retry!.error.message).toContain('firstTokenTimeoutMs');
    await waitFor(() => scripted.model.disconnects >= 1, { what: 'the stalled stream to be closed' });
  });

  it('a slow first token past the deadline is retried; within it, it is just slow', async () => {
    scripted.model.script([
      { text: 'late', firstTokenDelayMs: 2_000 },
      { text: 'on time', firstTokenDelayMs: 50 },
    ]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
    expect(kinds(parts)).toEqual(['retry', 'text-delta', 'step-finish', 'finish']);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', text: 'on time' });
  });

  it('a stall after the first token ends with a clear timeout error (the text is out: no retry)', async () => {
    const before = scripted.model.disconnects;
    scripted.model.script([{ text: ['Hel'], hang: true }, { text: 'not asked' }]);
    const parts = await collect(scripted.provider.generateStream({ prompt: 'hi' }));
    expect(kinds(parts)).toEqual(['text-delta', 'error']);
    const error =
      parts.at(-1)!.type === 'error' ? (parts.at(-1) as Extract<StreamPart, { type: 'error' }>).error : undefined;
    expect(error).toMatchObject({ code: 'MODEL_FAILED', category: 'timeout' });
    expect(error!.message).toContain('idleTimeoutMs');
    expect(scripted.model.requests).toHaveLength(1);
    await waitFor(() => scripted.model.disconnects > before, { what: 'the stalled stream to be closed' });
  });

  it('a stall that outlasts every retry ends with the timeout error', async () => {
    await using impatient = createProvider(
      {
        model: 'scripted-1',
        baseURL: scripted.model.baseURL,
        apiKey: 'k',
        firstTokenTimeoutMs: 200,
        modelPolicy: { retry: { maxRetries: 1, baseDelayMs: 10 } },
      },
      { env: {} },
    );
    scripted.model.script([{ hang: true }, { hang: true }]);
    const error = await impatient.generate({ prompt: 'hi' }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ code: 'MODEL_FAILED', category: 'timeout' });
    expect(scripted.model.requests).toHaveLength(2);
  });
});
