import type {
  CallToolResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool,
} from '@mcs/transports';
import { createBackendConnection, type ProgressUpdate } from '@mcs/transports';
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
  /** Tools with the names this backend knows them by (the pool adds `<backend>.`). */
  listTools(options: BackendRequestOptions): Promise<Tool[]>;
  callTool(
    name: string,
    args: Record<string, unknown>,
    options: BackendRequestOptions & { onProgress?: (progress: ProgressUpdate) => void },
  ): Promise<CallToolResult>;
  /** Every page, followed to the end (bounded). */
  listResources(options: BackendRequestOptions): Promise<Resource[]>;
  listResourceTemplates(options: BackendRequestOptions): Promise<ResourceTemplate[]>;
  /** Prompts with the names this backend knows them by (the pool adds `<backend>.`). */
  listPrompts(options: BackendRequestOptions): Promise<Prompt[]>;
  readResource(uri: string, options: BackendRequestOptions): Promise<ReadResourceResult>;
  getPrompt(name: string, args: Record<string, string>, options: BackendRequestOptions): Promise<GetPromptResult>;
  close(): Promise<void>;
}

type McpBackendConfig = Exclude<PoolBackendConfig, { transport: 'grpc' }>;

/** A stdio / Streamable HTTP / SSE backend: one supervised, long-lived @mcs/transports session. */
export function createMcpPoolBackend(
  name: string,
  config: McpBackendConfig,
  clientInfo: { name: string; version: string },
): PoolBackend {
  const { policy: _policy, callTimeoutMs: _timeout, retryToolCalls: _retry, supervision, ...transportConfig } = config;
  const connection = createBackendConnection(name, transportConfig, {
    clientInfo,
    ...(supervision === undefined ? {} : { supervision }),
  });
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
    listTools: (options) => connection.listTools(options),
    callTool: (tool, args, options) => connection.callTool(tool, args, options),
    listResources: (options) => connection.listResources(options),
    listResourceTemplates: (options) => connection.listResourceTemplates(options),
    listPrompts: (options) => connection.listPrompts(options),
    readResource: (uri, options) => connection.readResource(uri, options),
    getPrompt: (prompt, args, options) => connection.getPrompt(prompt, args, options),
    close: () => connection.close(),
  };
}
