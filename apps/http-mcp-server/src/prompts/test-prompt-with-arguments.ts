import { completable } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { PackModule } from '../pack-framework/pack-module.js';

/** Values offered by `completion/complete` for either argument. */
const SUGGESTIONS = ['paris', 'park', 'party', 'test', 'testing', 'hello', 'world'];

function suggest(value: string): string[] {
  return SUGGESTIONS.filter((candidate) => candidate.startsWith(value.toLowerCase()));
}

export const testPromptWithArguments: PackModule = {
  name: 'test_prompt_with_arguments',
  register(server) {
    server.registerPrompt(
      'test_prompt_with_arguments',
      {
        description: 'A prompt with required arguments',
        argsSchema: z.object({
          arg1: completable(z.string().describe('First test argument'), suggest),
          arg2: completable(z.string().describe('Second test argument'), suggest),
        }),
      },
      ({ arg1, arg2 }) => ({
        messages: [
          { role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } },
        ],
      }),
    );
  },
};
