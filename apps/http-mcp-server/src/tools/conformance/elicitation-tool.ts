import { type ElicitRequestFormParams, inputRequired, inputResponse } from '@modelcontextprotocol/server';
import type { PackModule } from '../../packs/pack-module.js';

const ELICIT_KEY = 'elicitation';

/**
 * A fixture tool without arguments that asks the user through `elicitation/create` and reports the
 * answer as `<prefix>action=..., content={...}`. Multi-round-trip, like `test_sampling`.
 */
export function elicitationTool(
  name: string,
  description: string,
  request: ElicitRequestFormParams,
  resultPrefix: string,
): PackModule {
  return {
    name,
    register(server) {
      server.registerTool(name, { description }, (ctx) => {
        const response = inputResponse(ctx.mcpReq.inputResponses, ELICIT_KEY);
        if (response.kind !== 'elicit') {
          return inputRequired({ inputRequests: { [ELICIT_KEY]: inputRequired.elicit(request) } });
        }
        return {
          content: [
            {
              type: 'text',
              text: `${resultPrefix}action=${response.action}, content=${JSON.stringify(response.content ?? {})}`,
            },
          ],
        };
      });
    },
  };
}
