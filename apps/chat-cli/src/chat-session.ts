import {
  addUsage,
  type ChatCompletionMessageParam,
  type Provider,
  toOpenAIMessages,
  type Usage,
} from '@mcs/provider-sdk';
import type { Output } from './render/output.js';

export type TurnOutcome = 'answered' | 'failed' | 'cancelled';

/** The tokens one turn used (every model call of it, also of a failed or cancelled turn). */
export interface TurnUsage {
  turn: number;
  model: string;
  usage: Usage;
}

/** The tokens of one sampling request a server made, answered by the model. */
export interface SamplingUsage {
  server: string;
  model: string;
  usage: Usage;
}

/** Provider now, or a function that makes it when the first turn needs it (no model key needed before). */
export type ProviderSource = Provider | (() => Provider);

/**
 * A conversation with the provider: the history of finished turns (the provider's `system` message
 * is not kept: it adds it to every request), messages waiting for the next turn (`/prompt`, `/read`),
 * the model chosen with `/model`, and the tokens used.
 */
export class ChatSession {
  readonly #provider: () => Provider;
  #history: ChatCompletionMessageParam[] = [];
  #pending: ChatCompletionMessageParam[] = [];
  #model: string | undefined;
  #turns = 0;
  #lastErrorCode: string | undefined;
  readonly #usage: TurnUsage[] = [];
  readonly #samplingUsage: SamplingUsage[] = [];

  /** `model`: the configured model's name (shown by `/model`; `undefined` when unknown). */
  constructor(provider: ProviderSource, options: { model?: string | undefined } = {}) {
    this.#provider = typeof provider === 'function' ? provider : () => provider;
    this.#model = options.model;
  }

  get history(): readonly ChatCompletionMessageParam[] {
    return this.#history;
  }

  get pending(): readonly ChatCompletionMessageParam[] {
    return this.#pending;
  }

  /** The model the next turn asks. */
  get model(): string | undefined {
    return this.#model;
  }

  set model(name: string) {
    this.#model = name;
  }

  /** The error code of the last turn when it failed (the exit code of `-p` depends on it). */
  get lastErrorCode(): string | undefined {
    return this.#lastErrorCode;
  }

  /** Every turn's usage so far, in order. */
  get usage(): readonly TurnUsage[] {
    return this.#usage;
  }

  /** Every answered sampling request's usage so far, in order. */
  get samplingUsage(): readonly SamplingUsage[] {
    return this.#samplingUsage;
  }

  /** Counts the tokens of a sampling request (they are not part of the conversation). */
  addSamplingUsage(entry: SamplingUsage): void {
    this.#samplingUsage.push(entry);
  }

  /** Queues messages that go to the model before the next user message. */
  addPending(messages: ChatCompletionMessageParam[]): void {
    this.#pending.push(...messages);
  }

  /** Replaces the conversation (a loaded one); pending messages are dropped. */
  replaceHistory(messages: ChatCompletionMessageParam[]): void {
    this.#history = withoutLeadingSystem(messages);
    this.#pending = [];
  }

  clear(): void {
    this.#history = [];
    this.#pending = [];
  }

  /**
   * Runs one turn, writing every step to `output`. The history grows only when the model answered;
   * a failed or cancelled turn leaves history and pending messages as they were.
   */
  async turn(text: string, output: Output, signal?: AbortSignal): Promise<TurnOutcome> {
    this.#lastErrorCode = undefined;
    const messages: ChatCompletionMessageParam[] = [
      ...this.#history,
      ...this.#pending,
      { role: 'user', content: text },
    ];
    let provider: Provider;
    try {
      provider = this.#provider();
    } catch (error) {
      // E.g. no model key: the REPL goes on (commands work without one); `-p` exits with the code.
      output.error(error);
      return this.#failed((error as { code?: unknown }).code);
    }
    this.#turns += 1;
    const turn: TurnUsage = { turn: this.#turns, model: this.#model ?? '', usage: emptyUsage() };
    let steps = 0;
    try {
      const request = {
        messages,
        ...(signal ? { signal } : {}),
        ...(this.#model !== undefined ? { model: this.#model } : {}),
      };
      for await (const part of provider.generateStream(request)) {
        if (part.type === 'step-finish') {
          steps += 1;
          turn.model = part.model;
          addUsage(turn.usage, part.usage);
        }
        if (part.type === 'error') {
          output.part(part);
          return part.error.code === 'CANCELLED' ? 'cancelled' : this.#failed(part.error.code);
        }
        output.part(part);
        if (part.type === 'finish') {
          // Kept (and saved) as OpenAI chat messages, the shape of the conversation files.
          this.#history = withoutLeadingSystem(toOpenAIMessages(part.messages));
          this.#pending = [];
          return 'answered';
        }
      }
      return this.#failed('MODEL_FAILED');
    } finally {
      // Only turns in which the model answered at least once have usage to show.
      if (steps > 0) this.#usage.push(turn);
      await output.turnEnded();
    }
  }

  #failed(code: unknown): 'failed' {
    this.#lastErrorCode = typeof code === 'string' ? code : 'INTERNAL';
    return 'failed';
  }
}
const emptyUsage = (): Usage => ({ promptTokens: 0, completionTokens: 0, totalTokens: 0 });

function withoutLeadingSystem(messages: ChatCompletionMessageParam[]): ChatCompletionMessageParam[] {
  let start = 0;
  while (start < messages.length && messages[start]?.role === 'system') start += 1;
  return messages.slice(start);
}
