import type { PoolConnectResult } from '@mcs/provider-sdk';
import { stopUnclaimedStdioProcesses } from '@mcs/provider-sdk/stdio-prestart';
import { logout } from './auth/logout.js';
import { ChatCliError } from './chat-cli-error.js';
import { loadChatConfig } from './chat-config.js';
import { type ChatRuntime, createChatRuntime } from './chat-runtime.js';
import { ChatSession } from './chat-session.js';
import { parseCliArgs, usage } from './cli-args.js';
import type { CliHost } from './cli-host.js';
import { createConversationStore, messagesOf } from './commands/conversation-file.js';
import { resolveRootFlags } from './config/root-dirs.js';
import { EXIT_FAILED, EXIT_OK, EXIT_SERVER, exitCodeOf } from './exit-codes.js';
import { openLineHistory } from './history/line-history.js';
import { createOutput, type Output } from './render/output.js';
import { runRepl } from './repl.js';
import { ReplInput } from './repl-input.js';
import { watchServerFailures } from './server-failures.js';
import { keepServerLogLevel, type NoticeSlot, watchServerLogs } from './server-logs.js';
import { readStdinPrompt } from './stdin-prompt.js';
import { dataDir } from './user-dirs.js';
import { version } from './version.js';

export { EXIT_FAILED, EXIT_MODEL, EXIT_OK, EXIT_SERVER, EXIT_USAGE } from './exit-codes.js';

/** `mcs-chat [--config <file>] [--model <name>] [-p <prompt>] [--json]`; resolves with the exit code. */
export async function runCli(host: CliHost): Promise<number> {
  let output: Output = createOutput(false, host);
  let runtime: ChatRuntime | undefined;
  try {
    const args = parseCliArgs(host.argv);
    output = createOutput(args.json, host);
    if (args.help) {
      host.stdout.write(`${usage}\n`);
      return EXIT_OK;
    }
    if (args.version) {
      host.stdout.write(`${version()}\n`);
      return EXIT_OK;
    }
    if (args.logout) {
      const config = args.logout.all
        ? undefined
        : // Forgetting a sign-in sends nothing: a variable the servers' headers need may be unset.
          await loadChatConfig({ file: args.config, cwd: host.cwd, env: host.env, allowMissingVariables: true });
      host.stdout.write(`${await logout(args.logout, config, host.env)}\n`);
      return EXIT_OK;
    }
    // A mistyped --root fails before stdin is read or anything starts.
    const roots = args.roots && resolveRootFlags(args.roots, host.cwd);
    // `-p -`, and a piped stdin without -p (`echo "question" | mcs-chat`): the prompt is stdin to its
    // end (-i or --resume keep the REPL, read line by line). Read before anything starts: nothing is
    // connected while the prompt is still being piped in.
    const pipedPrompt = args.prompt === undefined && !args.interactive && !args.resume && !host.stdin.isTTY;
    const prompt =
      args.prompt === '-'
        ? await readStdinPrompt(host.stdin)
        : pipedPrompt
          ? await readStdinPrompt(host.stdin, 'stdin')
          : args.prompt;
    // Also reads the .env next to the config file and ./.env into host.env (variables already set win).
    const config = await loadChatConfig({ file: args.config, model: args.model, cwd: host.cwd, env: host.env });
    runtime = createChatRuntime(config, {
      env: host.env,
      cwd: host.cwd,
      roots,
      approve: args.approve,
      stderr: host.stderr,
      notice: (text) => output.status(text),
      // Servers ask only once connected, after `session` exists.
      onSamplingUsage: (server, model, usage) => session.addSamplingUsage({ server, model, usage }),
      // The model `/model` chose answers the servers' sampling requests too.
      model: () => session.model,
    });
    // `-p` needs the model: a missing key fails before any server starts. The REPL makes the
    // provider at its first turn, so its commands work without a key.
    if (prompt !== undefined) runtime.provider();
    const session = new ChatSession(runtime.provider, { model: config.parsed.model ?? host.env.OPENAI_MODEL });
    // Server log lines: status lines, or above the REPL's prompt while it waits (it sets `notices`).
    const notices: NoticeSlot = { current: undefined };
    const notice = (text: string) => (notices.current ?? output.status)(text);
    if (runtime.pool) watchServerLogs(runtime.pool, args.logLevel, notice);
    // Each server gets the level once it is ready, now or later; not waited for: the prompt does not
    // wait for a round trip per server (messages sent before the level arrives are filtered here).
    if (runtime.pool) keepServerLogLevel(runtime.pool, args.logLevel, notice);
    const failures = runtime.pool && watchServerFailures(runtime.pool);
    const connected = await connectServers(runtime);
    // Every stdio server's transport has started by now, taking its early process (main.ts) or
    // spawning its own: an early one left was started for an entry the chat reads differently (a
    // .env changed its environment) and would run beside the real one until its claim ran out.
    stopUnclaimedStdioProcesses();
    if (args.requireServers && connected.failed.length > 0) {
      for (const { error } of connected.failed)
        output.event({ type: 'error', code: error.code, category: error.category, message: error.message });
      return EXIT_SERVER;
    }
    warnUnreachable(connected, output);
    if (prompt !== undefined) return await oneShot(prompt, session, output, host, runtime);
    const history = await openLineHistory(host.env);
    const conversations = createConversationStore(dataDir(host.env), host.cwd);
    if (args.resume) {
      const resumed = await conversations.resume();
      if (resumed) session.replaceHistory(messagesOf(resumed.conversation));
      output.status(
        resumed
          ? `mcs-chat: continuing ${resumed.file} (${resumed.conversation.messages.length} message(s))`
          : `mcs-chat: no saved conversation in ${conversations.dir} yet: starting a new one`,
      );
    }
    const servers = connected.ready.length > 0 ? connected.ready.join(', ') : 'none';
    // No model yet is fine for the REPL (commands need none); a turn then says what to set.
    const model = session.model ? `model ${session.model}` : 'model not set (OPENAI_MODEL or --model)';
    output.status(`mcs-chat ${version()}: ${model}, MCP servers: ${servers}; /help lists the commands`);
    await runRepl({
      session,
      pool: runtime.pool,
      config: config.parsed,
      output,
      host,
      history,
      conversations,
      prompter: runtime.prompter,
      auth: runtime.auth,
      servers: config.servers,
      failures,
      notices,
    });
    return EXIT_OK;
  } catch (error) {
    output.error(error);
    return ChatCliError.isInstance(error) ? error.exitCode : EXIT_FAILED;
  } finally {
    await runtime?.close();
  }
}

/** How long the start waits for the MCP servers; slower ones are named as not connected (they go on connecting). */
const connectWaitMs = 20_000;

/**
 * Connects every MCP server at once, waiting at most `connectWaitMs`, so a turn does not wait for a
 * server that cannot start (its requests would wait for its reconnection). A server waiting for
 * the user to sign in (in the browser) gets the sign-in's own time (the authorizer's timeout); one
 * whose first attempt ended with the sign-in (legacy SSE opens its stream again with the new
 * tokens, on the pool's reconnection) is waited for once more.
 */
export async function connectServers({ pool, auth }: ChatRuntime): Promise<PoolConnectResult> {
  if (!pool) return { ready: [], failed: [] };
  let connected = await pool.connect({ timeoutMs: connectWaitMs });
  if (
    auth &&
    connected.failed.length > 0 &&
    (auth.signingIn || connected.failed.some((f) => auth.signedIn(f.backend)))
  ) {
    await auth.settled();
    connected = await pool.connect({ timeoutMs: connectWaitMs });
  }
  auth?.noteFailures(connected.failed);
  return connected;
}

/** One warning line per server that could not be reached (stderr, so `--json` stdout stays clean); the chat goes on. */
function warnUnreachable({ failed }: PoolConnectResult, output: Output): void {
  for (const { backend, error } of failed) {
    const reason = error.message.replace(/\s+/g, ' ').trim();
    output.status(
      `mcs-chat: MCP server "${backend}" is not connected (${reason.length > 240 ? `${reason.slice(0, 239)}…` : reason}); turns and /tools leave it out until it is back (--require-servers makes this an error)`,
    );
  }
}

async function oneShot(
  prompt: string,
  session: ChatSession,
  output: Output,
  host: CliHost,
  runtime: ChatRuntime,
): Promise<number> {
  const controller = new AbortController();
  // SIGINT / SIGTERM cancel the answer; the caller then closes the MCP connections and exits 0.
  const unsubscribe = host.onSignal(() => controller.abort());
  // A person at a terminal can approve tool calls and fill in forms; a pipe cannot (calls needing
  // approval are refused, forms cancelled). stdin is the prompt's with `-p -`.
  const questions =
    host.stdin.isTTY && host.stderr.isTTY
      ? new ReplInput({
          input: host.stdin,
          output: host.stderr,
          history: [],
          historySize: 1,
          onInterrupt: () => controller.abort(),
        })
      : undefined;
  runtime.prompter.current = questions && {
    ask: (question, signal) => output.question(() => questions.ask(question, signal)),
  };
  try {
    const outcome = await session.turn(prompt, output, controller.signal);
    return outcome === 'failed' ? exitCodeOf(session.lastErrorCode) : EXIT_OK;
  } finally {
    runtime.prompter.current = undefined;
    questions?.close();
    unsubscribe();
  }
}
