import { createProvider, type PoolConnectResult, type Provider } from '@mcs/provider-sdk';
import { ChatCliError } from './chat-cli-error.js';
import { configError, loadChatConfig } from './chat-config.js';
import { ChatSession } from './chat-session.js';
import { parseCliArgs, usage } from './cli-args.js';
import type { CliHost } from './cli-host.js';
import { createOutput, type Output } from './render/output.js';
import { runRepl } from './repl.js';
import { readStdinPrompt } from './stdin-prompt.js';
import { version } from './version.js';

/** Exit codes: 0 success, 1 a model or tool failure, 2 a usage or config error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** `--require-servers` and an MCP server that could not be reached at start. */
export const EXIT_SERVER = 3;

/** `mcs-chat [--config <file>] [--model <name>] [-p <prompt>] [--json]`; resolves with the exit code. */
export async function runCli(host: CliHost): Promise<number> {
  let output: Output = createOutput(false, host);
  let provider: Provider | undefined;
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
    // Read before anything starts: nothing is connected while the prompt is still being piped in.
    const prompt = args.prompt === '-' ? await readStdinPrompt(host.stdin) : args.prompt;
    // Also reads the .env next to the config file and ./.env into host.env (variables already set win).
    const config = await loadChatConfig({ file: args.config, model: args.model, cwd: host.cwd, env: host.env });
    try {
      // Retries (model and tool calls) are `retry` stream parts, shown as they come (a status line or
      // a `retry` event), so a rate-limited wait does not look like a hang.
      provider = createProvider(config.input, { env: host.env });
    } catch (error) {
      throw configError(config.file, error);
    }
    const session = new ChatSession(provider);
    const connected = await connectServers(provider);
    if (args.requireServers && connected.failed.length > 0) {
      for (const { error } of connected.failed)
        output.event({ type: 'error', code: error.code, category: error.category, message: error.message });
      return EXIT_SERVER;
    }
    warnUnreachable(connected, output);
    if (prompt !== undefined) return await oneShot(prompt, session, output, host);
    const servers = connected.ready.length > 0 ? connected.ready.join(', ') : 'none';
    output.status(
      `mcs-chat ${version()}: model ${config.parsed.model ?? host.env.OPENAI_MODEL}, MCP servers: ${servers}; /help lists the commands`,
    );
    await runRepl({ session, pool: provider.pool, config: config.parsed, output, host });
    return EXIT_OK;
  } catch (error) {
    output.error(error);
    return ChatCliError.isInstance(error) ? error.exitCode : EXIT_FAILED;
  } finally {
    await provider?.close();
  }
}

/** How long the start waits for the MCP servers; slower ones are named as not connected (they go on connecting). */
const connectWaitMs = 20_000;

/**
 * Connects every MCP server at once, waiting at most `connectWaitMs`, so a turn does not wait for a
 * server that cannot start (its requests would wait for its reconnection).
 */
async function connectServers(provider: Provider): Promise<PoolConnectResult> {
  return provider.pool ? await provider.pool.connect({ timeoutMs: connectWaitMs }) : { ready: [], failed: [] };
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

async function oneShot(prompt: string, session: ChatSession, output: Output, host: CliHost): Promise<number> {
  const controller = new AbortController();
  // SIGINT / SIGTERM cancel the answer; the caller then closes the MCP connections and exits 0.
  const unsubscribe = host.onSignal(() => controller.abort());
  try {
    const outcome = await session.turn(prompt, output, controller.signal);
    return outcome === 'failed' ? EXIT_FAILED : EXIT_OK;
  } finally {
    unsubscribe();
  }
}
