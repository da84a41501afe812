// Fixtures of the 2026-07-28 input-required (multi-round-trip) scenarios of
// `@modelcontextprotocol/conformance` 0.2.0-alpha (`input-required-result-*`). Each handler is
// written once for both eras: on 2026-07-28 requests the client fulfils the input requests and
// retries (any replica: what a handler needs between rounds travels in the sealed `requestState`);
// on 2025-era sessions the SDK's shim sends the requests to the client itself.
import {
  acceptedContent,
  type InputRequest,
  inputRequired,
  inputResponse,
  type McpServer,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { requestStateFor } from '../../mcp/stateless/request-state.js';
import type { PackContext } from '../../pack-framework/pack-context.js';
import type { PackModule } from '../../pack-framework/pack-module.js';

function text(value: string) {
  return { content: [{ type: 'text' as const, text: value }] };
}

function askText(message: string, field: string): InputRequest {
  return inputRequired.elicit({
    message,
    requestedSchema: { type: 'object', properties: { [field]: { type: 'string' } }, required: [field] },
  });
}

/** The accepted elicitation's string field `field` of `key`, else undefined. */
function answeredText(ctx: ServerContext, key: string, field: string): string | undefined {
  const value = acceptedContent(ctx.mcpReq.inputResponses, key)?.[field];
  return typeof value === 'string' ? value : undefined;
}

function samplingText(ctx: ServerContext, key: string): string | undefined {
  const response = inputResponse(ctx.mcpReq.inputResponses, key);
  if (response.kind !== 'sampling') return undefined;
  const blocks = Array.isArray(response.result.content) ? response.result.content : [response.result.content];
  return blocks.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('\n');
}

function rootsCount(ctx: ServerContext, key: string): number | undefined {
  const response = inputResponse(ctx.mcpReq.inputResponses, key);
  return response.kind === 'roots' ? response.roots.length : undefined;
}

function seal(context: PackContext): NonNullable<PackContext['requestState']> {
  if (context.requestState === undefined) throw new Error('no requestState seal in the pack context');
  return context.requestState;
}

/** A tool without arguments whose handler may return an input-required result. */
type Handler = (ctx: ServerContext, server: McpServer, context: PackContext) => unknown;

function noArgumentTool(name: string, description: string, handler: Handler): PackModule {
  return {
    name,
    register(server, context) {
      server.registerTool(
        name,
        { description },
        (ctx) =>
          // biome-ignore lint/suspicious/noExplicitAny: the handlers return CallToolResult or an input-required result
          handler(ctx, server, context) as any,
      );
    },
  };
}

const CONFIRM: InputRequest = inputRequired.elicit({
  message: 'Please confirm',
  requestedSchema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
});

export const inputRequiredElicitationTool = noArgumentTool(
  'test_input_required_result_elicitation',
  'Input required: asks the client for a name (elicitation), then greets',
  (ctx) => {
    const name = answeredText(ctx, 'user_name', 'name');
    if (name !== undefined) return text(`Hello, ${name}!`);
    return inputRequired({ inputRequests: { user_name: askText('What is your name?', 'name') } });
  },
);

export const inputRequiredSamplingTool = noArgumentTool(
  'test_input_required_result_sampling',
  "Input required: asks the client's model (sampling), then returns its answer",
  (ctx) => {
    const answer = samplingText(ctx, 'sample_request');
    if (answer !== undefined) return text(`Sampling result: ${answer}`);
    return inputRequired({
      inputRequests: {
        sample_request: inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }],
          maxTokens: 100,
        }),
      },
    });
  },
);

export const inputRequiredListRootsTool = noArgumentTool(
  'test_input_required_result_list_roots',
  "Input required: asks for the client's roots, then counts them",
  (ctx) => {
    const count = rootsCount(ctx, 'roots_request');
    if (count !== undefined) return text(`Found ${count} root(s)`);
    return inputRequired({ inputRequests: { roots_request: inputRequired.listRoots() } });
  },
);

const REQUEST_STATE_TOOL = 'test_input_required_result_request_state';
export const inputRequiredRequestStateTool = noArgumentTool(
  REQUEST_STATE_TOOL,
  'Input required with requestState: asks for a confirmation, checks the echoed state',
  (ctx, _server, context) => {
    const state = requestStateFor<{ kind?: string }>(ctx, REQUEST_STATE_TOOL);
    const ok = acceptedContent(ctx.mcpReq.inputResponses, 'confirm')?.ok;
    if (state?.kind === 'request-state' && ok === true) return text('state-ok: requestState validated');
    return inputRequired({
      inputRequests: { confirm: CONFIRM },
      requestState: seal(context).mint(REQUEST_STATE_TOOL, { kind: 'request-state' }, ctx),
    });
  },
);

const MULTIPLE_INPUTS_TOOL = 'test_input_required_result_multiple_inputs';
export const inputRequiredMultipleInputsTool = noArgumentTool(
  MULTIPLE_INPUTS_TOOL,
  'Input required: an elicitation, a sampling and a roots request in one round',
  (ctx, _server, context) => {
    const state = requestStateFor<{ kind?: string }>(ctx, MULTIPLE_INPUTS_TOOL);
    const name = answeredText(ctx, 'user_name', 'name');
    const greeting = samplingText(ctx, 'greeting');
    const roots = rootsCount(ctx, 'client_roots');
    if (state?.kind === 'multiple-inputs' && name !== undefined && greeting !== undefined && roots !== undefined) {
      return text(`Name: ${name}; Greeting: ${greeting}; Roots: ${roots}`);
    }
    return inputRequired({
      inputRequests: {
        user_name: askText('What is your name?', 'name'),
        greeting: inputRequired.createMessage({
          messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }],
          maxTokens: 50,
        }),
        client_roots: inputRequired.listRoots(),
      },
      requestState: seal(context).mint(MULTIPLE_INPUTS_TOOL, { kind: 'multiple-inputs' }, ctx),
    });
  },
);

const MULTI_ROUND_TOOL = 'test_input_required_result_multi_round';
export const inputRequiredMultiRoundTool = noArgumentTool(
  MULTI_ROUND_TOOL,
  'Input required over two rounds: a name, then a colour; the name travels in requestState',
  (ctx, _server, context) => {
    const state = requestStateFor<{ round?: number; name?: string }>(ctx, MULTI_ROUND_TOOL);
    const firstRound = () =>
      inputRequired({
        inputRequests: { step1: askText('Step 1: What is your name?', 'name') },
        requestState: seal(context).mint(MULTI_ROUND_TOOL, { round: 1 }, ctx),
      });
    if (state?.round === 1) {
      const name = answeredText(ctx, 'step1', 'name');
      if (name === undefined) return firstRound();
      return inputRequired({
        inputRequests: { step2: askText('Step 2: What is your favorite color?', 'color') },
        requestState: seal(context).mint(MULTI_ROUND_TOOL, { round: 2, name }, ctx),
      });
    }
    if (state?.round === 2 && typeof state.name === 'string') {
      const color = answeredText(ctx, 'step2', 'color');
      if (color !== undefined) return text(`Multi-round complete for ${state.name} who likes ${color}`);
    }
    return firstRound();
  },
);

const TAMPERED_STATE_TOOL = 'test_input_required_result_tampered_state';
export const inputRequiredTamperedStateTool = noArgumentTool(
  TAMPERED_STATE_TOOL,
  'Input required with sealed requestState: a tampered state is refused (-32602)',
  (ctx, _server, context) => {
    // A state that fails the seal never gets here: the SDK answers -32602 before the handler runs.
    const state = requestStateFor<{ kind?: string }>(ctx, TAMPERED_STATE_TOOL);
    if (state?.kind === 'tamper-test' && acceptedContent(ctx.mcpReq.inputResponses, 'confirm') !== undefined) {
      return text('integrity-ok: state verified');
    }
    return inputRequired({
      inputRequests: { confirm: CONFIRM },
      requestState: seal(context).mint(TAMPERED_STATE_TOOL, { kind: 'tamper-test' }, ctx),
    });
  },
);

const CAPABILITIES_TOOL = 'test_input_required_result_capabilities';
export const inputRequiredCapabilitiesTool = noArgumentTool(
  CAPABILITIES_TOOL,
  'Input required: asks only for what the client declared (elicitation and/or sampling)',
  (ctx, server, context) => {
    const answered = Object.keys(ctx.mcpReq.inputResponses ?? {});
    if (requestStateFor(ctx, CAPABILITIES_TOOL) !== undefined && answered.length > 0) {
      return text(`capabilities-ok: received ${answered.join(',')}`);
    }
    const capabilities = server.server.getClientCapabilities() ?? {};
    const inputRequests: Record<string, InputRequest> = {};
    if (capabilities.elicitation) inputRequests.elicit_input = askText('Elicitation input', 'value');
    if (capabilities.sampling) {
      inputRequests.sample_input = inputRequired.createMessage({
        messages: [{ role: 'user', content: { type: 'text', text: 'Sample request' } }],
        maxTokens: 50,
      });
    }
    if (Object.keys(inputRequests).length === 0) return text('No supported capabilities declared');
    return inputRequired({
      inputRequests,
      requestState: seal(context).mint(CAPABILITIES_TOOL, { kind: 'capabilities-test' }, ctx),
    });
  },
);

/** `prompts/get` of this prompt asks for a context first (input-required results are not only for tools). */
export const inputRequiredPrompt: PackModule = {
  name: 'test_input_required_result_prompt',
  register(server) {
    server.registerPrompt(
      'test_input_required_result_prompt',
      { description: 'Input required: asks for a context (elicitation), then builds the prompt' },
      (ctx) => {
        const context = answeredText(ctx, 'user_context', 'context');
        if (context === undefined) {
          return inputRequired({
            inputRequests: { user_context: askText('What context should the prompt use?', 'context') },
          });
        }
        return { messages: [{ role: 'user', content: { type: 'text', text: `Prompt with context: ${context}` } }] };
      },
    );
  },
};
