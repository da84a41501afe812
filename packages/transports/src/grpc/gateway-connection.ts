import { connectivityState, type ServiceError } from '@grpc/grpc-js';
import { type ContentPart, joinChunks, type PartChunk, partChunkFormat } from '@mcs/content-parser';
import { PayloadEncoding, type ResourceChunk, Role } from '@mcs/protos';
import { categoryFromGrpcStatus, GrpcStatus } from '@mcs/resilience';
import type {
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType as ResourceTemplate,
  Tool,
} from '@modelcontextprotocol/client';
import type {
  BackendConnection,
  BackendEventMap,
  BackendStatus,
  CallToolOptions,
  RequestOptions,
} from '../backend-connection.js';
import { TypedEmitter } from '../internal/typed-emitter.js';
import { TransportError, type TransportErrorCode } from '../transport-error.js';
import {
  type CallOptionsInput,
  createGatewayClient,
  type GatewayClient,
  type GatewayClientOptions,
} from './gateway-client.js';
import { toContentBlock } from './proto-content.js';
import { decodeToolEvents } from './tool-event-codec.js';

export interface GatewayConnectionConfig extends GatewayClientOptions {
  /** Only this gateway backend's tools, resources and prompts (the gateway's `backend` filter). */
  gatewayBackend?: string;
  /** Entries per page of the List calls; every page is fetched. Default 500 (the gateway caps at 1000). */
  listPageSize?: number;
  /** Bound of `connect()`'s first call, in ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** Largest joined content part or resource, in bytes. Default 16 MiB. */
  maxPartBytes?: number;
}

/** Bounds a listing: a gateway that keeps handing out page tokens cannot loop forever. */
const maxPages = 1_000;

const grpcCodes: Partial<Record<number, TransportErrorCode>> = {
  [GrpcStatus.UNAVAILABLE]: 'BACKEND_UNAVAILABLE',
  [GrpcStatus.DEADLINE_EXCEEDED]: 'REQUEST_TIMEOUT',
  [GrpcStatus.CANCELLED]: 'CANCELLED',
  [GrpcStatus.UNAUTHENTICATED]: 'UNAUTHENTICATED',
  [GrpcStatus.PERMISSION_DENIED]: 'FORBIDDEN',
};

const isServiceError = (error: unknown): error is ServiceError =>
  error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'metadata' in error;

/** Optional MCP text fields: proto3 sends `""` for absent ones. */
function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

/**
 * A grpc-gateway as one `BackendConnection`: its tools are `<gatewayBackend>.<tool>` as the gateway
 * names them, its results come back through the one ToolEvent codec (chunks joined and validated by
 * @mcs/content-parser). The gateway supervises its own backends, so this connection does not restart
 * anything: grpc-js reconnects the channel, and `status` follows the channel's state. Subscriptions,
 * log levels, ping and roots are MCP session features the gateway does not offer: they reject with
 * `BACKEND_ERROR` (category `invalid_input`).
 */
export function createGatewayConnection(name: string, config: GatewayConnectionConfig): BackendConnection {
  let client: GatewayClient | undefined;
  let connected = false;
  let closed = false;
  let previous: BackendStatus = 'idle';
  const events = new TypedEmitter<BackendEventMap>();
  const rpc = () => {
    if (closed) throw new TransportError('NOT_CONNECTED', `gateway "${name}" was closed`, { backend: name });
    client ??= createGatewayClient(config);
    return client;
  };
  const listPageSize = config.listPageSize ?? 500;
  const gatewayBackend = config.gatewayBackend ?? '';

  function status(): BackendStatus {
    if (closed) return 'closed';
    if (client === undefined) return 'idle';
    switch (client.raw.getChannel().getConnectivityState(false)) {
      case connectivityState.READY:
        return 'ready';
      case connectivityState.CONNECTING:
        return 'connecting';
      case connectivityState.TRANSIENT_FAILURE:
        return 'restarting';
      case connectivityState.SHUTDOWN:
        return 'closed';
      default:
        // An idle channel reconnects on the next call: ready once a call has gone through.
        return connected ? 'ready' : 'idle';
    }
  }

  function noteStatus(error?: TransportError) {
    const now = status();
    if (now === previous) return;
    const event = { backend: name, status: now, previous, ...(error === undefined ? {} : { error }) };
    previous = now;
    events.emit('status', event);
  }

  function toTransportError(error: unknown, method: string, options: RequestOptions): TransportError {
    if (TransportError.isInstance(error)) return error;
    if (isServiceError(error)) {
      const code = options.signal?.aborted ? 'CANCELLED' : (grpcCodes[error.code] ?? 'BACKEND_ERROR');
      return new TransportError(code, `gateway "${name}" ${method}: ${error.details || error.message}`, {
        backend: name,
        category: code === 'CANCELLED' ? 'cancelled' : categoryFromGrpcStatus(error.code),
        data: { grpcStatus: error.code },
        cause: error,
      });
    }
    return new TransportError('BACKEND_ERROR', `gateway "${name}" ${method} failed: ${String(error)}`, {
      backend: name,
      cause: error,
    });
  }

  /** Runs one request: every failure becomes a TransportError, and the status is brought up to date. */
  async function request<T>(method: string, options: RequestOptions, run: () => Promise<T>): Promise<T> {
    try {
      const value = await run();
      connected = true;
      noteStatus();
      return value;
    } catch (error) {
      const failure = toTransportError(error, method, options);
      noteStatus(failure);
      throw failure;
    }
  }

  const callInput = (options: RequestOptions): CallOptionsInput => ({
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });

  /** Follows `next_page_token` to the last page (at most `maxPages` pages). */
  async function allPages<Res extends { nextPageToken: string }, Item>(
    list: (client: GatewayClient, options: CallOptionsInput & { pageSize: number; pageToken: string }) => Promise<Res>,
    items: (response: Res) => Item[],
    options: RequestOptions,
  ): Promise<Item[]> {
    const all: Item[] = [];
    let pageToken = '';
    for (let page = 0; page < maxPages; page += 1) {
      const response = await list(rpc(), { ...callInput(options), pageSize: listPageSize, pageToken });
      all.push(...items(response));
      if (!response.nextPageToken) return all;
      pageToken = response.nextPageToken;
    }
    throw new TransportError(
      'INVALID_RESULT',
      `gateway "${name}" was still paging after ${maxPages} pages of ${listPageSize}`,
      { backend: name },
    );
  }

  const unsupported = (what: string) =>
    Promise.reject(
      new TransportError(
        'BACKEND_ERROR',
        `gateway "${name}": ${what} is an MCP session feature the gateway does not offer`,
        {
          backend: name,
          category: 'invalid_input',
        },
      ),
    );

  const connection: BackendConnection = {
    name,
    transport: 'grpc',
    get status() {
      return status();
    },
    serverCapabilities: undefined,
    serverInfo: undefined,
    protocolVersion: undefined,
    instructions: undefined,
    pid: undefined,
    breakerState: 'closed',
    restarts: 0,
    reconnect(options = {}) {
      return connection.connect(options);
    },
    connect(options = {}) {
      // A cheap call proves the gateway answers (grpc-js connects lazily otherwise).
      return request('connect', options, () =>
        rpc().listTools(gatewayBackend, {
          ...callInput(options),
          timeoutMs: options.timeoutMs ?? config.connectTimeoutMs ?? 10_000,
          pageSize: 1,
        }),
      ).then(
        () => undefined,
        (error: TransportError) => {
          throw new TransportError('CONNECT_FAILED', `gateway "${name}" did not answer: ${error.message}`, {
            backend: name,
            category: error.category === 'unavailable' || error.category === 'timeout' ? 'unavailable' : error.category,
            cause: error,
          });
        },
      );
    },
    async close() {
      if (closed) return;
      client?.close();
      closed = true;
      client = undefined;
      noteStatus();
    },
    [Symbol.asyncDispose]() {
      return this.close();
    },
    listTools: (options = {}) =>
      request('tools/list', options, () =>
        allPages(
          (gateway, input) => gateway.listTools(gatewayBackend, input),
          (response) =>
            response.tools.map(
              (tool): Tool => ({
                name: tool.name,
                ...optional('title', tool.title),
                ...optional('description', tool.description),
                inputSchema: tool.inputSchemaJson ? JSON.parse(tool.inputSchemaJson) : { type: 'object' },
                ...(tool.outputSchemaJson ? { outputSchema: JSON.parse(tool.outputSchemaJson) } : {}),
                ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
              }),
            ),
          options,
        ),
      ),
    listResources: (options = {}) =>
      request('resources/list', options, () =>
        allPages(
          (gateway, input) => gateway.listResources(gatewayBackend, input),
          (response) =>
            response.resources.map(
              (resource): Resource => ({
                uri: resource.uri,
                name: resource.name,
                ...optional('title', resource.title),
                ...optional('description', resource.description),
                ...optional('mimeType', resource.mimeType),
                ...(resource.size === undefined ? {} : { size: Number(resource.size) }),
              }),
            ),
          options,
        ),
      ),
    listResourceTemplates: (options = {}) =>
      request('resources/templates/list', options, () =>
        allPages(
          (gateway, input) => gateway.listResourceTemplates(gatewayBackend, input),
          (response) =>
            response.resourceTemplates.map(
              (template): ResourceTemplate => ({
                uriTemplate: template.uriTemplate,
                name: template.name,
                ...optional('title', template.title),
                ...optional('description', template.description),
                ...optional('mimeType', template.mimeType),
              }),
            ),
          options,
        ),
      ),
    listPrompts: (options = {}) =>
      request('prompts/list', options, () =>
        allPages(
          (gateway, input) => gateway.listPrompts(gatewayBackend, input),
          (response) =>
            response.prompts.map(
              (prompt): Prompt => ({
                name: prompt.name,
                ...optional('title', prompt.title),
                ...optional('description', prompt.description),
                arguments: prompt.arguments.map((argument) => ({
                  name: argument.name,
                  ...optional('description', argument.description),
                  required: argument.required,
                })),
              }),
            ),
          options,
        ),
      ),
    callTool(tool, args = {}, options: CallToolOptions = {}) {
      return request('tools/call', options, () => {
        // The gateway's inactivity timeout is `timeoutMs` (progress resets it there); the deadline is
        // the hard limit of the whole call.
        const deadline = options.maxTotalTimeoutMs ?? options.timeoutMs;
        const events = rpc().callTool(tool, args, {
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          ...(deadline === undefined ? {} : { timeoutMs: deadline }),
          ...(options.timeoutMs === undefined ? {} : { callTimeoutMs: options.timeoutMs }),
        });
        return decodeToolEvents(events, {
          backend: name,
          ...(config.maxPartBytes === undefined ? {} : { maxPartBytes: config.maxPartBytes }),
          ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        });
      });
    },
    readResource: (uri, options = {}) =>
      request('resources/read', options, async () => {
        const groups: ResourceChunk[][] = [];
        for await (const chunk of rpc().readResource(uri, gatewayBackend, callInput(options))) {
          const last = groups.at(-1);
          if (last !== undefined && last[0]!.contentIndex === chunk.contentIndex) last.push(chunk);
          else groups.push([chunk]);
        }
        return {
          contents: groups.map((chunks) => joinResource(name, chunks, config.maxPartBytes)),
        } satisfies ReadResourceResult;
      }),
    getPrompt: (prompt, args = {}, options = {}) =>
      request('prompts/get', options, async () => {
        const response = await rpc().getPrompt(prompt, args, callInput(options));
        return {
          ...(response.description ? { description: response.description } : {}),
          messages: response.messages.flatMap((message) => {
            const block = message.content ? toContentBlock(message.content) : undefined;
            if (!block) return [];
            return [
              {
                role: message.role === Role.ROLE_ASSISTANT ? ('assistant' as const) : ('user' as const),
                content: block,
              },
            ];
          }),
        } as GetPromptResult;
      }),
    subscribeResource: () => unsupported('resources/subscribe'),
    unsubscribeResource: () => unsupported('resources/unsubscribe'),
    setLoggingLevel: () => unsupported('logging/setLevel'),
    listSkills: () => unsupported('skills/list'),
    readSkill: () => unsupported('skills (resources/read of a skill file)'),
    ping: () => unsupported('ping'),
    // Nothing to tell: the gateway does not ask this client for roots.
    notifyRootsListChanged: async () => undefined,
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
  };
  return connection;
}

/** One `resources/read` entry from its chunks, joined and checked by @mcs/content-parser. */
function joinResource(
  backend: string,
  chunks: ResourceChunk[],
  maxPartBytes: number | undefined,
): ReadResourceResult['contents'][number] {
  const first = chunks[0]!;
  const blob = first.encoding === PayloadEncoding.PAYLOAD_ENCODING_BINARY;
  const payloadBytes = chunks.reduce((sum, chunk) => sum + chunk.data.byteLength, 0);
  const header = {
    type: 'resource' as const,
    index: first.contentIndex,
    path: ['contents', first.contentIndex],
    byteLength: payloadBytes,
    uri: first.uri,
    ...optional('mimeType', first.mimeType),
    encoding: blob ? ('blob' as const) : ('text' as const),
  };
  let offset = 0;
  const parts = chunks.map((chunk): PartChunk => {
    const mapped: PartChunk = {
      format: partChunkFormat,
      part: header,
      encoding: blob ? 'binary' : 'utf8',
      index: chunk.index,
      total: chunk.total,
      final: chunk.final,
      offset,
      payloadBytes,
      data: chunk.data,
    };
    offset += chunk.data.byteLength;
    return mapped;
  });
  let part: ContentPart;
  try {
    part = joinChunks(parts, maxPartBytes === undefined ? {} : { maxPartBytes });
  } catch (error) {
    throw new TransportError(
      'INVALID_RESULT',
      `gateway "${backend}" sent broken chunks for "${first.uri}": ${error instanceof Error ? error.message : String(error)}`,
      { backend, cause: error },
    );
  }
  const base = { uri: first.uri, ...optional('mimeType', first.mimeType) };
  if (part.type === 'resource' && part.encoding === 'blob')
    return { ...base, blob: Buffer.from(part.data).toString('base64') };
  return { ...base, text: part.type === 'resource' && part.encoding === 'text' ? part.text : '' };
}
