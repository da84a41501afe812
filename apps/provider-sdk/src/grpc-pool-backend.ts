import {
  type CallOptions,
  ChannelCredentials,
  type ClientReadableStream,
  connectivityState,
  Metadata,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  type ContentPart,
  ContextGatewayClient,
  gatewayLimits,
  PayloadEncoding,
  type ResourceChunk,
  Role,
  type ToolEvent,
} from '@mcs/protos';
import { isErrorCategory, ResilienceError } from '@mcs/resilience';
import type {
  ContentBlock,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplate,
  Tool,
} from '@mcs/transports';
import type { BackendRequestOptions, PoolBackend } from './pool-backend.js';
import type { PoolBackendConfig } from './pool-config.js';

type GrpcBackendConfig = Extract<PoolBackendConfig, { transport: 'grpc' }>;

const connectivityNames: Record<connectivityState, string> = {
  [connectivityState.IDLE]: 'idle',
  [connectivityState.CONNECTING]: 'connecting',
  [connectivityState.READY]: 'ready',
  [connectivityState.TRANSIENT_FAILURE]: 'transient_failure',
  [connectivityState.SHUTDOWN]: 'closed',
};

/** Bounds a listing: a gateway that keeps handing out page tokens cannot loop forever. */
const maxPages = 1_000;

/** Optional MCP text fields: the gateway sends `""` for absent ones. */
function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

const pem = (value: string | undefined) => (value === undefined ? null : Buffer.from(value));

/** One gateway content part back into the MCP content block it was made from. */
function toContentBlock(part: ContentPart): ContentBlock | undefined {
  const value = part.part;
  switch (value?.$case) {
    case 'text':
      return { type: 'text', text: value.value.text };
    case 'json':
      return { type: 'text', text: value.value.json };
    case 'image':
    case 'audio':
      return {
        type: value.$case,
        data: Buffer.from(value.value.data).toString('base64'),
        mimeType: value.value.mimeType,
      };
    case 'resource': {
      const { uri, mimeType, contents } = value.value;
      const base = { uri, ...(mimeType ? { mimeType } : {}) };
      return contents?.$case === 'blob'
        ? { type: 'resource', resource: { ...base, blob: Buffer.from(contents.value).toString('base64') } }
        : { type: 'resource', resource: { ...base, text: contents?.$case === 'text' ? contents.value : '' } };
    }
    case 'resourceLink': {
      const { uri, name, title, description, mimeType, size } = value.value;
      return {
        type: 'resource_link',
        uri,
        name,
        ...(title ? { title } : {}),
        ...(description ? { description } : {}),
        ...(mimeType ? { mimeType } : {}),
        ...(size === undefined ? {} : { size: Number(size) }),
      };
    }
    case 'unknown':
      // Kept as the backend sent it; the content parser turns it into an `unknown` part.
      try {
        return JSON.parse(value.value.json) as ContentBlock;
      } catch {
        return { type: value.value.type, raw: value.value.json } as unknown as ContentBlock;
      }
    default:
      return undefined;
  }
}

/** Puts chunked parts back together: the header part gets the joined payload. */
function joinChunk(header: ContentPart, data: Buffer): ContentPart {
  const part = header.part;
  if (part?.$case === 'image' || part?.$case === 'audio') part.value.data = data;
  else if (part?.$case === 'text') part.value.text = data.toString('utf8');
  else if (part?.$case === 'json') part.value.json = data.toString('utf8');
  else if (part?.$case === 'resource' && part.value.contents?.$case === 'blob') part.value.contents.value = data;
  else if (part?.$case === 'resource' && part.value.contents?.$case === 'text')
    part.value.contents.value = data.toString('utf8');
  return header;
}

/**
 * A grpc-gateway as one pool backend, over the generated `mcs.v1.ContextGateway` client. Its tools
 * are already `<gatewayBackend>.<tool>`; the pool adds its own prefix in front.
 */
export function createGrpcPoolBackend(name: string, config: GrpcBackendConfig): PoolBackend {
  const credentials = config.tls
    ? ChannelCredentials.createSsl(pem(config.tls.ca), pem(config.tls.key), pem(config.tls.cert))
    : ChannelCredentials.createInsecure();
  let client: ContextGatewayClient | undefined;
  const raw = () => {
    client ??= new ContextGatewayClient(config.address, credentials, {
      ...(config.tls?.serverName ? { 'grpc.ssl_target_name_override': config.tls.serverName } : {}),
    });
    return client;
  };

  const prepare = (options: BackendRequestOptions, extra: Record<string, string> = {}) => {
    const metadata = new Metadata();
    if (config.token) metadata.set('authorization', `Bearer ${config.token}`);
    for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
    const callOptions: Partial<CallOptions> =
      options.timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + options.timeoutMs) };
    return { metadata, callOptions };
  };

  function unary<Req, Res>(
    method: (
      request: Req,
      metadata: Metadata,
      options: Partial<CallOptions>,
      callback: (error: ServiceError | null, response: Res) => void,
    ) => { cancel(): void },
    request: Req,
    options: BackendRequestOptions,
  ): Promise<Res> {
    const { metadata, callOptions } = prepare(options);
    return new Promise<Res>((resolve, reject) => {
      const onAbort = () => call.cancel();
      const call = method.call(raw(), request, metadata, callOptions, (error, response) => {
        options.signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(response);
      });
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Follows `next_page_token` to the last page (at most `maxPages` pages). */
  async function allPages<Res extends { nextPageToken: string }, Item>(
    method: (
      request: { backend: string; pageSize: number; pageToken: string },
      metadata: Metadata,
      options: Partial<CallOptions>,
      callback: (error: ServiceError | null, response: Res) => void,
    ) => { cancel(): void },
    items: (response: Res) => Item[],
    options: BackendRequestOptions,
  ): Promise<Item[]> {
    const all: Item[] = [];
    let pageToken = '';
    for (let page = 0; page < maxPages; page += 1) {
      const response = await unary(
        method,
        { backend: config.gatewayBackend ?? '', pageSize: config.listPageSize, pageToken },
        options,
      );
      all.push(...items(response));
      if (!response.nextPageToken) return all;
      pageToken = response.nextPageToken;
    }
    throw new ResilienceError({
      code: 'GATEWAY_TOO_MANY_PAGES',
      category: 'protocol',
      message: `gateway "${name}" was still paging after ${maxPages} pages of ${config.listPageSize}`,
    });
  }

  async function* stream<T>(call: ClientReadableStream<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for await (const message of call) yield message as T;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      call.cancel();
    }
  }

  return {
    name,
    transport: 'grpc',
    status: () => ({
      backend: name,
      transport: 'grpc',
      status: client ? connectivityNames[client.getChannel().getConnectivityState(false)] : 'idle',
    }),
    // The gateway announces no catalog changes (its backends restart behind it): ask unless configured.
    listCacheTtlMs: () => config.listCacheTtlMs ?? 0,
    async connect() {
      // A cheap call proves the gateway answers (grpc-js connects lazily otherwise).
      await unary(
        raw().listTools,
        { backend: config.gatewayBackend ?? '', pageSize: 1, pageToken: '' },
        { timeoutMs: 10_000 },
      );
    },
    listTools: (options) =>
      allPages(
        raw().listTools,
        (response) =>
          response.tools.map(
            (tool): Tool => ({
              name: tool.name,
              ...optional('title', tool.title),
              ...optional('description', tool.description),
              inputSchema: tool.inputSchemaJson ? JSON.parse(tool.inputSchemaJson) : { type: 'object' },
              ...(tool.outputSchemaJson ? { outputSchema: JSON.parse(tool.outputSchemaJson) } : {}),
            }),
          ),
        options,
      ),
    listResources: (options) =>
      allPages(
        raw().listResources,
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
    listResourceTemplates: (options) =>
      allPages(
        raw().listResourceTemplates,
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
    listPrompts: (options) =>
      allPages(
        raw().listPrompts,
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
    async callTool(tool, args, options) {
      // A name past the contract's limit stays out of the header (the gateway refuses it from the body):
      // an oversized header would fail the whole connection, every other call on it included.
      const { metadata, callOptions } = prepare(
        options,
        tool.length <= gatewayLimits.nameChars ? { 'mcp-tool': tool } : {},
      );
      const call = raw().callTool(
        { name: tool, arguments: args, timeoutMs: options.timeoutMs ?? 0 },
        metadata,
        callOptions,
      );
      const content: ContentBlock[] = [];
      let header: ContentPart | undefined;
      let pieces: Buffer[] = [];
      for await (const { event } of stream<ToolEvent>(call, options.signal)) {
        switch (event?.$case) {
          case 'progress':
            options.onProgress?.({
              progress: event.value.progress,
              ...(event.value.total === undefined ? {} : { total: event.value.total }),
              ...(event.value.message ? { message: event.value.message } : {}),
            });
            break;
          case 'content': {
            const block = toContentBlock(event.value);
            if (block) content.push(block);
            break;
          }
          case 'chunk':
            if (event.value.header) header = event.value.header;
            pieces.push(Buffer.from(event.value.data));
            if (event.value.final && header) {
              const block = toContentBlock(joinChunk(header, Buffer.concat(pieces)));
              if (block) content.push(block);
              header = undefined;
              pieces = [];
            }
            break;
          case 'error': {
            const { category, message, jsonrpcCode } = event.value;
            // The gateway already classified the failure; keep its category for retry decisions.
            throw new ResilienceError({
              code: 'GATEWAY_TOOL_ERROR',
              category: isErrorCategory(category) ? category : 'internal',
              message: `gateway "${name}": ${message}`,
              details: { grpcStatus: event.value.code, ...(jsonrpcCode ? { jsonRpcCode: jsonrpcCode } : {}) },
            });
          }
          case 'result':
            return {
              content,
              isError: event.value.isError,
              ...(event.value.structuredContent ? { structuredContent: event.value.structuredContent } : {}),
            };
          default:
            break;
        }
      }
      throw new ResilienceError({
        code: 'GATEWAY_NO_RESULT',
        category: 'protocol',
        message: `gateway "${name}" ended the CallTool stream of "${tool}" without a result`,
      });
    },
    async readResource(uri, options) {
      const { metadata, callOptions } = prepare(options);
      const call = raw().readResource({ backend: config.gatewayBackend ?? '', uri }, metadata, callOptions);
      const byIndex = new Map<number, { first: ResourceChunk; data: Buffer[] }>();
      for await (const chunk of stream<ResourceChunk>(call, options.signal)) {
        const entry = byIndex.get(chunk.contentIndex) ?? { first: chunk, data: [] };
        entry.data.push(Buffer.from(chunk.data));
        byIndex.set(chunk.contentIndex, entry);
      }
      const contents = [...byIndex.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, { first, data }]) => {
          const joined = Buffer.concat(data);
          const base = { uri: first.uri, ...(first.mimeType ? { mimeType: first.mimeType } : {}) };
          return first.encoding === PayloadEncoding.PAYLOAD_ENCODING_BINARY
            ? { ...base, blob: joined.toString('base64') }
            : { ...base, text: joined.toString('utf8') };
        });
      return { contents } satisfies ReadResourceResult;
    },
    async getPrompt(prompt, args, options) {
      const response = await unary(raw().getPrompt, { name: prompt, arguments: args }, options);
      return {
        ...(response.description ? { description: response.description } : {}),
        messages: response.messages.flatMap((message) => {
          const block = message.content ? toContentBlock(message.content) : undefined;
          if (!block) return [];
          return [
            { role: message.role === Role.ROLE_ASSISTANT ? ('assistant' as const) : ('user' as const), content: block },
          ];
        }),
      } as GetPromptResult;
    },
    async close() {
      client?.close();
      client = undefined;
    },
  };
}
