import type { ChatCompletionMessageParam, PoolConnectResult, StreamPart } from '@mcs/provider-sdk';
import { loadChatConfig } from '../chat-config.js';
import { type ChatRuntime, createChatRuntime } from '../chat-runtime.js';
import { ChatSession, type TurnOutcome, type TurnUsage } from '../chat-session.js';
import { connectServers } from '../cli.js';
import { type ChatEvent, toChatEvent } from '../render/chat-event.js';
import type { Output } from '../render/output.js';
import type { ApprovalMode } from '../tool-approval.js';

export interface ChatOptions {
  /** Config file in any of the CLI's formats; absent: `./config.json`, then the user's config directory, else no servers. */
  config?: string;
  /** Model name; wins over the config's `model` and `OPENAI_MODEL`. */
  model?: string;
  /** Where `config.json`, `.env` and relative paths are looked up, and the servers' root (unless the config has `roots`). Default: `process.cwd()`. */
  cwd?: string;
  /** Variables for the config's `${VAR}` and the model settings (`OPENAI_*`). Default: a copy of `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * The model's calls of tools not annotated read-only: `auto` (default: a program has no one to ask)
   * runs them, `never` refuses them (the model is told why).
   */
  approve?: Exclude<ApprovalMode, 'ask'>;
  /** Where sign-in notices go (an OAuth sign-in URL to open). Default: `process.stderr`. */
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** One step of an answer: the same object `mcs-chat --json` prints as a line, and as `json`. */
export type ChatStep = ChatEvent & {
  /** The step as a plain JSON-serialisable object (the seed's `step.json`). */
  readonly json: ChatEvent;
};

export interface SendOptions {
  /** Aborting cancels the answer: the model stream and running tool calls (MCP cancellation). */
  signal?: AbortSignal;
}

/** A conversation with the model and the config's MCP servers; `send` adds a turn. */
export interface Chat extends AsyncDisposable {
  /**
   * Sends `query` and yields every step of the answer as it happens (`text-delta`, `tool-call`,
   * `tool-progress`, `tool-result`, `retry`, ..., then `final`, or `error`). The conversation keeps the
   * turn when the model answered. Turns run one at a time: a second `send` waits for the first.
   */
  send(query: string, options?: SendOptions): AsyncIterable<ChatStep>;
  /** Finished turns so far (user, assistant and tool messages). */
  readonly history: readonly ChatCompletionMessageParam[];
  /** Tokens per turn. */
  readonly usage: readonly TurnUsage[];
  /** Which servers connected at the start (each failed one with its error). */
  readonly servers: PoolConnectResult;
  /** Closes the MCP connections (stdio servers end). */
  close(): Promise<void>;
}

const step = (event: ChatEvent): ChatStep => ({ ...event, json: event });

/** Collects a turn's events for `send`'s iterator (the CLI's outputs print them instead). */
function queueOutput(push: (event: ChatEvent) => void): Output {
  return {
    json: true,
    part: (part: StreamPart) => {
      const event = toChatEvent(part);
      if (event) push(event);
    },
    event: push,
    info: (text) => push({ type: 'info', text }),
    status: (text) => push({ type: 'info', text }),
    error: (error) =>
      push({
        type: 'error',
        code: (error as { code?: unknown }).code === undefined ? 'INTERNAL' : String((error as { code: unknown }).code),
        message: error instanceof Error ? error.message : String(error),
      }),
    turnEnded: async () => {},
    question: (ask) => ask(),
  };
}

/**
 * The seed's `Chat`, for programs: reads the config like `mcs-chat` does (any of its formats, `.env`),
 * connects the MCP servers (waiting at most 20 s; unreachable ones are left out, see `servers`), and
 * answers with the configured OpenAI-compatible model. The model key is needed at the first `send`.
 */
export async function createChat(options: ChatOptions = {}): Promise<Chat> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? { ...process.env };
  const config = await loadChatConfig({ file: options.config, model: options.model, cwd, env });
  const runtime: ChatRuntime = createChatRuntime(config, {
    env,
    cwd,
    approve: options.approve ?? 'auto',
    stderr: options.stderr ?? process.stderr,
  });
  let servers: PoolConnectResult;
  try {
    servers = await connectServers(runtime);
  } catch (error) {
    await runtime.close();
    throw error;
  }
  const session = new ChatSession(runtime.provider, { model: config.parsed.model ?? env.OPENAI_MODEL });
  let previous: Promise<unknown> = Promise.resolve();
  let closed = false;
  // `close` cancels a turn still running (a caller that stopped reading its steps).
  const closing = new AbortController();

  async function* send(query: string, sendOptions: SendOptions = {}): AsyncGenerator<ChatStep> {
    if (closed) throw new Error('this chat is closed');
    const events: ChatEvent[] = [];
    let wake: (() => void) | undefined;
    const push = (event: ChatEvent) => {
      events.push(event);
      wake?.();
    };
    // The turn runs on even when the caller stops reading: cancel it with `signal`.
    const signal = sendOptions.signal ? AbortSignal.any([sendOptions.signal, closing.signal]) : closing.signal;
    const turn: Promise<TurnOutcome> = previous.then(() => session.turn(query, queueOutput(push), signal));
    previous = turn.catch(() => undefined);
    let done = false;
    turn.then(
      () => {
        done = true;
        wake?.();
      },
      (error: unknown) => {
        push({ type: 'error', code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) });
        done = true;
        wake?.();
      },
    );
    for (;;) {
      const event = events.shift();
      if (event) {
        yield step(event);
        continue;
      }
      if (done) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  }

  const close = async () => {
    if (closed) return;
    closed = true;
    closing.abort();
    await previous;
    await runtime.close();
  };
  return {
    send,
    get history() {
      return session.history;
    },
    get usage() {
      return session.usage;
    },
    servers,
    close,
    [Symbol.asyncDispose]: close,
  };
}
