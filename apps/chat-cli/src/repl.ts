import { createInterface } from 'node:readline';
import type { McpClientPool, ProviderConfig } from '@mcs/provider-sdk';
import type { ChatSession } from './chat-session.js';
import type { CliHost } from './cli-host.js';
import { runCommand } from './commands/run-command.js';
import type { Output } from './render/output.js';

export interface ReplOptions {
  session: ChatSession;
  pool: McpClientPool | undefined;
  config: ProviderConfig;
  output: Output;
  host: CliHost;
}

/**
 * The interactive chat: one line per turn or `/command`, lines typed during an answer wait their
 * turn. Ctrl-C (readline's SIGINT in a terminal, the signal otherwise) cancels the running answer,
 * or closes the REPL when none runs; SIGTERM, `/exit` and Ctrl-D close it. Resolves when closed.
 */
export async function runRepl({ session, pool, config, output, host }: ReplOptions): Promise<void> {
  // The prompt goes to stderr when stdout carries JSONL, so stdout stays machine-readable.
  const promptStream = output.json ? host.stderr : host.stdout;
  const rl = createInterface({
    input: host.stdin,
    output: promptStream,
    terminal: Boolean(host.stdin.isTTY && promptStream.isTTY),
  });
  rl.setPrompt('> ');
  let current: AbortController | undefined;
  let closing = false;
  // Input may end (Ctrl-D, end of a pipe) while a line is still being answered: no prompt after that.
  let inputEnded = false;
  rl.once('close', () => {
    inputEnded = true;
  });
  const close = () => {
    closing = true;
    current?.abort();
    rl.close();
  };
  const interrupt = () => {
    if (current) current.abort();
    else close();
  };
  rl.on('SIGINT', interrupt);
  const unsubscribe = host.onSignal((signal) => (signal === 'SIGINT' ? interrupt() : close()));
  try {
    rl.prompt();
    for await (const raw of rl) {
      const line = raw.trim();
      if (line !== '') {
        current = new AbortController();
        try {
          if (line.startsWith('/')) {
            if ((await runCommand(line, { session, pool, config, output, signal: current.signal })) === 'exit') close();
          } else {
            await session.turn(line, output, current.signal);
          }
        } finally {
          current = undefined;
        }
      }
      if (closing) break;
      if (!inputEnded) rl.prompt();
    }
  } finally {
    unsubscribe();
    rl.close();
  }
}
