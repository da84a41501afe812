import type { McpClientPool, ProviderConfig } from '@mcs/provider-sdk';
import type { ServerAuth } from './auth/server-auth.js';
import { ChatCliError } from './chat-cli-error.js';
import type { ChatSession } from './chat-session.js';
import type { CliHost } from './cli-host.js';
import type { ConversationStore } from './commands/conversation-file.js';
import { completeCommand, runCommand } from './commands/run-command.js';
import type { ServerInfo } from './config/server-info.js';
import type { LineHistory } from './history/line-history.js';
import type { PrompterSlot } from './prompter.js';
import type { Output } from './render/output.js';
import { ReplInput } from './repl-input.js';
import type { ServerFailures } from './server-failures.js';
import type { NoticeSlot } from './server-logs.js';

export interface ReplOptions {
  session: ChatSession;
  pool: McpClientPool | undefined;
  config: ProviderConfig;
  output: Output;
  host: CliHost;
  history: LineHistory;
  conversations: ConversationStore;
  /** Where tool approval and elicitation find the REPL's input while it runs. */
  prompter: PrompterSlot;
  /** The servers' sign-in (`/servers` shows each one's auth state). */
  auth?: ServerAuth | undefined;
  /** What the config says about each server beyond connecting (`/servers` shows its `trust`). */
  servers?: Readonly<Record<string, ServerInfo>> | undefined;
  /** Why a server is down (`/servers`). */
  failures?: ServerFailures | undefined;
  /** Where server log lines go while the REPL runs (above the prompt when no answer is drawn). */
  notices?: NoticeSlot;
}

/**
 * The interactive chat: one entry per turn or `/command`; entries typed during an answer wait their
 * turn, except the answers to a question the answer asks (tool approval, a form). Ctrl-C cancels the
 * running answer; on a half-typed line it clears the line; on an empty one it says how to quit, and
 * a second Ctrl-C quits. A SIGINT from outside (no terminal) cancels the answer, or closes the REPL
 * when none runs; SIGTERM, `/exit` and Ctrl-D close it. Resolves when closed.
 */
export async function runRepl(options: ReplOptions): Promise<void> {
  const { session, output, host, history } = options;
  // The prompt goes to stderr when stdout carries JSONL, so stdout stays machine-readable.
  const promptStream = output.json ? host.stderr : host.stdout;
  let current: AbortController | undefined;
  let closing = false;
  // Ctrl-C on an empty line arms the exit; the next entry disarms it.
  let exitArmed = false;
  let historyWarned = false;
  // The last history write (each line's is chained on the one before): awaited at the end, so the
  // line that closed the REPL (`/exit`) is saved before the process exits.
  let saving: Promise<void> = Promise.resolve();
  const close = () => {
    closing = true;
    current?.abort();
    input.close();
  };
  const input: ReplInput = new ReplInput({
    input: host.stdin,
    output: promptStream,
    history: history.entries,
    historySize: history.size,
    complete: (line) => completeCommand(line, options.pool),
    onInterrupt: () => {
      if (current) {
        current.abort();
      } else if (input.draft !== '') {
        input.clearDraft();
        exitArmed = false;
      } else if (exitArmed) {
        close();
      } else {
        exitArmed = true;
        output.status('(Ctrl-C again, Ctrl-D or /exit quits)');
        input.prompt();
      }
    },
  });
  // Questions asked during a turn (approval, forms) are drawn with the turn's live lines stilled.
  options.prompter.current = { ask: (question, signal) => output.question(() => input.ask(question, signal)) };
  // A log line while an answer is drawn joins its status lines; while the prompt waits it goes above it.
  const noColor = host.env.NO_COLOR !== undefined && host.env.NO_COLOR !== '';
  if (options.notices) {
    options.notices.current = (text) =>
      current || !input.terminal ? output.status(text) : input.notice(noColor ? text : `\u001b[2m${text}\u001b[22m`);
  }
  const unsubscribe = host.onSignal((signal) => {
    if (signal === 'SIGINT' && current) current.abort();
    else close();
  });
  try {
    input.prompt();
    for (;;) {
      const entry = await input.next();
      if (entry === undefined || closing) break;
      exitArmed = false;
      const line = entry.trim();
      if (line !== '') {
        saving = history.add(entry).catch((error: unknown) => {
          if (historyWarned) return;
          historyWarned = true;
          output.status(`mcs-chat: the history is not saved (${(error as Error).message})`);
        });
        current = new AbortController();
        try {
          if (line.startsWith('/') && !line.includes('\n')) {
            const context = { ...options, signal: current.signal };
            if ((await runCommand(line, context)) === 'exit') close();
          } else if ((await session.turn(line, output, current.signal)) === 'answered') {
            await options.conversations.autosave(session).catch((error: unknown) => {
              output.status(`mcs-chat: the conversation was not saved (${(error as Error).message})`);
            });
          }
        } finally {
          current = undefined;
        }
      }
      if (closing) break;
      input.prompt();
    }
  } finally {
    options.prompter.current = undefined;
    if (options.notices) options.notices.current = undefined;
    unsubscribe();
    input.close();
    await saving;
  }
  // Input that could not be read to its end is an error, not a normal end (the exit code says so).
  if (input.failure) throw new ChatCliError('USAGE', input.failure);
}
