import { createPoolFromParsed, createProvider, type McpClientPool, type Provider, type Usage } from '@mcs/provider-sdk';
import { createServerAuth, type ServerAuth } from './auth/server-auth.js';
import { configError, type LoadedChatConfig } from './chat-config.js';
import { mcpRoots } from './config/root-dirs.js';
import { createElicitationHandler } from './elicitation-form.js';
import type { PrompterSlot } from './prompter.js';
import { createSamplingApproval, trackToolCalls } from './sampling-approval.js';
import { type ApprovalMode, withToolApproval } from './tool-approval.js';

/** The MCP pool and the model provider of one run. */
export interface ChatRuntime {
  /** The MCP servers (commands use it directly: `/call` is the user's own call). */
  readonly pool: McpClientPool | undefined;
  /** Sign-in of the HTTP/SSE servers (OAuth, `post_body`) and each server's auth state. */
  readonly auth: ServerAuth | undefined;
  /** Where tool approval and elicitation forms find someone to ask (the REPL sets it). */
  readonly prompter: PrompterSlot;
  /**
   * The provider, made on first use so that the REPL and its commands work without a model key;
   * a missing key or model is a `CONFIG_INVALID` error naming the config file.
   */
  provider(): Provider;
  close(): Promise<void>;
}

export interface ChatRuntimeOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  /** `--root` directories (absolute, checked): win over the config's `roots`; neither: the working directory. */
  roots?: readonly string[] | undefined;
  approve: ApprovalMode;
  /** Where sign-in messages go (the sign-in URL, unclipped); a TTY means a browser may be opened. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Status lines during a chat (a URL elicitation nobody can answer), drawn beside a turn's live lines; default: stderr. */
  notice?: (text: string) => void;
  /** The tokens of each sampling request the model answered (for `/usage`). */
  onSamplingUsage?: (server: string, model: string, usage: Usage) => void;
  /** The model the chat asks now (`/model`): sampling requests go to it too; default: the configured one. */
  model?: () => string | undefined;
}

/**
 * Makes the pool itself (not the provider) so that the model's tool calls pass the approval step
 * (`withToolApproval`) while commands do not, and elicitation forms are asked in the terminal.
 * The servers' roots are `options.roots`, else the config's `roots`, else the working directory. Their sampling requests are answered by the
 * chat's model (`options.model`), per `--approve` (see sampling-approval.ts).
 */
export function createChatRuntime(config: LoadedChatConfig, options: ChatRuntimeOptions): ChatRuntime {
  const prompter: PrompterSlot = { current: undefined };
  const notice = options.notice ?? ((text: string) => options.stderr.write(`${text}\n`));
  let tracked: ReturnType<typeof trackToolCalls> | undefined;
  const onSampling = createSamplingApproval({
    mode: options.approve,
    prompter,
    provider: () => runtime.provider(),
    ...(options.model ? { model: options.model } : {}),
    notice,
    ...(options.onSamplingUsage ? { onUsage: options.onSamplingUsage } : {}),
    callSignals: (server) => tracked?.callSignals(server) ?? [],
  });
  const auth = config.parsed.mcp
    ? createServerAuth(config.parsed.mcp, config.servers, {
        env: options.env,
        interactive: options.stderr.isTTY === true,
        notice: (text) => options.stderr.write(`${text}\n`),
      })
    : undefined;
  const pool = auth
    ? createPoolFromParsed(auth.pool, {
        onElicitation: createElicitationHandler(prompter, {
          env: options.env,
          notice: options.notice ?? ((text) => options.stderr.write(`${text}\n`)),
        }),
        onSampling,
        roots: mcpRoots(options.roots ?? config.roots, options.cwd),
        auth: auth.options,
      })
    : undefined;
  tracked = pool && trackToolCalls(pool);
  const modelPool =
    tracked &&
    withToolApproval(tracked.pool, {
      mode: options.approve,
      prompter,
      trusted: (server) => config.servers[server]?.trust === true,
    });
  let provider: Provider | undefined;
  const runtime: ChatRuntime = {
    pool,
    auth,
    prompter,
    provider() {
      if (provider) return provider;
      try {
        // Retries (model and tool calls) are `retry` stream parts, shown as they come (a status line
        // or a `retry` event), so a rate-limited wait does not look like a hang.
        provider = createProvider(config.input, { env: options.env, ...(modelPool ? { pool: modelPool } : {}) });
      } catch (error) {
        throw configError(config.file, error);
      }
      return provider;
    },
    async close() {
      await provider?.close();
      await pool?.close();
      await auth?.close();
    },
  };
  return runtime;
}
