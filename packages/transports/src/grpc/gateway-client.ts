import {
  type CallOptions,
  ChannelCredentials,
  type ClientReadableStream,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  type CallToolRequest,
  type ChangeEvent,
  ContextGatewayClient,
  type GetPromptRequest,
  type GetPromptResponse,
  gatewayLimits,
  type ListPromptsResponse,
  type ListResourcesResponse,
  type ListResourceTemplatesResponse,
  type ListToolsResponse,
  type ResourceChunk,
  type ToolEvent,
  type WatchChangesRequest,
} from '@mcs/protos';

export interface GatewayClientOptions {
  /** `host:port` of the gateway. */
  address: string;
  /** Bearer token sent as `authorization: Bearer <token>` (a function is asked before every call). */
  token?: string | (() => string | Promise<string>);
  /** TLS: the CA that signed the server certificate (PEM), and a client certificate for mutual TLS. */
  tls?: { ca?: Buffer | string; cert?: Buffer | string; key?: Buffer | string; serverName?: string };
  /** Largest message the client accepts (bytes). Default 16 MiB. */
  maxReceiveMessageBytes?: number;
}

export interface CallOptionsInput {
  signal?: AbortSignal;
  /** Deadline in ms from now. */
  timeoutMs?: number;
  /** Extra metadata entries. */
  metadata?: Record<string, string>;
}

/** Options of the List calls: without `pageSize` the gateway answers everything at once. */
export interface ListOptionsInput extends CallOptionsInput {
  /** Largest number of entries in the response (the gateway caps it at 1000). */
  pageSize?: number;
  /** `nextPageToken` of the previous response (same backend filter). */
  pageToken?: string;
}

/**
 * The one typed client of `mcs.v1.ContextGateway`, at the proto level (events and responses as the
 * gateway sends them): credentials, bearer metadata, deadlines, and calls that an AbortSignal cancels.
 * `createGatewayConnection` builds the MCP-level connection on it.
 */
export interface GatewayClient {
  listTools(backend?: string, options?: ListOptionsInput): Promise<ListToolsResponse>;
  /** Streams the call's events; also sends the `mcp-tool` routing header. Breaking the loop cancels the call. */
  callTool(
    name: string,
    args?: Record<string, unknown>,
    options?: CallOptionsInput & { callTimeoutMs?: number },
  ): AsyncIterable<ToolEvent>;
  listResources(backend?: string, options?: ListOptionsInput): Promise<ListResourcesResponse>;
  listResourceTemplates(backend?: string, options?: ListOptionsInput): Promise<ListResourceTemplatesResponse>;
  readResource(uri: string, backend?: string, options?: CallOptionsInput): AsyncIterable<ResourceChunk>;
  listPrompts(backend?: string, options?: ListOptionsInput): Promise<ListPromptsResponse>;
  getPrompt(name: string, args?: Record<string, string>, options?: CallOptionsInput): Promise<GetPromptResponse>;
  watchChanges(request?: Partial<WatchChangesRequest>, options?: CallOptionsInput): AsyncIterable<ChangeEvent>;
  /** The underlying generated grpc-js client. */
  readonly raw: ContextGatewayClient;
  close(): void;
}

const toBuffer = (value: Buffer | string | undefined) =>
  value === undefined ? null : typeof value === 'string' ? Buffer.from(value) : value;

const page = (input: ListOptionsInput | undefined) => ({
  pageSize: input?.pageSize ?? 0,
  pageToken: input?.pageToken ?? '',
});

export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const credentials = options.tls
    ? ChannelCredentials.createSsl(toBuffer(options.tls.ca), toBuffer(options.tls.key), toBuffer(options.tls.cert))
    : ChannelCredentials.createInsecure();
  const raw = new ContextGatewayClient(options.address, credentials, {
    'grpc.max_receive_message_length': options.maxReceiveMessageBytes ?? 16 * 1024 * 1024,
    ...(options.tls?.serverName ? { 'grpc.ssl_target_name_override': options.tls.serverName } : {}),
  });

  async function prepare(
    input: CallOptionsInput = {},
  ): Promise<{ metadata: Metadata; callOptions: Partial<CallOptions> }> {
    const metadata = new Metadata();
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    if (token) metadata.set('authorization', `Bearer ${token}`);
    for (const [key, value] of Object.entries(input.metadata ?? {})) metadata.set(key, value);
    return {
      metadata,
      callOptions: input.timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + input.timeoutMs) },
    };
  }

  function unary<Req, Res>(
    method: (
      request: Req,
      metadata: Metadata,
      options: Partial<CallOptions>,
      callback: (error: ServiceError | null, response: Res) => void,
    ) => { cancel(): void },
    request: Req,
    input?: CallOptionsInput,
  ): Promise<Res> {
    return prepare(input).then(
      ({ metadata, callOptions }) =>
        new Promise<Res>((resolve, reject) => {
          const signal = input?.signal;
          // The listener goes when the call ends: a long-lived signal shared by many calls must not
          // keep one listener (and its call) per finished call.
          const onAbort = () => call.cancel();
          const call = method.call(raw, request, metadata, callOptions, (error, response) => {
            signal?.removeEventListener('abort', onAbort);
            if (error) reject(error);
            else resolve(response);
          });
          if (signal?.aborted) call.cancel();
          else signal?.addEventListener('abort', onAbort, { once: true });
        }),
    );
  }

  async function* stream<T>(
    open: (metadata: Metadata, callOptions: Partial<CallOptions>) => ClientReadableStream<T>,
    input?: CallOptionsInput,
  ) {
    const { metadata, callOptions } = await prepare(input);
    const call = open(metadata, callOptions);
    const onAbort = () => call.cancel();
    if (input?.signal?.aborted) call.cancel();
    else input?.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const message of call) yield message as T;
    } finally {
      input?.signal?.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  return {
    raw,
    listTools: (backend = '', input) => unary(raw.listTools, { backend, ...page(input) }, input),
    callTool(name, args = {}, input = {}) {
      const request: CallToolRequest = { name, arguments: args, timeoutMs: input.callTimeoutMs ?? 0 };
      return stream<ToolEvent>((metadata, callOptions) => raw.callTool(request, metadata, callOptions), {
        ...input,
        // A name past the contract's limit is left out of the header (the gateway refuses it from the
        // body): an oversized header would fail the whole connection, every other call on it included.
        metadata: { ...(name.length <= gatewayLimits.nameChars ? { 'mcp-tool': name } : {}), ...input.metadata },
      });
    },
    listResources: (backend = '', input) => unary(raw.listResources, { backend, ...page(input) }, input),
    listResourceTemplates: (backend = '', input) =>
      unary(raw.listResourceTemplates, { backend, ...page(input) }, input),
    readResource: (uri, backend = '', input) =>
      stream<ResourceChunk>(
        (metadata, callOptions) => raw.readResource({ uri, backend }, metadata, callOptions),
        input,
      ),
    listPrompts: (backend = '', input) => unary(raw.listPrompts, { backend, ...page(input) }, input),
    getPrompt: (name, args = {}, input) =>
      unary(raw.getPrompt, { name, arguments: args } satisfies GetPromptRequest, input),
    watchChanges: (request = {}, input) =>
      stream<ChangeEvent>(
        (metadata, callOptions) =>
          raw.watchChanges({ subscriptions: request.subscriptions ?? [] }, metadata, callOptions),
        input,
      ),
    close: () => raw.close(),
  };
}
