import { performance } from 'node:perf_hooks';
import { boundErrorMessage, quoteValue } from '@mcs/resilience';
import type {
  CallToolResult,
  Client,
  GetPromptResult,
  Implementation,
  LoggingLevel,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/client';
import {
  type Skill,
  type SkillFile,
  SkillsClient,
  SkillVerificationError,
} from '@modelcontextprotocol/client/ext/skills';
import { type BackendTransportKind, parseBackendConfig } from './backend-config.js';
import type {
  BackendConnection,
  BackendConnectionOptions,
  BackendEventListener,
  BackendEventMap,
  BackendEventName,
  BackendStatus,
  CallToolOptions,
  CircuitBreakerState,
  RequestOptions,
} from './backend-connection.js';
import { BackendBreaker } from './internal/backend-breaker.js';
import { ConnectionLifecycle } from './internal/connection-lifecycle.js';
import { RequestForwarder } from './internal/request-forwarder.js';
import { SessionSettings } from './internal/session-settings.js';
import type { SessionSupervisor } from './internal/session-supervisor.js';
import { toTransportError } from './internal/to-transport-error.js';
import { callToolResultSchema, OutputSchemaChecks } from './internal/tool-calls.js';
import { TypedEmitter } from './internal/typed-emitter.js';
import { parseSupervisionOptions } from './supervision-options.js';
import { TransportError } from './transport-error.js';

const defaultClientInfo: Implementation = { name: 'mcs-transports', version: '0.1.0' };

/**
 * Whether the session's server announced `capability` in initialize. The list methods ask first: the
 * SDK's Client.listTools/listResources/listPrompts on a server without it answer empty too, but
 * write "called but server does not advertise ..." with console.debug, which lands in the middle of
 * a terminal client's screen.
 */
const advertises = (client: Client, capability: 'tools' | 'resources' | 'prompts'): boolean =>
  client.getServerCapabilities()?.[capability] !== undefined;

/**
 * The supervised implementation of {@link BackendConnection} for every transport kind. It only
 * validates, wires the parts together and turns each MCP method into one forwarded request:
 * - ConnectionLifecycle: status, connect(), close(), waiting for a ready session; its
 *   SessionSupervisor keeps the one MCP session alive (RestartScheduler, HealthPings);
 * - RequestForwarder: one request through the breaker (BackendBreaker), retried on an expired session;
 * - SessionSettings: the log level and subscriptions re-applied to every new session.
 */
class McpBackendConnection implements BackendConnection {
  readonly name: string;
  readonly transport: BackendTransportKind;
  readonly #events = new TypedEmitter<BackendEventMap>();
  readonly #settings: SessionSettings;
  readonly #breaker: BackendBreaker;
  readonly #sessions: SessionSupervisor;
  readonly #lifecycle: ConnectionLifecycle;
  readonly #requests: RequestForwarder;
  readonly #answersRoots: boolean;
  readonly #outputChecks = new OutputSchemaChecks();

  constructor(name: string, config: unknown, options: BackendConnectionOptions = {}) {
    if (typeof name !== 'string' || name.trim().length === 0) {
      throw new TransportError('CONFIG_INVALID', 'a backend needs a non-empty name');
    }
    this.name = name;
    const backendConfig = parseBackendConfig(name, config);
    this.transport = backendConfig.transport;
    const supervision = parseSupervisionOptions(name, options.supervision);
    const events = this.#events;
    this.#settings = new SessionSettings(name, events);
    this.#lifecycle = new ConnectionLifecycle({
      backend: name,
      config: backendConfig,
      options: supervision,
      clientInfo: options.clientInfo ?? defaultClientInfo,
      capabilities: options.capabilities ?? {},
      requestHandlers: options.requestHandlers ?? {},
      protocol: options.protocol ?? 'legacy',
      tokenProvider: options.tokenProvider,
      authorization: options.authorization,
      events,
      settings: this.#settings,
    });
    this.#sessions = this.#lifecycle.sessions;
    this.#answersRoots = options.requestHandlers?.['roots/list'] !== undefined;
    this.#breaker = new BackendBreaker(name, supervision.breaker, events);
    this.#requests = new RequestForwarder({
      backend: name,
      transport: this.transport,
      requestTimeoutMs: supervision.requestTimeoutMs,
      events,
      lifecycle: this.#lifecycle,
      breaker: this.#breaker,
      pingTimeoutMs: supervision.health.pingTimeoutMs,
    });
    // As the SDK's response cache: a changed tool list drops the compiled output schemas until re-listed.
    events.on('list_changed', ({ kind }) => {
      if (kind === 'tools') this.#outputChecks.forgetAll();
    });
  }

  get status(): BackendStatus {
    return this.#lifecycle.status;
  }
  get serverCapabilities(): ServerCapabilities | undefined {
    return this.#sessions.serverCapabilities;
  }
  get serverInfo(): Implementation | undefined {
    return this.#sessions.serverInfo;
  }
  get protocolVersion(): string | undefined {
    return this.#sessions.protocolVersion;
  }
  get instructions(): string | undefined {
    return this.#sessions.instructions;
  }
  get pid(): number | undefined {
    return this.#sessions.pid;
  }
  get breakerState(): CircuitBreakerState {
    return this.#breaker.state;
  }
  get restarts(): number {
    return this.#sessions.restarts;
  }

  on<E extends BackendEventName>(event: E, listener: BackendEventListener<E>): () => void {
    return this.#events.on(event, listener);
  }
  off<E extends BackendEventName>(event: E, listener: BackendEventListener<E>): void {
    this.#events.off(event, listener);
  }

  connect(options: RequestOptions = {}): Promise<void> {
    return this.#lifecycle.connect(options);
  }

  reconnect(): Promise<void> {
    return this.#lifecycle.reconnect();
  }

  close(): Promise<void> {
    return this.#lifecycle.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async listTools(options: RequestOptions = {}): Promise<Tool[]> {
    const result = await this.#requests.send('tools/list', options, async (client, sdk) => {
      const listed = advertises(client, 'tools')
        ? await client.listTools(undefined, { ...sdk, cacheMode: 'refresh' })
        : { tools: [] };
      this.#outputChecks.remember(client, listed.tools);
      return listed;
    });
    return result.tools;
  }

  callTool(name: string, args: Record<string, unknown> = {}, options: CallToolOptions = {}): Promise<CallToolResult> {
    const { onProgress } = options;
    return this.#requests.send(
      'tools/call',
      options,
      (client, sdk) => {
        const requestOptions = {
          ...sdk,
          resetTimeoutOnProgress: options.resetTimeoutOnProgress ?? true,
          ...(options.maxTotalTimeoutMs === undefined ? {} : { maxTotalTimeout: options.maxTotalTimeoutMs }),
          ...(onProgress
            ? {
                onprogress: ({ progress, total, message }: { progress: number; total?: number; message?: string }) =>
                  onProgress({
                    progress,
                    ...(total === undefined ? {} : { total }),
                    ...(message === undefined ? {} : { message }),
                  }),
              }
            : {}),
        };
        const params = { name, arguments: args };
        // 2026-07-28 sessions keep Client.callTool: it also mirrors x-mcp-header parameters as headers.
        if (client.getProtocolEra() !== 'legacy') return client.callTool(params, requestOptions);
        // Legacy sessions: the explicit result schema skips the SDK's per-request probe (see tool-calls.ts).
        const checkOutput = this.#outputChecks.checkFor(client, name);
        const sent = client.request({ method: 'tools/call', params }, callToolResultSchema, requestOptions);
        return checkOutput ? sent.then(checkOutput) : sent;
      },
      name,
    );
  }

  async listResources(options: RequestOptions = {}): Promise<Resource[]> {
    const result = await this.#requests.send('resources/list', options, async (client, sdk) =>
      advertises(client, 'resources')
        ? client.listResources(undefined, { ...sdk, cacheMode: 'refresh' })
        : { resources: [] },
    );
    return result.resources;
  }

  async listResourceTemplates(options: RequestOptions = {}): Promise<ResourceTemplateType[]> {
    const result = await this.#requests.send('resources/templates/list', options, async (client, sdk) =>
      advertises(client, 'resources')
        ? client.listResourceTemplates(undefined, { ...sdk, cacheMode: 'refresh' })
        : { resourceTemplates: [] },
    );
    return result.resourceTemplates;
  }

  readResource(uri: string, options: RequestOptions = {}): Promise<ReadResourceResult> {
    return this.#requests.send('resources/read', options, (client, sdk) =>
      client.readResource({ uri }, { ...sdk, cacheMode: 'refresh' }),
    );
  }

  async subscribeResource(uri: string, options: RequestOptions = {}): Promise<void> {
    await this.#requests.send('resources/subscribe', options, (client, sdk) => client.subscribeResource({ uri }, sdk));
    this.#settings.subscriptions.add(uri);
  }

  async unsubscribeResource(uri: string, options: RequestOptions = {}): Promise<void> {
    this.#settings.subscriptions.delete(uri);
    await this.#requests.send('resources/unsubscribe', options, (client, sdk) =>
      client.unsubscribeResource({ uri }, sdk),
    );
  }

  async listPrompts(options: RequestOptions = {}): Promise<Prompt[]> {
    const result = await this.#requests.send('prompts/list', options, async (client, sdk) =>
      advertises(client, 'prompts') ? client.listPrompts(undefined, { ...sdk, cacheMode: 'refresh' }) : { prompts: [] },
    );
    return result.prompts;
  }

  getPrompt(name: string, args: Record<string, string> = {}, options: RequestOptions = {}): Promise<GetPromptResult> {
    return this.#requests.send('prompts/get', options, (client, sdk) =>
      client.getPrompt({ name, arguments: args }, sdk),
    );
  }

  async listSkills(options: RequestOptions = {}): Promise<Skill[]> {
    return this.#requests.send('skills/list', options, async (client, sdk) => {
      const skills = new SkillsClient(client);
      // Checked here: the SDK's list() on a server without the extension logs to the console.
      if (!skills.supported) return [];
      return (await skills.list({}, sdk)).skills;
    });
  }

  readSkill(skill: Skill, ref?: string, options: RequestOptions = {}): Promise<SkillFile> {
    const method = 'resources/read';
    return this.#requests.send(method, options, (client, sdk) =>
      new SkillsClient(client).read(skill, ref, { ...sdk, cacheMode: 'refresh' }).catch((error: unknown) => {
        if (!(error instanceof SkillVerificationError)) throw error;
        // Never used: content that does not match the skill's entry may be tampered with.
        throw new TransportError(
          'INVALID_RESULT',
          `backend "${this.name}": skill file ${quoteValue(error.uri)} failed verification (${error.reason}) and was not loaded: ${boundErrorMessage(error.message, 1000)}`,
          { backend: this.name, cause: error },
        );
      }),
    );
  }

  async setLoggingLevel(level: LoggingLevel, options: RequestOptions = {}): Promise<void> {
    await this.#requests.send('logging/setLevel', options, (client, sdk) => client.setLoggingLevel(level, sdk));
    this.#settings.loggingLevel = level;
  }

  async notifyRootsListChanged(): Promise<void> {
    const session = this.#sessions.current;
    if (!this.#answersRoots || !session || this.status !== 'ready') return;
    try {
      await session.client.sendRootsListChanged();
    } catch (error) {
      // A session lost meanwhile is replaced, and the new one asks for the roots at its start.
      this.#events.emit('log', {
        backend: this.name,
        level: 'warning',
        logger: 'mcs-transports',
        data: `could not send notifications/roots/list_changed: ${toTransportError(error, { backend: this.name, method: 'notifications/roots/list_changed' }).message}`,
      });
    }
  }

  async ping(options: RequestOptions = {}): Promise<number> {
    const started = performance.now();
    await this.#requests.send('ping', options, (client, sdk) => client.ping(sdk));
    return performance.now() - started;
  }
}

/**
 * Creates the connection for one backend. The config is validated here (`CONFIG_INVALID` names each
 * bad field); nothing starts until `connect()` or the first request.
 */
export function createBackendConnection(
  name: string,
  config: unknown,
  options: BackendConnectionOptions = {},
): BackendConnection {
  return new McpBackendConnection(name, config, options);
}
