import type { ChatCompletionMessageParam, Provider } from '@mcs/provider-sdk';
import type { Output } from './render/output.js';

export type TurnOutcome = 'answered' | 'failed' | 'cancelled';

/**
 * A conversation with the provider: the history of finished turns (the provider's `system` message
 * is not kept: it adds it to every request) and messages waiting for the next turn (`/prompt`, `/read`).
 */
export class ChatSession {
  readonly #provider: Provider;
  #history: ChatCompletionMessageParam[] = [];
  #pending: ChatCompletionMessageParam[] = [];

  constructor(provider: Provider) {
    this.#provider = provider;
  }

  get history(): readonly ChatCompletionMessageParam[] {
    return this.#history;
  }

  get pending(): readonly ChatCompletionMessageParam[] {
    return this.#pending;
  }

  /** Queues messages that go to the model before the next user message. */
  addPending(messages: ChatCompletionMessageParam[]): void {
    this.#pending.push(...messages);
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
    const messages: ChatCompletionMessageParam[] = [
      ...this.#history,
      ...this.#pending,
      { role: 'user', content: text },
    ];
    for await (const part of this.#provider.generateStream({ messages, ...(signal ? { signal } : {}) })) {
      if (part.type === 'error') {
        output.part(part);
        return part.error.code === 'CANCELLED' ? 'cancelled' : 'failed';
      }
      output.part(part);
      if (part.type === 'finish') {
        this.#history = withoutLeadingSystem(part.messages);
        this.#pending = [];
        return 'answered';
      }
    }
    return 'failed';
  }
}

function withoutLeadingSystem(messages: ChatCompletionMessageParam[]): ChatCompletionMessageParam[] {
  let start = 0;
  while (start < messages.length && messages[start]?.role === 'system') start += 1;
  return messages.slice(start);
}
