import type {
  BackendAuthorization,
  CallToolResult,
  ClientCapabilities,
  ClientRequestHandlers,
  GetPromptResult,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool,
} from '@mcs/transports';
import { createBackendConnection, type ListChangedKind, type ProgressUpdate } from '@mcs/transports';
import type { ListKind } from './client/list-cache.js';
import type { PoolEvents } from './client/pool-events.js';
import type { PoolBackendConfig } from './pool-config.js';

export interface BackendRequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** Health of one backend as the pool sees it. */
export interface PoolBackendStatus {
  backend: string;
  transport: PoolBackendConfig['transport'];
  /** stdio/HTTP/SSE: @mcs/transports status; gRPC: the channel's connectivity state. */
  status: string;
  /** stdio: process id (= process group id) of the running server. */
  pid?: number;
  /** stdio/HTTP/SSE: restarts since `connect()`. */
  restarts?: number;
}

/** What the pool needs of one backend, whatever carries it (an MCP session or the gRPC gateway). */
export interface PoolBackend {
  readonly name: string;
  readonly transport: PoolBackendConfig['transport'];
  connect(): Promise<void>;
  status(): PoolBackendStatus;
  /** How long a listing of `kind` may be served from the pool's cache (`Infinity`: until it changes). */
  listCacheTtlMs(kind: ListKind): number;
  /** Tools with the names this backend knows them by (the pool adds `<backend>.`). */
  listTools(options: BackendRequestOptions): Promise<Tool[]>;
  callTool(
    name: string,
    args: Record<string, unknown>,
    options: BackendRequestOptions & {
      onProgress?: (progress: ProgressUpdate) => void;
      /** Hard limit of the whole call, progress or not (gRPC: the deadline is `timeoutMs` anyway). */
      maxTotalTimeoutMs?: number;
    },
  ): Promise<CallToolResult>;
  /** Every page, followed to the end (bounded). */
  listResources(options: BackendRequestOptions): Promise<Resource[]>;
  listResourceTemplates(options: BackendRequestOptions): Promise<ResourceTemplate[]>;
  /** Prompts with the names this backend knows them by (the pool adds `<backend>.`). */
  listPrompts(options: BackendRequestOptions): Promise<Prompt[]>;
  readResource(uri: string, options: BackendRequestOptions): Promise<ReadResourceResult>;
  getPrompt(name: string, args: Record<string, string>, options: BackendRequestOptions): Promise<GetPromptResult>;
  /** MCP backends only (the gateway has no subscriptions, log levels or roots). */
  subscribeResource?(uri: string, options: BackendRequestOptions): Promise<void>;
  unsubscribeResource?(uri: string, options: BackendRequestOptions): Promise<void>;
  setLoggingLevel?(level: LoggingLevel, options: BackendRequestOptions): Promise<void>;
  notifyRootsListChanged?(): Promise<void>;
  close(): Promise<void>;
}

type McpBackendConfig = Exclude<PoolBackendConfig, { transport: 'grpc' }>;

/** What an MCP backend gets from the pool: what it advertises and answers, and where its notifications go. */
export interface McpPoolBackendFeatures {
  clientInfo: { name: string; version: string };
  capabilities: ClientCapabilities;
  requestHandlers: ClientRequestHandlers;
  events: PoolEvents;
  /** Called before the `list_changed` event, so that listeners re-listing see the new list. */
  onListChanged: (kind: ListChangedKind) => void;
  /** HTTP/SSE backends with `auth` (or an application's own OAuth provider). */
  authorization?: BackendAuthorization | undefined;
}

/** Lists kept for a server that does not announce changes. */
const defaultListCacheTtlMs = 30_000;

const capabilityOf: Record<ListKind, ListChangedKind> = {
  tools: 'tools',
  resources: 'resources',
  resourceTemplates: 'resources',
  prompts: 'prompts',
};

/** A stdio / Streamable HTTP / SSE backend: one supervised, long-lived @mcs/transports session. */
export function createMcpPoolBackend(
  name: string,
  config: McpBackendConfig,
  features: McpPoolBackendFeatures,
): PoolBackend {
  const {
    policy: _policy,
    callTimeoutMs: _timeout,
    retryToolCalls: _retry,
    listCacheTtlMs,
    supervision,
    auth: _auth,
    ...transportConfig
  } = config as McpBackendConfig & { auth?: unknown };
  const connection = createBackendConnection(name, transportConfig, {
    clientInfo: features.clientInfo,
    capabilities: features.capabilities,
    requestHandlers: features.requestHandlers,
    ...(supervision === undefined ? {} : { supervision }),
    ...(features.authorization === undefined ? {} : { authorization: features.authorization }),
  });
  const { events } = features;
  connection.on('list_changed', (event) => {
    features.onListChanged(event.kind);
    events.emit('list_changed', event);
  });
  connection.on('log', (event) => events.emit('log', event));
  connection.on('resource_updated', (event) => events.emit('resource_updated', event));
  return {
    name,
    transport: config.transport,
    connect: () => connection.connect(),
    status: () => ({
      backend: name,
      transport: config.transport,
      status: connection.status,
      restarts: connection.restarts,
      ...(connection.pid === undefined ? {} : { pid: connection.pid }),
    }),
    listCacheTtlMs: (kind) => {
      const capability = connection.serverCapabilities?.[capabilityOf[kind]];
      if (capability?.listChanged) return Number.POSITIVE_INFINITY;
      return listCacheTtlMs ?? defaultListCacheTtlMs;
    },
    listTools: (options) => connection.listTools(options),
    callTool: (tool, args, options) => connection.callTool(tool, args, options),
    listResources: (options) => connection.listResources(options),
    listResourceTemplates: (options) => connection.listResourceTemplates(options),
    listPrompts: (options) => connection.listPrompts(options),
    readResource: (uri, options) => connection.readResource(uri, options),
    getPrompt: (prompt, args, options) => connection.getPrompt(prompt, args, options),
    subscribeResource: (uri, options) => connection.subscribeResource(uri, options),
    unsubscribeResource: (uri, options) => connection.unsubscribeResource(uri, options),
    setLoggingLevel: (level, options) => connection.setLoggingLevel(level, options),
    notifyRootsListChanged: () => connection.notifyRootsListChanged(),
    close: () => connection.close(),
  };
}
