import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { createProvider, type Provider } from '@mcs/provider-sdk';
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

/**
 * Adds `<cwd>/.env` to `env` (variables already set win, like Node's `--env-file`). Parsed with
 * node:util's `parseEnv`, the same parser as `process.loadEnvFile`, so tests can pass their own env.
 */
export function loadDotEnv(cwd: string, env: Record<string, string | undefined>): void {
  const file = resolve(cwd, '.env');
  if (!existsSync(file)) return;
  let values: Record<string, string | undefined>;
  try {
    values = parseEnv(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ChatCliError('CONFIG_INVALID', `${file}: cannot read it (${(error as Error).message})`, { cause: error });
  }
  for (const [key, value] of Object.entries(values)) {
    if (env[key] === undefined && value !== undefined) env[key] = value;
  }
}

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
    loadDotEnv(host.cwd, host.env);
    const config = await loadChatConfig({ file: args.config, model: args.model, cwd: host.cwd, env: host.env });
    try {
      // Retries (model and tool calls) are `retry` stream parts, shown as they come (a status line or
      // a `retry` event), so a rate-limited wait does not look like a hang.
      provider = createProvider(config.input, { env: host.env });
    } catch (error) {
      throw configError(config.file, error);
    }
    const session = new ChatSession(provider);
    if (prompt !== undefined) {
      // Fail fast: a request to a server that cannot start would wait for its reconnection (pool timeout).
      const failed = provider.pool ? (await provider.pool.connect({ timeoutMs: connectWaitMs })).failed : [];
      if (failed.length > 0) {
        for (const { error } of failed)
          output.event({ type: 'error', code: error.code, category: error.category, message: error.message });
        return EXIT_FAILED;
      }
      return await oneShot(prompt, session, output, host);
    }
    await announce(provider, config.parsed.model ?? host.env.OPENAI_MODEL, output);
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

/** REPL start: connects every MCP server at once and says which are up (stderr, so `--json` stdout stays clean). */
async function announce(provider: Provider, model: string | undefined, output: Output): Promise<void> {
  const connected = provider.pool
    ? await provider.pool.connect({ timeoutMs: connectWaitMs })
    : { ready: [], failed: [] };
  for (const { backend, error } of connected.failed) {
    output.status(
      `mcs-chat: MCP server "${backend}" is not connected (${error.message}); turns and /tools leave it out until it is back`,
    );
  }
  const servers = connected.ready.length > 0 ? connected.ready.join(', ') : 'none';
  output.status(`mcs-chat ${version()}: model ${model}, MCP servers: ${servers}; /help lists the commands`);
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
