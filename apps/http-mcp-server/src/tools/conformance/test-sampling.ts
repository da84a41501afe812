import { inputRequired, inputResponse } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { PackModule } from '../../pack-framework/pack-module.js';

const SAMPLING_KEY = 'sampling';

/**
 * Asks the client's model (`sampling/createMessage`) and returns its answer. Written as a
 * multi-round-trip handler: on 2026-07-28 requests the client fulfils the input request and retries
 * (stateless, any replica); on 2025-era sessions the SDK sends the request to the client itself.
 * A client without the `sampling` capability gets an error from the SDK.
 */
export const testSamplingTool: PackModule = {
  name: 'test_sampling',
  register(server) {
    server.registerTool(
      'test_sampling',
      {
        description: 'Requests LLM sampling from the client and returns the response',
        inputSchema: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
      },
      ({ prompt }, ctx) => {
        const response = inputResponse(ctx.mcpReq.inputResponses, SAMPLING_KEY);
        if (response.kind !== 'sampling') {
          return inputRequired({
            inputRequests: {
              [SAMPLING_KEY]: inputRequired.createMessage({
                messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
                maxTokens: 100,
              }),
            },
          });
        }
        const { content } = response.result;
        const blocks = Array.isArray(content) ? content : [content];
        const text = blocks.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('\n');
        return { content: [{ type: 'text', text: `LLM response: ${text}` }] };
      },
    );
  },
};
