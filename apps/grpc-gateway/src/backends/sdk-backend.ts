import { EventEmitter } from 'node:events';
import {
  Client,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import type { GatewayBackendConfig } from '../config.js';
import { GatewayError } from '../gateway-error.js';
import type {
  BackendCallToolOptions,
  BackendEvents,
  BackendRequestOptions,
  BackendStatus,
  GatewayBackend,
} from './gateway-backend.js';

/**
 * INTERIM: one MCP session per backend through the official SDK client, without supervision (no
 * restart, health pings or breaker). It stands in for `@mcs/transports`' `BackendConnection` until
 * that package lands; `createBackend` is the one place to swap.
 */
export class SdkBackend implements GatewayBackend {
  readonly breakerState = 'closed' as const;
  readonly restarts = 0;
  private currentStatus: BackendStatus = 'idle';
  private readonly events = new EventEmitter();
  private client: Client | undefined;
  private transport: Transport | undefined;

  constructor(
    readonly name: string,
    private readonly config: GatewayBackendConfig,
  ) {
    this.events.setMaxListeners(0);
  }

  get status(): BackendStatus {
    return this.currentStatus;
  }

  get serverCapabilities() {
    return this.client?.getServerCapabilities();
  }

  get pid(): number | undefined {
    return this.transport instanceof StdioClientTransport ? (this.transport.pid ?? undefined) : undefined;
  }

  async connect(options: BackendRequestOptions = {}): Promise<void> {
    this.setStatus('connecting');
    const client = new Client({ name: 'mcs-grpc-gateway', version: '0.1.0' }, { capabilities: {} });
    client.setNotificationHandler('notifications/tools/list_changed', () =>
      this.emit('list_changed', { backend: this.name, kind: 'tools' }),
    );
    client.setNotificationHandler('notifications/resources/list_changed', () =>
      this.emit('list_changed', { backend: this.name, kind: 'resources' }),
    );
    client.setNotificationHandler('notifications/prompts/list_changed', () =>
      this.emit('list_changed', { backend: this.name, kind: 'prompts' }),
    );
    client.setNotificationHandler('notifications/resources/updated', (notification) =>
      this.emit('resource_updated', { backend: this.name, uri: notification.params.uri }),
    );
    client.setNotificationHandler('notifications/message', (notification) => {
      const { level, logger, data } = notification.params;
      this.emit('log', { backend: this.name, level, data, ...(logger === undefined ? {} : { logger }) });
    });
    client.onclose = () => {
      if (this.currentStatus !== 'closed')
        this.setStatus('failed', new Error(`backend "${this.name}" closed its session`));
    };
    const transport = this.createTransport();
    try {
      await client.connect(transport, options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs });
    } catch (cause) {
      this.setStatus('failed');
      throw new GatewayError('UNAVAILABLE', `Cannot connect to backend "${this.name}": ${(cause as Error).message}`, {
        cause,
      });
    }
    this.client = client;
    this.transport = transport;
    this.setStatus('ready');
  }

  async close(): Promise<void> {
    this.setStatus('closed');
    await this.client?.close().catch(() => undefined);
  }

  listTools(options?: BackendRequestOptions) {
    return this.request(async (client) => (await client.listTools(undefined, sdkOptions(options))).tools);
  }

  callTool(name: string, args?: Record<string, unknown>, options: BackendCallToolOptions = {}) {
    return this.request((client) =>
      client.callTool(
        { name, ...(args === undefined ? {} : { arguments: args }) },
        {
          ...sdkOptions(options),
          resetTimeoutOnProgress: options.resetTimeoutOnProgress ?? true,
          ...(options.onProgress ? { onprogress: options.onProgress } : {}),
        },
      ),
    ) as ReturnType<GatewayBackend['callTool']>;
  }

  listResources(options?: BackendRequestOptions) {
    return this.request(async (client) => (await client.listResources(undefined, sdkOptions(options))).resources);
  }

  listResourceTemplates(options?: BackendRequestOptions) {
    return this.request(
      async (client) => (await client.listResourceTemplates(undefined, sdkOptions(options))).resourceTemplates,
    );
  }

  readResource(uri: string, options?: BackendRequestOptions) {
    return this.request((client) => client.readResource({ uri }, sdkOptions(options)));
  }

  async subscribeResource(uri: string, options?: BackendRequestOptions) {
    await this.request((client) => client.subscribeResource({ uri }, sdkOptions(options)));
  }

  async unsubscribeResource(uri: string, options?: BackendRequestOptions) {
    await this.request((client) => client.unsubscribeResource({ uri }, sdkOptions(options)));
  }

  listPrompts(options?: BackendRequestOptions) {
    return this.request(async (client) => (await client.listPrompts(undefined, sdkOptions(options))).prompts);
  }

  getPrompt(name: string, args?: Record<string, string>, options?: BackendRequestOptions) {
    return this.request((client) =>
      client.getPrompt({ name, ...(args === undefined ? {} : { arguments: args }) }, sdkOptions(options)),
    );
  }

  on<E extends keyof BackendEvents>(event: E, listener: (event: BackendEvents[E]) => void): () => void {
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  private emit<E extends keyof BackendEvents>(event: E, payload: BackendEvents[E]): void {
    this.events.emit(event, payload);
  }

  private setStatus(status: BackendStatus, error?: Error): void {
    const previous = this.currentStatus;
    this.currentStatus = status;
    if (previous !== status) {
      this.emit('status', { backend: this.name, status, previous, ...(error === undefined ? {} : { error }) });
    }
  }

  private async request<T>(run: (client: Client) => Promise<T>): Promise<T> {
    const client = this.client;
    if (client === undefined || this.currentStatus !== 'ready') {
      throw new GatewayError('UNAVAILABLE', `Backend "${this.name}" is not connected (status ${this.currentStatus}).`);
    }
    return run(client);
  }

  private createTransport(): Transport {
    const config = this.config;
    if (config.transport === 'stdio') {
      return new StdioClientTransport({
        command: config.command,
        args: config.args,
        env: { ...safeEnvironment(), ...config.env },
        stderr: 'ignore',
        ...(config.cwd === undefined ? {} : { cwd: config.cwd }),
      });
    }
    const headers = {
      ...config.headers,
      ...(config.bearerToken === undefined ? {} : { authorization: `Bearer ${config.bearerToken}` }),
    };
    const url = new URL(config.url);
    return config.transport === 'http'
      ? new StreamableHTTPClientTransport(url, { requestInit: { headers } })
      : new SSEClientTransport(url, { requestInit: { headers } });
  }
}

function sdkOptions(options: BackendRequestOptions | undefined) {
  return {
    ...(options?.signal === undefined ? {} : { signal: options.signal }),
    ...(options?.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
  };
}

function safeEnvironment(): Record<string, string> {
  const keys = ['HOME', 'PATH', 'USER', 'SHELL', 'TERM', 'LOGNAME'];
  return Object.fromEntries(keys.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]]])));
}
