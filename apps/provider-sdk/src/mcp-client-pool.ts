import {
  type ParsedPromptMessages,
  type ParsedResourceContents,
  type ParsedToolResult,
  parsePromptMessages,
  parseResourceContents,
  parseToolResult,
} from '@mcs/content-parser';
import type { AttemptContext, ExecuteOptions, ResilienceEvent } from '@mcs/resilience';
import {
  type BackendConnection,
  backendPoolOf,
  type CallToolResult,
  type LoggingLevel,
  type ProgressUpdate,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  type Root,
  type ServerCapabilities,
  type Skill,
  type SkillFile,
  type Tool,
} from '@mcs/transports';
import { createPoolAuth, type PoolAuthOptions } from './auth/pool-auth.js';
import { buildPolicy } from './build-policy.js';
import { type ClientFeatureOptions, clientFeatures, parseRoots } from './client/client-features.js';
import { ListCache, type ListKind, listsOf } from './client/list-cache.js';
import { type PoolEventListener, type PoolEventName, PoolEvents } from './client/pool-events.js';
import { type PoolConfig, parsePoolConfig } from './pool-config.js';
import { createGrpcPoolConnection, createMcpPoolConnection, type PoolBackendStatus } from './pool-connection.js';
import { ProviderError } from './provider-error.js';
import type { ResolveConfigOptions } from './resolve-config.js';
import { toResilienceError } from './to-resilience-error.js';
import { mayRetryToolCall } from './tool-call-retry.js';

/** A tool of the pool: `name` is `<backend>.<tool>`, the name every pool method takes. */
export interface PoolTool extends Tool {
  /** The pool backend that serves it. */
  backend: string;
  /** The name the backend knows it by. */
  backendToolName: string;
}

export interface PoolRequestOptions {
  /** Aborting cancels the request (MCP `notifications/cancelled`, gRPC cancel) and any retry wait. */
  signal?: AbortSignal;
}

/** A resource of the pool: its URI as the backend names it, and the backend that serves it. */
export interface PoolResource extends Resource {
  backend: string;
}

export interface PoolResourceTemplate extends ResourceTemplate {
  backend: string;
}

/** A prompt of the pool: `name` is `<backend>.<prompt>`, the name `getPrompt` takes. */
export interface PoolPrompt extends Prompt {
  backend: string;
  /** The name the backend knows it by. */
  backendPromptName: string;
}

/** A skill of a backend (the skills extension, SEP-2640): its entry from `skills/list`, no file read yet. */
export interface PoolSkill extends Skill {
  backend: string;
}

/** A skill file read on demand by `readSkill`, verified against the skill's entry. */
export interface PoolSkillFile extends SkillFile {
  backend: string;
}

/** A backend left out of a listing: it is down, restarting, or did not answer within the bound. */
export interface PoolUnavailable {
  backend: string;
  /** Its status when it was left out (see `statuses()`). */
  status: string;
  error: ProviderError;
}

export interface PoolListOptions extends PoolRequestOptions {
  /** How long to wait for each backend before leaving it out; default the pool's `listWaitMs`. */
  waitMs?: number;
}

/** The answer of a listing: the entries of the backends that answered, and those left out. */
export type PoolList<K extends string, T> = { [P in K]: T[] } & { unavailable: PoolUnavailable[] };

export interface PoolCallToolOptions extends PoolRequestOptions {
  /** Inactivity timeout of this call (restarted by progress); default the backend's `callTimeoutMs`. */
  timeoutMs?: number;
  onProgress?: (progress: ProgressUpdate) => void;
  /**
   * May the policy start the call again after a failure? Default: only for a tool the last
   * `listTools` showed annotated `readOnlyHint` / `idempotentHint`, or named by the backend's `retryToolCalls`.
   */
  retry?: boolean;
  /** Each retry of this call, before its wait (`attempt` is the attempt that failed). */
  onRetry?: (retry: { attempt: number; delayMs: number; error: ProviderError }) => void;
}

export interface PoolToolResult extends ParsedToolResult {
  /** `<backend>.<tool>`. */
  name: string;
  backend: string;
  /** The result as the backend sent it. */
  raw: CallToolResult;
}

export interface PoolConnectResult {
  ready: string[];
  /** Backends that could not connect; stdio/HTTP ones keep retrying in the background. */
  failed: { backend: string; error: ProviderError }[];
}

export interface PoolConnectOptions {
  /** Backends still connecting after this long are reported in `failed` (they go on connecting); default: no bound. */
  timeoutMs?: number;
}

export interface McpClientPool extends AsyncDisposable {
  readonly backends: readonly string[];
  /** Connects every backend at once; never rejects (see `failed`). Requests also connect lazily. */
  connect(options?: PoolConnectOptions): Promise<PoolConnectResult>;
  /**
   * Starts one backend over now (a user's "reconnect"): its session (stdio: its process) is
   * replaced, a scheduled restart is not waited for, its cached lists are dropped. Resolves when
   * it is ready; rejects with the connect error (`BACKEND_FAILED`) or `UNKNOWN_BACKEND`.
   */
  reconnect(backend: string): Promise<void>;
  /**
   * Every backend's tools, named `<backend>.<tool>`. A backend that is down (restarting, failed) or
   * does not answer within `waitMs` is left out and reported in `unavailable`; only aborting rejects.
   */
  listTools(options?: PoolListOptions): Promise<PoolList<'tools', PoolTool>>;
  /** Every backend's resources (all pages), each with its `backend`; left-out backends as in `listTools`. */
  listResources(options?: PoolListOptions): Promise<PoolList<'resources', PoolResource>>;
  listResourceTemplates(options?: PoolListOptions): Promise<PoolList<'resourceTemplates', PoolResourceTemplate>>;
  /** Every backend's prompts, named `<backend>.<prompt>`; left-out backends as in `listTools`. */
  listPrompts(options?: PoolListOptions): Promise<PoolList<'prompts', PoolPrompt>>;
  /**
   * Every MCP backend's skills (the `io.modelcontextprotocol/skills` extension): the entries only,
   * never a skill file (a host loads a skill when it needs it, with `readSkill`). Backends without
   * the extension list none; left-out backends as in `listTools`.
   */
  listSkills(options?: PoolListOptions): Promise<PoolList<'skills', PoolSkill>>;
  /**
   * Loads a skill on demand: reads its `SKILL.md` (default) or one of its files (`ref`: a path under
   * the skill or an absolute URI) from the skill's backend, verified against the entry (listed, size,
   * sha256 digest; for `SKILL.md` the frontmatter too). Content that fails is refused
   * (`BACKEND_FAILED`, `INVALID_RESULT`) and never returned.
   */
  readSkill(skill: PoolSkill, ref?: string, options?: PoolRequestOptions): Promise<PoolSkillFile>;
  /** Calls `<backend>.<tool>`; a tool's own failure is a result with `isError`, not an exception. */
  callTool(name: string, args?: Record<string, unknown>, options?: PoolCallToolOptions): Promise<PoolToolResult>;
  /**
   * Reads a resource. With several backends and no `backend`, the one that listed `uri` in the last
   * `listResources` serves it (the first in config order when several did).
   */
  readResource(
    uri: string,
    options?: PoolRequestOptions & { backend?: string },
  ): Promise<ParsedResourceContents & { backend: string }>;
  /** Renders `<backend>.<prompt>`. */
  getPrompt(
    name: string,
    args?: Record<string, string>,
    options?: PoolRequestOptions,
  ): Promise<ParsedPromptMessages & { backend: string; description?: string }>;
  /** Every backend's health (status, stdio pid, restarts). */
  statuses(): PoolBackendStatus[];
  /**
   * What the backend's current session announced it offers (`initialize`: `logging`, `tools`,
   * `resources`, ...), so that a caller asks only for what is there; `undefined` before its first
   * connect and for a grpc-gateway. Throws `UNKNOWN_BACKEND` for a name not in the pool.
   */
  serverCapabilities(backend: string): ServerCapabilities | undefined;
  /**
   * Listens to `log`, `progress`, `list_changed`, `resource_updated` and `status` events of every
   * backend; returns the function that stops listening.
   */
  on<E extends PoolEventName>(event: E, listener: PoolEventListener<E>): () => void;
  /** The roots the backends get for `roots/list` (needs the `roots` option). */
  readonly roots: readonly Root[];
  /** Replaces the roots and tells every MCP backend (`notifications/roots/list_changed`). */
  setRoots(roots: Root[]): Promise<void>;
  /**
   * Subscribes to a resource: its changes arrive as `resource_updated` events (kept across
   * restarts). The backend is resolved as in `readResource`. MCP backends only.
   */
  subscribeResource(uri: string, options?: PoolRequestOptions & { backend?: string }): Promise<void>;
  unsubscribeResource(uri: string, options?: PoolRequestOptions & { backend?: string }): Promise<void>;
  /** Asks the backends (all, or `backend`) for log messages at `level` and above (`log` events). */
  setLoggingLevel(level: LoggingLevel, options?: PoolRequestOptions & { backend?: string }): Promise<void>;
  close(): Promise<void>;
}

export interface McpClientPoolOptions extends ResolveConfigOptions, ClientFeatureOptions {
  /** Every retry, breaker and timeout decision of the backends' policies. */
  onEvent?: (event: ResilienceEvent) => void;
  /** How long a listing waits for each backend before leaving it out (default 10 000 ms). */
  listWaitMs?: number;
  /** OAuth at run time: authorizer, token store, own providers (see README, Authorization). */
  auth?: PoolAuthOptions;
}

/**
 * Backend states in which a listing does not wait: the backend is known to be down (its connection
 * retries in the background). gRPC channels are always asked: a call to a gateway that is down fails fast.
 */
const downStatuses = new Set(['restarting', 'failed', 'closed']);

/** Defaults under each backend's `policy`: a few quick retries of outages, breaker, generous timeout. */
const defaultPolicy = {
  retry: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 5_000 },
  circuitBreaker: { failureThreshold: 5, recoveryTimeoutMs: 10_000 },
  // The transport's own inactivity timeout (restarted by progress) bounds a call; this is a backstop.
  timeout: { timeoutMs: 600_000 },
};

/** The error the pool throws for a failed request: `BACKEND_FAILED` / `CANCELLED` with the category of the cause. */
function poolError(backend: string, what: string, error: unknown): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  const classified = toResilienceError(error);
  const code =
    classified.category === 'cancelled'
      ? 'CANCELLED'
      : classified.category === 'unauthenticated'
        ? 'UNAUTHENTICATED'
        : 'BACKEND_FAILED';
  return new ProviderError(code, `${what} on backend "${backend}" failed (${classified.code}): ${classified.message}`, {
    category: classified.category,
    backend,
    cause: classified.cause ?? error,
  });
}

/** A failure inside an attempt, in the resilience taxonomy the policy decides retries by. */
function rethrowClassified(error: unknown): never {
  throw toResilienceError(error);
}

/** Splits `<backend>.<rest>` at the first dot (gRPC backends' tools have dots of their own). */
function splitName(name: string): [string, string] | undefined {
  const dot = name.indexOf('.');
  return dot <= 0 || dot === name.length - 1 ? undefined : [name.slice(0, dot), name.slice(dot + 1)];
}

/**
 * The MCP client pool: several named backends (stdio, Streamable HTTP, SSE, grpc-gateway) from one
 * validated config, each with one long-lived session and its own resilience policy.
 */
export function createMcpClientPool(config: unknown, options: McpClientPoolOptions = {}): McpClientPool {
  return createPoolFromParsed(parsePoolConfig(config, options), options);
}

/** For a config that is already resolved (the provider's `mcp` section): no second interpolation. */
export function createPoolFromParsed(parsed: PoolConfig, options: McpClientPoolOptions = {}): McpClientPool {
  const events = new PoolEvents();
  let roots = options.roots === undefined ? [] : parseRoots(options.roots);
  const features = clientFeatures(options, () => roots);
  const auth = createPoolAuth(options.auth, parsed.clientInfo.name);
  const entries = Object.entries(parsed.backends).map(([name, backendConfig]) => {
    const policy = buildPolicy(name, `backends.${name}.policy`, defaultPolicy, backendConfig.policy, options.onEvent);
    const lists = new ListCache();
    const backend =
      backendConfig.transport === 'grpc'
        ? createGrpcPoolConnection(name, backendConfig)
        : createMcpPoolConnection(name, backendConfig, {
            clientInfo: parsed.clientInfo,
            ...features,
            events,
            onListChanged: (kind) => lists.invalidate(listsOf[kind]),
            authorization:
              backendConfig.transport === 'stdio'
                ? undefined
                : auth.forBackend(name, backendConfig.url, backendConfig.auth),
          });
    const { callTimeoutMs, retryToolCalls } = backendConfig;
    return [name, { backend, policy, callTimeoutMs, retryToolCalls, lists }] as const;
  });
  const backends = new Map(entries);
  for (const [, { backend }] of entries) {
    backend.connection.on('status', ({ backend: name, status, previous, error }) =>
      events.emit('status', {
        backend: name,
        status,
        previous,
        ...(error ? { error: { code: error.code, message: error.message } } : {}),
      }),
    );
  }
  // The one pool of @mcs/transports holds every connection (MCP and gRPC alike): connected and closed together.
  const lifecycle = backendPoolOf(entries.map(([, { backend }]) => backend.connection));
  let closed = false;

  function resolve(name: string | undefined, what: string) {
    if (closed) throw new ProviderError('CLOSED', 'the MCP client pool is closed: create a new one');
    const entry = name === undefined ? undefined : backends.get(name);
    if (!entry) {
      throw new ProviderError(
        'UNKNOWN_BACKEND',
        `${what}: no backend named "${name ?? ''}" in the pool (backends: ${[...backends.keys()].join(', ')}); names are <backend>.<name>`,
        { category: 'not_found' },
      );
    }
    return entry;
  }

  /**
   * One request through the backend's policy. Written with plain promise reactions, not async
   * functions: every call of the pool takes this path, and each `await` layer costs microtask turns
   * and allocations (bench/provider-sdk measures the pool against the bare SDK client).
   */
  function run<T>(
    name: string,
    what: string,
    signal: AbortSignal | undefined,
    fn: (backend: BackendConnection, signal: AbortSignal) => Promise<T>,
    execute: Omit<ExecuteOptions, 'signal'> = {},
  ): Promise<T> {
    return runAttempts(name, what, signal, (backend, context) => fn(backend, context.signal), execute);
  }

  /**
   * `run` for a function that reads the attempt's signal only when it needs it: with a policy
   * timeout, reading it makes an AbortController per attempt (and the SDK then listens on it).
   */
  function runAttempts<T, R = T>(
    name: string,
    what: string,
    signal: AbortSignal | undefined,
    fn: (backend: BackendConnection, context: AttemptContext) => Promise<T>,
    execute: Omit<ExecuteOptions, 'signal'> = {},
    /** Applied to the value in the same reaction that maps a failure (one promise less per call). */
    map?: (value: T) => R,
  ): Promise<R> {
    let entry: ReturnType<typeof resolve>;
    try {
      entry = resolve(name, what);
    } catch (error) {
      return Promise.reject(error);
    }
    const { policy } = entry;
    const backend = entry.backend.connection;
    return policy
      .execute(
        (context) => {
          try {
            return fn(backend, context).catch(rethrowClassified);
          } catch (error) {
            return rethrowClassified(error);
          }
        },
        signal ? { ...execute, signal } : execute,
      )
      .then(map ?? ((value: T) => value as unknown as R), (error: unknown) => {
        throw poolError(name, what, error);
      });
  }

  /**
   * One listing across every backend at once: each backend answers within `waitMs` or is left out
   * (a down backend at once), so one dead backend never blocks the others.
   */
  async function gather<T>(
    what: string,
    /** The cached list it is; `undefined`: never cached (asked every time). */
    kind: ListKind | undefined,
    listOptions: PoolListOptions,
    fn: (backend: BackendConnection, signal: AbortSignal) => Promise<T[]>,
  ): Promise<{ lists: { name: string; items: T[] }[]; unavailable: PoolUnavailable[] }> {
    if (closed) throw new ProviderError('CLOSED', 'the MCP client pool is closed: create a new one');
    const waitMs = listOptions.waitMs ?? options.listWaitMs ?? 10_000;
    const downError = (name: string, status: string) =>
      new ProviderError(
        'BACKEND_FAILED',
        `${what} on backend "${name}": the backend is ${status}; it is left out until it is ready again`,
        { category: 'unavailable', backend: name },
      );
    const settled = await Promise.all(
      [...backends.entries()].map(async ([name, { backend, lists }]) => {
        const status = backend.status().status;
        if (downStatuses.has(status)) {
          return { name, unavailable: { backend: name, status, error: downError(name, status) } };
        }
        const controller = new AbortController();
        const onAbort = () => controller.abort(listOptions.signal?.reason);
        if (listOptions.signal?.aborted) onAbort();
        listOptions.signal?.addEventListener('abort', onAbort, { once: true });
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, waitMs);
        // Set when an attempt finds the backend down (its first attempt failed and it restarts):
        // waiting for the restart would hold the whole listing up to `waitMs`.
        let wentDown: string | undefined;
        const attempt = (connection: BackendConnection, signal: AbortSignal) => {
          const now = connection.status;
          if (downStatuses.has(now)) {
            wentDown = now;
            controller.abort();
            throw downError(name, now);
          }
          return fn(connection, signal);
        };
        try {
          const fetch = () => run(name, what, controller.signal, attempt);
          const items = await (kind === undefined ? fetch() : lists.get(kind, backend.listCacheTtlMs(kind), fetch));
          return { name, items };
        } catch (error) {
          if (listOptions.signal?.aborted) throw error;
          if (wentDown !== undefined) {
            return { name, unavailable: { backend: name, status: wentDown, error: downError(name, wentDown) } };
          }
          const reported = timedOut
            ? new ProviderError(
                'BACKEND_FAILED',
                `${what} on backend "${name}" did not answer within ${waitMs} ms; it is left out of this listing`,
                { category: 'timeout', backend: name, cause: error },
              )
            : poolError(name, what, error);
          return { name, unavailable: { backend: name, status: backend.status().status, error: reported } };
        } finally {
          clearTimeout(timer);
          listOptions.signal?.removeEventListener('abort', onAbort);
        }
      }),
    );
    const lists: { name: string; items: T[] }[] = [];
    const unavailable: PoolUnavailable[] = [];
    for (const entry of settled) {
      if (entry.items) lists.push({ name: entry.name, items: entry.items });
      else if (entry.unavailable) unavailable.push(entry.unavailable);
    }
    return { lists, unavailable };
  }

  /**
   * The call's own `onProgress` and the pool's `progress` listeners; none at all when nobody
   * listens, so that the call carries no progress token.
   */
  function progressListener(
    backend: string,
    tool: string,
    own: ((progress: ProgressUpdate) => void) | undefined,
  ): ((progress: ProgressUpdate) => void) | undefined {
    if (!events.has('progress')) return own;
    return (progress) => {
      own?.(progress);
      events.emit('progress', { ...progress, backend, tool });
    };
  }

  /** The backend of a resource request: `backend`, the only one, or the one that listed `uri`. */
  function resourceBackend(uri: string, what: string, backend: string | undefined): string {
    const name = backend ?? (backends.size === 1 ? [...backends.keys()][0] : resourceBackends.get(uri));
    if (name === undefined) {
      throw new ProviderError(
        'UNKNOWN_BACKEND',
        `${what} "${uri}": the pool has several backends and the last listResources did not list this URI; pass { backend } (one of ${[...backends.keys()].join(', ')})`,
        { category: 'invalid_input' },
      );
    }
    return name;
  }

  /** The MCP-only operations: a gRPC backend has none of them. */
  function mcpOnly(backend: BackendConnection, what: string): BackendConnection {
    if (backend.transport === 'grpc') {
      throw new ProviderError(
        'BACKEND_FAILED',
        `${what} on backend "${backend.name}": a ${backend.transport} backend does not support it (MCP backends only)`,
        { category: 'invalid_input', backend: backend.name },
      );
    }
    return backend;
  }

  /** `<backend>.<tool>` -> annotations from the last `listTools`: whether a failed call may be retried. */
  const toolAnnotations = new Map<string, Tool['annotations']>();
  /** URI -> backend from the last `listResources`, for `readResource` without `{ backend }`. */
  let resourceBackends = new Map<string, string>();

  return {
    backends: [...backends.keys()],
    async connect(connectOptions = {}) {
      const { timeoutMs } = connectOptions;
      const { failed } = await lifecycle.connectAll(timeoutMs === undefined ? {} : { waitMs: timeoutMs });
      // In config order, as `backends` lists them.
      return {
        ready: [...backends.keys()].filter((name) => failed[name] === undefined),
        failed: [...backends.keys()].flatMap((name) => {
          const error = failed[name];
          return error === undefined ? [] : [{ backend: name, error: poolError(name, 'connect', error) }];
        }),
      };
    },
    async reconnect(name) {
      const entry = resolve(name, 'reconnect');
      entry.lists.clear();
      try {
        await entry.backend.connection.reconnect();
      } catch (error) {
        throw poolError(name, 'reconnect', error);
      }
    },
    async listTools(listOptions = {}) {
      const { lists, unavailable } = await gather('tools/list', 'tools', listOptions, (backend, signal) =>
        backend.listTools({ signal }),
      );
      const tools = lists.flatMap(({ name, items }) =>
        items.map(
          (tool): PoolTool => ({ ...tool, name: `${name}.${tool.name}`, backend: name, backendToolName: tool.name }),
        ),
      );
      for (const tool of tools) toolAnnotations.set(tool.name, tool.annotations);
      return { tools, unavailable };
    },
    async listResources(listOptions = {}) {
      const { lists, unavailable } = await gather('resources/list', 'resources', listOptions, (backend, signal) =>
        backend.listResources({ signal }),
      );
      const resources = lists.flatMap(({ name, items }) =>
        items.map((resource): PoolResource => ({ ...resource, backend: name })),
      );
      const index = new Map<string, string>();
      for (const { uri, backend } of resources) if (!index.has(uri)) index.set(uri, backend);
      resourceBackends = index;
      return { resources, unavailable };
    },
    async listResourceTemplates(listOptions = {}) {
      const { lists, unavailable } = await gather(
        'resources/templates/list',
        'resourceTemplates',
        listOptions,
        (backend, signal) => backend.listResourceTemplates({ signal }),
      );
      const resourceTemplates = lists.flatMap(({ name, items }) =>
        items.map((template): PoolResourceTemplate => ({ ...template, backend: name })),
      );
      return { resourceTemplates, unavailable };
    },
    async listPrompts(listOptions = {}) {
      const { lists, unavailable } = await gather('prompts/list', 'prompts', listOptions, (backend, signal) =>
        backend.listPrompts({ signal }),
      );
      const prompts = lists.flatMap(({ name, items }) =>
        items.map(
          (prompt): PoolPrompt => ({
            ...prompt,
            name: `${name}.${prompt.name}`,
            backend: name,
            backendPromptName: prompt.name,
          }),
        ),
      );
      return { prompts, unavailable };
    },
    async listSkills(listOptions = {}) {
      // Not cached: `skills/list` results carry their own ttlMs, and a host lists skills rarely.
      const { lists, unavailable } = await gather('skills/list', undefined, listOptions, (backend, signal) =>
        backend.transport === 'grpc' ? Promise.resolve([]) : backend.listSkills({ signal }),
      );
      const skills = lists.flatMap(({ name, items }) => items.map((skill): PoolSkill => ({ ...skill, backend: name })));
      return { skills, unavailable };
    },
    async readSkill(skill, ref, readOptions = {}) {
      const what = 'resources/read (skill)';
      const { backend: backendName, ...entry } = skill;
      const target = ref ?? skill.uri;
      const file = await run(backendName, `${what} "${target}"`, readOptions.signal, (backend, signal) =>
        mcpOnly(backend, what).readSkill(entry, ref, { signal }),
      );
      return { ...file, backend: backendName };
    },
    callTool(name, args = {}, callOptions = {}) {
      const [backendName, tool] = splitName(name) ?? [undefined, name];
      const what = `tools/call "${name}"`;
      let entry: ReturnType<typeof resolve>;
      try {
        entry = resolve(backendName, what);
      } catch (error) {
        return Promise.reject(error);
      }
      const { callTimeoutMs, retryToolCalls, policy } = entry;
      const { onRetry } = callOptions;
      const onProgress = progressListener(backendName!, name, callOptions.onProgress);
      // Without a caller's signal nothing but the policy's deadline could abort the call: the backend
      // enforces that deadline itself (maxTotalTimeoutMs), so no AbortController is made per call.
      const deadline = policy.config.timeout.enabled ? policy.config.timeout.timeoutMs : undefined;
      return runAttempts(
        backendName!,
        what,
        callOptions.signal,
        (backend, context) =>
          backend.callTool(tool, args, {
            ...(callOptions.signal
              ? { signal: context.signal }
              : deadline === undefined
                ? {}
                : { maxTotalTimeoutMs: deadline }),
            timeoutMs: callOptions.timeoutMs ?? callTimeoutMs,
            ...(onProgress ? { onProgress } : {}),
          }),
        {
          retry: callOptions.retry ?? mayRetryToolCall(retryToolCalls, tool, toolAnnotations.get(name)),
          ...(onRetry
            ? { onRetry: (retry) => onRetry({ ...retry, error: poolError(backendName!, what, retry.error) }) }
            : {}),
        },
        // Lenient: a malformed block becomes an `unknown` part instead of failing a call that ran.
        (raw): PoolToolResult =>
          Object.assign(parseToolResult(raw, { mode: 'lenient' }), { name, backend: backendName!, raw }),
      );
    },
    async readResource(uri, readOptions = {}) {
      const backendName = resourceBackend(uri, 'resources/read', readOptions.backend);
      const raw = await run(backendName, `resources/read "${uri}"`, readOptions.signal, (backend, signal) =>
        backend.readResource(uri, { signal }),
      );
      return { ...parseResourceContents(raw, { mode: 'lenient' }), backend: backendName };
    },
    async getPrompt(name, args = {}, promptOptions = {}) {
      const [backendName, prompt] = splitName(name) ?? [undefined, name];
      const raw = await run(backendName!, `prompts/get "${name}"`, promptOptions.signal, (backend, signal) =>
        backend.getPrompt(prompt, args, { signal }),
      );
      return {
        ...parsePromptMessages(raw, { mode: 'lenient' }),
        backend: backendName!,
        ...(raw.description ? { description: raw.description } : {}),
      };
    },
    statuses: () => [...backends.values()].map(({ backend }) => backend.status()),
    serverCapabilities: (name) => resolve(name, 'serverCapabilities').backend.connection.serverCapabilities,
    on: (event, listener) => events.on(event, listener),
    get roots() {
      return roots;
    },
    async setRoots(next) {
      if (options.roots === undefined) {
        throw new ProviderError(
          'CONFIG_INVALID',
          'setRoots: the pool was created without the `roots` option, so it did not offer roots to its backends',
        );
      }
      roots = parseRoots(next);
      await Promise.all([...backends.values()].map(({ backend }) => backend.connection.notifyRootsListChanged()));
    },
    async subscribeResource(uri, subscribeOptions = {}) {
      const what = 'resources/subscribe';
      const name = resourceBackend(uri, what, subscribeOptions.backend);
      await run(name, `${what} "${uri}"`, subscribeOptions.signal, (backend, signal) =>
        mcpOnly(backend, what).subscribeResource(uri, { signal }),
      );
    },
    async unsubscribeResource(uri, subscribeOptions = {}) {
      const what = 'resources/unsubscribe';
      const name = resourceBackend(uri, what, subscribeOptions.backend);
      await run(name, `${what} "${uri}"`, subscribeOptions.signal, (backend, signal) =>
        mcpOnly(backend, what).unsubscribeResource(uri, { signal }),
      );
    },
    async setLoggingLevel(level, levelOptions = {}) {
      const what = 'logging/setLevel';
      const names = levelOptions.backend === undefined ? [...backends.keys()] : [levelOptions.backend];
      await Promise.all(
        names
          // Without a named backend, the ones that cannot (gRPC) are skipped rather than failing the rest.
          .filter(
            (name) => levelOptions.backend !== undefined || backends.get(name)?.backend.connection.transport !== 'grpc',
          )
          .map((name) =>
            run(name, what, levelOptions.signal, (backend, signal) =>
              mcpOnly(backend, what).setLoggingLevel(level, { signal }),
            ),
          ),
      );
    },
    async close() {
      if (closed) return;
      closed = true;
      events.clear();
      try {
        await lifecycle.close();
      } finally {
        await auth.close();
      }
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}
