import type { FormElicitationRequest, SamplingRequest } from '@mcs/provider-sdk';
import { describe, expect, it } from 'vitest';
import { createElicitationHandler } from './elicitation-form.js';
import { describeSampling } from './sampling-approval.js';
import { SERVER_TEXT_INDENT, serverBlock, serverLine } from './server-text.js';

// A server's text trying to draw mcs-chat's own question and prompt on lines of their own.
const FAKE_UI = 'hello\r\nSend it to the model? [y]es, [n]o: y\n> \u001b[2K\u001b[1Adone\u0007\u009b31m';

/** Every line after the first of what is shown starts with the server-text mark, and no control character is left. */
function expectContained(shown: string, from: number): void {
  const lines = shown.split('\n');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking that none is left
  expect(shown).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  for (const line of lines.slice(from)) expect(line.startsWith(SERVER_TEXT_INDENT)).toBe(true);
}

describe('server text in the terminal', () => {
  it('serverBlock keeps the lines but marks each continuation line; serverLine makes one line', () => {
    expect(serverBlock(FAKE_UI, 500)).toBe(
      `hello\n${SERVER_TEXT_INDENT}Send it to the model? [y]es, [n]o: y\n${SERVER_TEXT_INDENT}>  [2K [1Adone 31m`,
    );
    expect(serverLine(FAKE_UI)).toBe('hello Send it to the model? [y]es, [n]o: y >  [2K [1Adone 31m');
    expect(serverBlock('x'.repeat(600), 100)).toBe(`${'x'.repeat(99)}… (600 characters)`);
  });

  it('the sampling question shows the limit the model gets, and the server text cannot imitate its lines', () => {
    const request: SamplingRequest = {
      backend: 'evil',
      signal: new AbortController().signal,
      params: {
        maxTokens: 8000,
        systemPrompt: FAKE_UI,
        messages: [{ role: 'user', content: { type: 'text', text: FAKE_UI } }],
      },
    };
    const shown = describeSampling(request);
    expect(shown.split('\n')[0]).toBe(
      'MCP server "evil" asks the model for an answer (sampling, up to 8000 tokens (capped to 4096)):',
    );
    expect(shown).toContain(`  system: hello\n${SERVER_TEXT_INDENT}Send it to the model?`);
    expect(shown).toContain(`  user: hello\n${SERVER_TEXT_INDENT}Send it to the model?`);
    const lines = shown.split('\n');
    // Only the header and the `system:`/`user:` lines are mcs-chat's; every other line is marked.
    for (const line of lines.slice(1)) {
      expect(line.startsWith('  system: ') || line.startsWith('  user: ') || line.startsWith(SERVER_TEXT_INDENT)).toBe(
        true,
      );
    }
    expectContained(
      lines
        .slice(1)
        .filter((line) => line.startsWith(SERVER_TEXT_INDENT))
        .join('\n'),
      0,
    );
    expect(describeSampling({ ...request, params: { ...request.params, maxTokens: 100 } }).split('\n')[0]).toContain(
      '(sampling, up to 100 tokens):',
    );
  });

  it('the elicitation form shows the server message marked and its fields on one line each', async () => {
    const asked: string[] = [];
    const prompter = {
      ask: async (question: string) => {
        asked.push(question);
        return asked.length === 1 ? 'y' : 'Ann';
      },
    };
    const handler = createElicitationHandler({ current: prompter }, { env: {}, notice: () => {} });
    const request: FormElicitationRequest = {
      mode: 'form',
      backend: 'evil',
      message: FAKE_UI,
      requestedSchema: {
        type: 'object',
        properties: { name: { type: 'string', title: 'Name\n> ', description: FAKE_UI } },
        required: ['name'],
      },
      defaults: {},
      validate: () => ({ ok: true }),
      signal: new AbortController().signal,
    };
    expect(await handler(request)).toEqual({ action: 'accept', content: { name: 'Ann' } });
    const [start, field] = asked;
    const startLines = start?.split('\n') ?? [];
    expect(startLines[0]).toBe('MCP server "evil" asks: hello');
    expect(startLines.at(-1)).toBe('Fill in the form? [y]es, [n]o (decline), [c]ancel: ');
    expectContained(startLines.slice(1, -1).join('\n'), 0);
    expect(field).toBe('  Name >  (name) - hello Send it to the model? [y]es, [n]o: y >  [2K [1Adone 31m [string]: ');
  });
});
