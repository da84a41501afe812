import * as z from 'zod';
import type { PackModule } from '../../pack-framework/pack-module.js';
import { elicitAndReport } from './elicitation-tool.js';

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
      ({ message }, ctx) =>
        elicitAndReport(
          ctx,
          {
            message,
            requestedSchema: {
              type: 'object',
              properties: {
                username: { type: 'string', description: "User's response" },
                email: { type: 'string', description: "User's email address" },
              },
              required: ['username', 'email'],
            },
          },
          'User response: ',
        ),
    );
  },
};
