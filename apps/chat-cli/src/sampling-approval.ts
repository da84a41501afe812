import {
  type CreateMessageRequestParams,
  createSamplingHandler,
  type McpClientPool,
  type Provider,
  type SamplingHandler,
  type SamplingRequest,
  samplingGenerateRequest,
  type Usage,
} from '@mcs/provider-sdk';
import type { PrompterSlot } from './prompter.js';
import { serverBlock, serverLine } from './server-text.js';
import type { ApprovalMode } from './tool-approval.js';

export interface SamplingApprovalOptions {
  /** `--approve`: `ask` shows each request first (refused with nobody to ask), `auto` sends it, `never` refuses it. */
  mode: ApprovalMode;
  prompter: PrompterSlot;
  /** The run's provider (made on first use: a missing model key fails this request, not the run). */
  provider: () => Provider;
  /** The model the chat asks now (`/model` switches it); `undefined`: the configured one. */
  model?: () => string | undefined;
  /** A status line for the person (refusals, answers). */
  notice: (text: string) => void;
  /** The tokens each answered request used (`/usage` counts them). */
  onUsage?: (server: string, model: string, usage: Usage) => void;
  /** Signals of the model's running tool calls of a server: aborting its turn withdraws the question. */
  callSignals?: (server: string) => AbortSignal[];
}

type Message = CreateMessageRequestParams['messages'][number];
type Block = Exclude<Message['content'], unknown[]> | Extract<Message['content'], unknown[]>[number];

/** Tries before a request nobody answers sensibly is refused: a pipe may send nonsense forever. */
const MAX_TRIES = 5;
const MAX_SHOWN = 500;

/**
 * The most tokens a model answer to a server gets, whatever the server asks (`maxTokensLimit` of the
 * handler): the question shows this limit, not only the server's number.
 */
export const SAMPLING_MAX_TOKENS = 4096;

const blocksOf = (message: Message): Block[] =>
  (Array.isArray(message.content) ? message.content : [message.content]) as Block[];

function blockText(block: Block): string {
  switch (block.type) {
    case 'text':
      return block.text;
    case 'image':
    case 'audio':
      return `[${block.type} ${block.mimeType}, ${Math.round((block.data.length * 3) / 4)} B]`;
    default:
      return `[${block.type}]`;
  }
}

/** What the server wants the model to read, as the person is shown it before saying yes. */
export function describeSampling(request: SamplingRequest, maxTokensLimit = SAMPLING_MAX_TOKENS): string {
  const { params, backend } = request;
  // The model gets at most the handler's limit, whatever the server asked for.
  const settings = [
    params.maxTokens > maxTokensLimit
      ? `up to ${params.maxTokens} tokens (capped to ${maxTokensLimit})`
      : `up to ${params.maxTokens} tokens`,
    ...(params.temperature !== undefined ? [`temperature ${params.temperature}`] : []),
    ...(params.stopSequences?.length
      ? [`stop ${serverLine(JSON.stringify(params.stopSequences.slice(0, 4)), 200)}`]
      : []),
  ].join(', ');
  const lines = [`MCP server "${backend}" asks the model for an answer (sampling, ${settings}):`];
  // Each continuation line of the server's text is marked: none can pass for a line of mcs-chat's own.
  if (params.systemPrompt) lines.push(`  system: ${serverBlock(params.systemPrompt, MAX_SHOWN)}`);
  for (const message of params.messages) {
    const role = serverLine(String(message.role), 20);
    lines.push(`  ${role}: ${serverBlock(blocksOf(message).map(blockText).join(' '), MAX_SHOWN)}`);
  }
  return lines.join('\n');
}

/** The index of the last user message that holds text (the prompt a person would edit), or -1. */
const editableIndex = (messages: readonly Message[]) =>
  messages.findLastIndex((message) => message.role === 'user' && blocksOf(message).some((b) => b.type === 'text'));

/** The messages with the text of the last user message replaced by `text` (its images and audio kept). */
function withPrompt(params: CreateMessageRequestParams, text: string): CreateMessageRequestParams {
  const index = editableIndex(params.messages);
  const messages = params.messages.map((message, at) => {
    if (at !== index) return message;
    const others = blocksOf(message).filter((block) => block.type !== 'text');
    return {
      ...message,
      content: others.length === 0 ? { type: 'text', text } : [{ type: 'text', text }, ...others],
    } as Message;
  });
  return { ...params, messages };
}

type Decision = { send: false; reason: string } | { send: true; params: CreateMessageRequestParams };

/**
 * Answers the servers' `sampling/createMessage` with the chat's model (the one `/model` chose), through the provider-sdk's
 * `createSamplingHandler` (as any user of the package wires it). Per `--approve`: `ask` shows the
 * request (system prompt, messages, token limit) and asks `y` (send), `n` (refuse) or `e` (edit the
 * prompt: the last user message, then asked again); with nobody to ask (no terminal) it is refused,
 * saying how to allow it. A refusal is MCP's "user rejected" error (-1) to the server.
 */
export function createSamplingApproval(options: SamplingApprovalOptions): SamplingHandler {
  const decisions = new WeakMap<SamplingRequest, boolean>();
  // Which server's request a model call answers: callModel gets the request's own signal, not its server.
  const servers = new WeakMap<AbortSignal, string>();
  const handler = createSamplingHandler({
    approve: (request) => decisions.get(request) === true,
    maxTokensLimit: SAMPLING_MAX_TOKENS,
    callModel: async (input) => {
      const model = options.model?.();
      const answer = await options.provider().generate({
        ...samplingGenerateRequest(input),
        // The model the person chose for the chat answers the servers too (the config's fallbacks follow it).
        ...(model === undefined ? {} : { model }),
      });
      options.onUsage?.(servers.get(input.signal) ?? '', answer.model, answer.usage);
      return { text: answer.text, model: answer.model, finishReason: answer.finishReason };
    },
  });

  const ask = async (request: SamplingRequest): Promise<Decision> => {
    if (options.mode === 'never') return { send: false, reason: '--approve never' };
    if (options.mode === 'auto') return { send: true, params: request.params };
    const prompter = options.prompter.current;
    if (!prompter) {
      return {
        send: false,
        reason: 'no terminal to ask for approval (pass --yes or --approve auto to let the model answer such requests)',
      };
    }
    // Withdrawn when the server cancels it, or when the turn whose tool call asked for it is cancelled.
    const calls = options.callSignals?.(request.backend) ?? [];
    const signal = calls.length > 0 ? AbortSignal.any([request.signal, ...calls]) : request.signal;
    let params = request.params;
    for (let tries = 0; tries < MAX_TRIES; tries += 1) {
      const shown = describeSampling({ ...request, params });
      const canEdit = editableIndex(params.messages) !== -1;
      const answer = await prompter.ask(
        `${shown}\nSend it to the model? [y]es, [n]o${canEdit ? ', [e]dit the prompt' : ''}: `,
        signal,
      );
      if (answer === undefined) return { send: false, reason: 'the user did not answer' };
      const word = answer.trim().toLowerCase();
      if (word === 'y' || word === 'yes') return { send: true, params };
      if (word === 'n' || word === 'no' || word === '') return { send: false, reason: 'the user denied it' };
      if (canEdit && (word === 'e' || word === 'edit')) {
        const text = await prompter.ask('New prompt (replaces the last user message; Enter keeps it): ', signal);
        if (text === undefined) return { send: false, reason: 'the user did not answer' };
        if (text.trim() !== '') params = withPrompt(params, text);
      }
    }
    return { send: false, reason: 'the user did not answer y or n' };
  };

  return async (request) => {
    const decision = await ask(request);
    const sent: SamplingRequest = decision.send ? { ...request, params: decision.params } : request;
    decisions.set(sent, decision.send);
    if (!decision.send) {
      options.notice(`mcs-chat: sampling request of MCP server "${request.backend}" refused: ${decision.reason}`);
      return handler(sent);
    }
    if (options.mode === 'auto') {
      options.notice(
        `mcs-chat: sampling request of MCP server "${request.backend}" sent to the model (--approve auto)`,
      );
    }
    try {
      servers.set(request.signal, request.backend);
      const result = await handler(sent);
      const text = result.content.type === 'text' ? result.content.text : `[${result.content.type}]`;
      options.notice(
        `← sampling for ${request.backend} (${result.model}): ${serverLine(text.replace(/\s+/g, ' '), 200)}`,
      );
      return result;
    } catch (error) {
      options.notice(
        `mcs-chat: sampling request of MCP server "${request.backend}" failed: ${serverLine((error as Error).message, 300)}`,
      );
      throw error;
    }
  };
}

/**
 * The model's tool calls, each with its signal noted by server while it runs (see `callSignals`):
 * a sampling question asked for a call of a cancelled turn is withdrawn with it.
 */
export function trackToolCalls(pool: McpClientPool): {
  pool: McpClientPool;
  callSignals: (server: string) => AbortSignal[];
} {
  const running = new Map<string, Set<AbortSignal>>();
  const callTool: McpClientPool['callTool'] = async (name, args, callOptions) => {
    const signal = callOptions?.signal;
    const server = name.split('.')[0] ?? '';
    if (!signal) return pool.callTool(name, args, callOptions);
    let set = running.get(server);
    if (!set) {
      set = new Set();
      running.set(server, set);
    }
    set.add(signal);
    try {
      return await pool.callTool(name, args, callOptions);
    } finally {
      set.delete(signal);
    }
  };
  const tracked = new Proxy(pool, {
    get(target, key) {
      if (key === 'callTool') return callTool;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { pool: tracked, callSignals: (server) => [...(running.get(server) ?? [])] };
}
