import { inputRequired, inputResponse } from '@modelcontextprotocol/server';
import * as z from 'zod';
import type { PackModule } from '../../packs/pack-module.js';

const ELICIT_KEY = 'user_info';

/** Asks the user for a username and an e-mail address with the caller's `message`. */
export const testElicitationTool: PackModule = {
  name: 'test_elicitation',
  register(server) {
    server.registerTool(
      'test_elicitation',
      {
        description: 'Requests user input (elicitation) from the client',
        inputSchema: z.object({ message: z.string().describe('The message to show the user') }),
      },
      ({ message }, ctx) => {
        const response = inputResponse(ctx.mcpReq.inputResponses, ELICIT_KEY);
        if (response.kind !== 'elicit') {
          return inputRequired({
            inputRequests: {
              [ELICIT_KEY]: inputRequired.elicit({
                message,
                requestedSchema: {
                  type: 'object',
                  properties: {
                    username: { type: 'string', description: "User's response" },
                    email: { type: 'string', description: "User's email address" },
                  },
                  required: ['username', 'email'],
                },
              }),
            },
          });
        }
        const content = JSON.stringify(response.content ?? {});
        return { content: [{ type: 'text', text: `User response: action=${response.action}, content=${content}` }] };
      },
    );
  },
};
