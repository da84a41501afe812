import type { StreamPart } from '@mcs/provider-sdk';

/** One line of `--json` output: every step of a turn, in the order it happened. */
export type ChatEvent =
  | { type: 'text-delta'; step: number; text: string }
  | { type: 'tool-call'; step: number; id: string; name: string; args: Record<string, unknown> }
  | {
      type: 'tool-progress';
      step: number;
      id: string;
      name: string;
      progress: number;
      total?: number;
      message?: string;
    }
  | {
      type: 'tool-result';
      step: number;
      id: string;
      name: string;
      isError: boolean;
      /** What the model got back. */
      content: string;
      error?: { code: string; message: string };
    }
  | {
      type: 'final';
      text: string;
      finishReason: string;
      steps: number;
      usage: { promptTokens: number; completionTokens: number; totalTokens: number };
    }
  | { type: 'error'; code: string; category?: string; message: string }
  /** A model or MCP request failed and is retried after `delayMs` (`policy` names the model or backend). */
  | { type: 'retry'; policy: string; attempt: number; delayMs: number; category: string; message: string }
  /** The model failed for good before answering; the next configured model is asked. */
  | { type: 'model-fallback'; from: string; to: string; message: string }
  /** MCP servers whose tools were left out of this turn (down or not answering in time). */
  | { type: 'servers-unavailable'; servers: { server: string; status: string; message: string }[] }
  /** Output of a REPL command (`/tools`, `/prompt`, ...). */
  | { type: 'info'; text: string };

/**
 * The JSONL shape of a provider stream part (the `finish` part's whole conversation is left out);
 * undefined for the parts that only frame a turn (`start`, `step-start`, `step-finish`, `abort`) and
 * for `tool-error` (its `tool-result` carries the error).
 */
export function toChatEvent(part: StreamPart): ChatEvent | undefined {
  switch (part.type) {
    case 'start':
    case 'step-start':
    case 'step-finish':
    case 'tool-error':
    case 'abort':
      return undefined;
    case 'model-fallback':
      return { type: 'model-fallback', from: part.from, to: part.to, message: part.error.message };
    case 'backends-unavailable':
      return {
        type: 'servers-unavailable',
        servers: part.unavailable.map(({ backend, status, error }) => ({
          server: backend,
          status,
          message: error.message,
        })),
      };
    case 'text-delta':
      return { type: 'text-delta', step: part.step, text: part.text };
    case 'tool-call':
      return { type: 'tool-call', step: part.step, id: part.id, name: part.name, args: part.args };
    case 'tool-progress':
      return {
        type: 'tool-progress',
        step: part.step,
        id: part.id,
        name: part.name,
        progress: part.progress,
        ...(part.total !== undefined ? { total: part.total } : {}),
        ...(part.message !== undefined ? { message: part.message } : {}),
      };
    case 'tool-result':
      return {
        type: 'tool-result',
        step: part.step,
        id: part.id,
        name: part.name,
        isError: part.isError,
        content: part.content,
        ...(part.error ? { error: { code: part.error.code, message: part.error.message } } : {}),
      };
    case 'finish':
      return {
        type: 'final',
        text: part.text,
        finishReason: part.finishReason,
        steps: part.steps,
        usage: part.usage,
      };
    case 'retry':
      return {
        type: 'retry',
        policy: part.target === 'model' ? `model:${part.model}` : part.backend,
        attempt: part.attempt,
        delayMs: part.delayMs,
        category: part.category,
        message: part.error.message,
      };
    case 'error':
      return { type: 'error', code: part.error.code, category: part.error.category, message: withHint(part.error) };
  }
}

/** What to do about a model failure the user can fix: a refused key, a model the API does not know. */
function withHint(error: { code: string; category?: string | undefined; message: string }): string {
  if (error.code !== 'MODEL_FAILED') return error.message;
  if (error.category === 'unauthenticated' || error.category === 'permission_denied') {
    return `${error.message} (the API refused the key: check OPENAI_API_KEY, or apiKey in the config)`;
  }
  if (error.category === 'unavailable' && /ECONNREFUSED|ENOTFOUND|fetch failed|connect/i.test(error.message)) {
    return `${error.message} (is the model API running? check OPENAI_BASE_URL, or baseURL in the config)`;
  }
  return error.message;
}
