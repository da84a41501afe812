#!/usr/bin/env node
// Process entry of the `mcs-chat` bin; everything else lives in cli.ts so it gets its process as a value.
import module from 'node:module';
import { constants } from 'node:os';
import { type CliArgs, parseCliArgs, usage } from './cli-args.js';
import { version } from './version.js';

// --help and --version answer before the SDK (MCP and OpenAI clients) is imported: cli.js is loaded
// lazily below. Flags that do not parse go on to runCli, which reports them.
let args: CliArgs | undefined;
const quick = (() => {
  try {
    args = parseCliArgs(process.argv.slice(2));
    return args.help ? usage : args.version ? version() : undefined;
  } catch {
    return undefined;
  }
})();
if (quick !== undefined) {
  process.stdout.write(`${quick}\n`);
  process.exit(0);
}
// The chat loads about 2,500 modules (the SDK's MCP and OpenAI clients, zod, ...): V8's on-disk
// compile cache (in the OS temp directory; NODE_DISABLE_COMPILE_CACHE=1 turns it off) saves about a
// quarter of their CPU time on every start after the first.
module.enableCompileCache?.();
// Until the chat listens to signals itself (runCli's onSignal: a turn or the REPL), SIGINT, SIGTERM
// and SIGHUP end the process through process.exit, whose 'exit' hook (@mcs/transports) kills the
// stdio servers: they run in process groups of their own, out of reach of a terminal's Ctrl-C, so
// dying of the signal (while modules load or servers connect) left those that outlive their stdin.
const endUnlessListened = (signal: NodeJS.Signals) => {
  if (process.listenerCount(signal) > 1) return;
  process.exit(128 + (constants.signals[signal] ?? 0));
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, endUnlessListened);
// A chat's stdio MCP servers start now, their start-up beside the loading of the chat's modules
// (about 350 before the prompt); the pool takes them when it connects (prestart-servers.ts).
// Imported here, not above: --help and --version load nothing of the SDK, not even this light part.
if (args && !args.logout) {
  const { prestartServers } = await import('./prestart-servers.js');
  prestartServers({ config: args.config, cwd: process.cwd(), env: process.env });
}
const { runCli } = await import('./cli.js');

type SignalListener = (signal: 'SIGINT' | 'SIGTERM') => void;
const stdoutClosedListeners = new Set<SignalListener>();
let stdoutClosed = false;
// The reader went away (`mcs-chat -p … --json | head -3`): like SIGTERM, the answer is cancelled and the
// MCP connections are closed, then the process ends quietly with 0 — the reader got what it wanted.
// The listener stays on, so writes still queued after the first EPIPE fail silently too.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  if (stdoutClosed) return;
  stdoutClosed = true;
  for (const listener of stdoutClosedListeners) listener('SIGTERM');
});

const code = await runCli({
  argv: process.argv.slice(2),
  env: process.env,
  cwd: process.cwd(),
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  onSignal(listener) {
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    stdoutClosedListeners.add(listener);
    return () => {
      process.removeListener('SIGINT', listener);
      process.removeListener('SIGTERM', listener);
      stdoutClosedListeners.delete(listener);
    };
  },
});
// Everything is closed by now; stdin (the REPL's) would keep the process alive otherwise.
process.exit(stdoutClosed ? 0 : code);
