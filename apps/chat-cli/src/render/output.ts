import { ProviderError, type StreamPart } from '@mcs/provider-sdk';
import { ChatCliError } from '../chat-cli-error.js';
import { type ChatEvent, toChatEvent } from './chat-event.js';
import { createTerminalOutput } from './terminal-output.js';

export interface OutputStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** `NO_COLOR` and `TERM=dumb` turn the terminal's colours and Markdown off. */
  env?: Record<string, string | undefined>;
}

/** Where a turn's steps and the CLI's messages go, as text for people or as JSONL for programs. */
export interface Output {
  readonly json: boolean;
  /** One stream part of a turn. */
  part(part: StreamPart): void;
  /** A CLI-level event (e.g. an error outside a turn) in the same format. */
  event(event: ChatEvent): void;
  /** Command output (REPL): plain lines on stdout, or `info` events in JSON mode. */
  info(text: string): void;
  /** A status line on stderr (dim in a terminal). */
  status(text: string): void;
  /** A failure outside a turn: an `error` event (JSONL on stdout, or a line on stderr). */
  error(error: unknown): void;
  /** The turn is over (answered, failed or cancelled): everything live is put to rest before the prompt. */
  turnEnded(): Promise<void>;
  /** Runs `ask` (a question to the person: tool approval, a form) with the live part of the screen stilled. */
  question<T>(ask: () => Promise<T>): Promise<T>;
}

const MAX_STATUS = 200;

const clip = (text: string): string => {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_STATUS ? `${line.slice(0, MAX_STATUS - 1)}…` : line;
};

const codeOf = (error: unknown): string =>
  ChatCliError.isInstance(error) || ProviderError.isInstance(error) ? error.code : 'INTERNAL';
const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * JSONL (`--json`), the terminal view (stdout and stderr both a terminal: rendered Markdown, spinner,
 * live tool lines, see terminal-output.ts) or plain lines (anything else: pipes, files, `TERM=dumb`),
 * whose format scripts and tests may rely on.
 */
export function createOutput(json: boolean, streams: OutputStreams): Output {
  const env = streams.env ?? {};
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  if (!json && streams.stdout.isTTY && streams.stderr.isTTY && env.TERM !== 'dumb') {
    const terminal = createTerminalOutput({ stdout: streams.stdout, markdown: !noColor, color: !noColor });
    return {
      json,
      part: terminal.part,
      event: terminal.event,
      info: (text) => terminal.event({ type: 'info', text }),
      status: terminal.status,
      error: (error) => terminal.event({ type: 'error', code: codeOf(error), message: messageOf(error) }),
      turnEnded: terminal.turnEnded,
      question: terminal.question,
    };
  }
  return createLineOutput(json, streams);
}

function createLineOutput(json: boolean, streams: OutputStreams): Output {
  const { stdout, stderr } = streams;
  const dim = (text: string) => (stderr.isTTY ? `\u001b[2m${text}\u001b[22m` : text);
  // Whether stdout's current line holds answer text: a status line or the end of the turn closes it.
  let lineOpen = false;
  const closeLine = () => {
    if (lineOpen) stdout.write('\n');
    lineOpen = false;
  };
  const status = (text: string) => {
    closeLine();
    stderr.write(`${dim(text)}\n`);
  };
  const event = (chatEvent: ChatEvent) => {
    if (json) {
      stdout.write(`${JSON.stringify(chatEvent)}\n`);
      return;
    }
    switch (chatEvent.type) {
      case 'text-delta':
        if (chatEvent.text.length > 0) {
          stdout.write(chatEvent.text);
          lineOpen = !chatEvent.text.endsWith('\n');
        }
        return;
      case 'servers-unavailable':
        status(
          `MCP server(s) left out of this turn: ${chatEvent.servers.map(({ server, status }) => `${server} (${status})`).join(', ')}`,
        );
        return;
      case 'tool-call':
        status(`→ ${chatEvent.name} ${clip(JSON.stringify(chatEvent.args))}`);
        return;
      case 'tool-progress':
        status(
          `… ${chatEvent.name} ${chatEvent.progress}${chatEvent.total !== undefined ? `/${chatEvent.total}` : ''}${
            chatEvent.message ? ` ${clip(chatEvent.message)}` : ''
          }`,
        );
        return;
      case 'tool-result':
        status(`${chatEvent.isError ? '✗' : '←'} ${chatEvent.name} ${clip(chatEvent.content)}`);
        return;
      case 'final':
        closeLine();
        return;
      case 'model-fallback':
        status(`model ${chatEvent.from} failed (${clip(chatEvent.message)}); asking ${chatEvent.to}`);
        return;
      case 'retry':
        status(
          `retrying ${chatEvent.policy} in ${chatEvent.delayMs} ms (${chatEvent.category}: ${clip(chatEvent.message)})`,
        );
        return;
      case 'info':
        closeLine();
        stdout.write(`${chatEvent.text}\n`);
        return;
      case 'error':
        if (chatEvent.code === 'CANCELLED') {
          status('(answer cancelled)');
          return;
        }
        closeLine();
        stderr.write(`mcs-chat: ${chatEvent.message} [${chatEvent.code}]\n`);
        return;
    }
  };
  return {
    json,
    part: (part) => {
      const chatEvent = toChatEvent(part);
      if (chatEvent) event(chatEvent);
    },
    event,
    info: (text) => event({ type: 'info', text }),
    status,
    error: (error) => event({ type: 'error', code: codeOf(error), message: messageOf(error) }),
    turnEnded: async () => {},
    question: (ask) => ask(),
  };
}
