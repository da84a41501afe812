import type {
  CallToolResult,
  GetPromptResult,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/client';

/**
 * The part of `@mcs/transports`' `BackendConnection` the gateway uses (same names and shapes), so the
 * gateway core does not care which implementation sits behind a backend.
 */
export type BackendStatus = 'idle' | 'connecting' | 'ready' | 'restarting' | 'failed' | 'closed';
export type ListChangedKind = 'tools' | 'resources' | 'prompts';
export type CircuitBreakerState = 'closed' | 'open' | 'half_open';

export interface BackendEvents {
  status: { backend: string; status: BackendStatus; previous: BackendStatus; error?: Error };
  list_changed: { backend: string; kind: ListChangedKind };
  resource_updated: { backend: string; uri: string };
  log: { backend: string; level: LoggingLevel; logger?: string; data: unknown };
  restart: { backend: string; attempt: number; delayMs: number; reason: Error };
  breaker: { backend: string; state: CircuitBreakerState };
}

export interface BackendRequestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface BackendCallToolOptions extends BackendRequestOptions {
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
  resetTimeoutOnProgress?: boolean;
}

export interface GatewayBackend {
  readonly name: string;
  readonly status: BackendStatus;
  readonly serverCapabilities: ServerCapabilities | undefined;
  readonly breakerState: CircuitBreakerState;
  readonly restarts: number;
  readonly pid: number | undefined;
  connect(options?: BackendRequestOptions): Promise<void>;
  close(): Promise<void>;
  listTools(options?: BackendRequestOptions): Promise<Tool[]>;
  callTool(name: string, args?: Record<string, unknown>, options?: BackendCallToolOptions): Promise<CallToolResult>;
  listResources(options?: BackendRequestOptions): Promise<Resource[]>;
  listResourceTemplates(options?: BackendRequestOptions): Promise<ResourceTemplateType[]>;
  readResource(uri: string, options?: BackendRequestOptions): Promise<ReadResourceResult>;
  subscribeResource(uri: string, options?: BackendRequestOptions): Promise<void>;
  unsubscribeResource(uri: string, options?: BackendRequestOptions): Promise<void>;
  listPrompts(options?: BackendRequestOptions): Promise<Prompt[]>;
  getPrompt(name: string, args?: Record<string, string>, options?: BackendRequestOptions): Promise<GetPromptResult>;
  on<E extends keyof BackendEvents>(event: E, listener: (event: BackendEvents[E]) => void): () => void;
}
