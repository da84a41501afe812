// The approval question shows the tool's name and arguments as the model sent them: no control
// character (DEL and C1 included, which JSON.stringify leaves as they are) reaches the terminal.
import type { McpClientPool } from '@mcs/provider-sdk';
import { describe, expect, it } from 'vitest';
import { withToolApproval } from './tool-approval.js';

describe('withToolApproval', () => {
  it('asks with the name and arguments cleaned of control characters, and runs the call on yes', async () => {
    const questions: string[] = [];
    const calls: string[] = [];
    // Only what withToolApproval uses of the pool: listTools for annotations, callTool to run.
    const pool = {
      listTools: async () => ({ tools: [] }),
      callTool: async (name: string) => {
        calls.push(name);
        return { content: [], isError: false };
      },
    } as unknown as McpClientPool;
    const approved = withToolApproval(pool, {
      mode: 'ask',
      prompter: {
        current: {
          ask: async (question: string) => {
            questions.push(question);
            return 'y';
          },
        },
      },
    });
    await approved.callTool('files.write\u009b2J', { path: 'a\u007f\u009b31mred', text: 'x' });
    expect(questions).toHaveLength(1);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the characters that must not be shown
    expect(questions[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(questions[0]).toContain('Allow files.write 2J {"path":"a 31mred","text":"x"}? [y]es');
    expect(calls).toEqual(['files.write\u009b2J']);
  });
});
