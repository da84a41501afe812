import {
  type CallToolResult,
  type ElicitRequestFormParams,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { PackModule } from '../../pack-framework/pack-module.js';

const ELICIT_KEY = 'elicitation';

/**
 * Asks the user through `elicitation/create` and reports the answer as
 * `<prefix>action=..., content={...}`. Multi-round-trip, like `test_sampling`: the first round
 * returns the input request, the retry carries the answer.
 */
export function elicitAndReport(
  ctx: ServerContext,
  request: ElicitRequestFormParams,
  resultPrefix: string,
): CallToolResult | InputRequiredResult {
  const response = inputResponse(ctx.mcpReq.inputResponses, ELICIT_KEY);
  if (response.kind !== 'elicit') {
    return inputRequired({ inputRequests: { [ELICIT_KEY]: inputRequired.elicit(request) } });
  }
  const content = JSON.stringify(response.content ?? {});
  return { content: [{ type: 'text', text: `${resultPrefix}action=${response.action}, content=${content}` }] };
}

/** A fixture tool without arguments that elicits `request` and reports the answer. */
export function elicitationTool(
  name: string,
  description: string,
  request: ElicitRequestFormParams,
  resultPrefix: string,
): PackModule {
  return {
    name,
    register(server) {
      server.registerTool(name, { description }, (ctx) => elicitAndReport(ctx, request, resultPrefix));
    },
  };
}
