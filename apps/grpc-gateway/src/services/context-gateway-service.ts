import { parsePromptMessages, parseResourceContents } from '@mcs/content-parser';
import {
  type ChangeEvent,
  type ContextGatewayServer,
  ListKind,
  type Prompt,
  type Resource,
  type ResourceTemplate,
  Role,
  type Tool,
} from '@mcs/protos';
import { quoteValue } from '@mcs/resilience';
import { resourceChunks, toProtoPart } from '@mcs/transports/grpc';
import type { Catalog, CatalogTool } from '../catalog/catalog.js';
import { GatewayError } from '../gateway-error.js';
import type { CallContext } from '../interceptors/call-context.js';
import { type CallToolDependencies, prepareToolCall, runToolCall } from './call-tool.js';
import { EventQueue } from './event-queue.js';
import { paginate } from './pagination.js';
import { assertName, assertUri } from './request-limits.js';
import type { ResourceWatches } from './resource-watches.js';
import { type HandlerEnvironment, serverStreamHandler, unaryHandler } from './rpc-handlers.js';

export interface ServiceDependencies extends CallToolDependencies {
  catalog: Catalog;
  watches: ResourceWatches;
}

const listKinds = {
  tools: ListKind.LIST_KIND_TOOLS,
  resources: ListKind.LIST_KIND_RESOURCES,
  prompts: ListKind.LIST_KIND_PROMPTS,
};

const toProtoTool = (tool: CatalogTool): Tool => ({
  name: tool.name,
  backend: tool.backend,
  title: tool.definition.title ?? tool.definition.annotations?.title ?? '',
  description: tool.definition.description ?? '',
  inputSchemaJson: JSON.stringify(tool.definition.inputSchema),
  outputSchemaJson: tool.definition.outputSchema === undefined ? '' : JSON.stringify(tool.definition.outputSchema),
  ...(tool.definition.annotations === undefined ? {} : { annotations: { ...tool.definition.annotations } }),
});

function connectionOf(deps: ServiceDependencies, backend: string) {
  const connection = deps.catalog.connection(backend);
  if (connection === undefined) {
    throw new GatewayError(
      'NOT_FOUND',
      `Unknown backend ${quoteValue(backend)}; known: ${deps.catalog.backendNames().join(', ')}.`,
    );
  }
  return connection;
}

/** The `mcs.v1.ContextGateway` handlers: each RPC maps to the catalog or to one backend request. */
export function createContextGatewayService(
  deps: ServiceDependencies,
  environment: HandlerEnvironment,
): ContextGatewayServer {
  const { catalog } = deps;
  return {
    listTools: unaryHandler('ListTools', environment, async (request, context) => {
      assertName('backend filter', request.backend);
      const { page, nextPageToken } = paginate(
        catalog
          .tools()
          .filter((tool) => request.backend === '' || tool.backend === request.backend)
          .filter((tool) => deps.access.isToolAllowed(context.principal, tool.name)),
        request,
        `ListTools:${request.backend}`,
      );
      return { tools: page.map(toProtoTool), nextPageToken };
    }),

    callTool: serverStreamHandler('CallTool', environment, (request, context) => {
      // Resolved before the stream starts so that these refusals carry no events.
      const prepared = prepareToolCall(request, context, deps);
      return runToolCall(prepared, request, context, deps);
    }),

    listResources: unaryHandler('ListResources', environment, async (request) => {
      assertName('backend filter', request.backend);
      const { page, nextPageToken } = paginate(
        catalog.resources().filter(({ backend }) => request.backend === '' || backend === request.backend),
        request,
        `ListResources:${request.backend}`,
      );
      return {
        nextPageToken,
        resources: page.map(
          ({ backend, resource }): Resource => ({
            backend,
            uri: resource.uri,
            name: resource.name,
            title: resource.title ?? '',
            description: resource.description ?? '',
            mimeType: resource.mimeType ?? '',
            ...(resource.size === undefined ? {} : { size: resource.size }),
          }),
        ),
      };
    }),

    listResourceTemplates: unaryHandler('ListResourceTemplates', environment, async (request) => {
      assertName('backend filter', request.backend);
      const { page, nextPageToken } = paginate(
        catalog.templates().filter(({ backend }) => request.backend === '' || backend === request.backend),
        request,
        `ListResourceTemplates:${request.backend}`,
      );
      return {
        nextPageToken,
        resourceTemplates: page.map(
          ({ backend, template }): ResourceTemplate => ({
            backend,
            uriTemplate: template.uriTemplate,
            name: template.name,
            title: template.title ?? '',
            description: template.description ?? '',
            mimeType: template.mimeType ?? '',
          }),
        ),
      };
    }),

    readResource: serverStreamHandler('ReadResource', environment, (request, context) =>
      readResource(request, context),
    ),

    listPrompts: unaryHandler('ListPrompts', environment, async (request) => {
      assertName('backend filter', request.backend);
      const { page, nextPageToken } = paginate(
        catalog.prompts().filter((prompt) => request.backend === '' || prompt.backend === request.backend),
        request,
        `ListPrompts:${request.backend}`,
      );
      return {
        nextPageToken,
        prompts: page.map(
          (prompt): Prompt => ({
            name: prompt.name,
            backend: prompt.backend,
            title: prompt.definition.title ?? '',
            description: prompt.definition.description ?? '',
            arguments: (prompt.definition.arguments ?? []).map((argument) => ({
              name: argument.name,
              description: argument.description ?? '',
              required: argument.required ?? false,
            })),
          }),
        ),
      };
    }),

    getPrompt: unaryHandler('GetPrompt', environment, async (request, context) => {
      assertName('prompt name', request.name);
      const prompt = catalog.prompt(request.name);
      if (prompt === undefined) {
        throw new GatewayError(
          'NOT_FOUND',
          `Unknown prompt ${quoteValue(request.name)}; ListPrompts shows the prompts (names are "<backend>.<prompt>").`,
        );
      }
      context.backend = prompt.backend;
      const result = await connectionOf(deps, prompt.backend).getPrompt(prompt.definition.name, request.arguments, {
        signal: context.signal,
      });
      const parsed = parsePromptMessages(result, { mode: 'lenient' });
      return {
        description: parsed.description ?? '',
        messages: parsed.messages.map((message) => ({
          role:
            message.role === 'assistant'
              ? Role.ROLE_ASSISTANT
              : message.role === 'user'
                ? Role.ROLE_USER
                : Role.ROLE_UNSPECIFIED,
          content: toProtoPart(message.part),
        })),
      };
    }),

    watchChanges: serverStreamHandler('WatchChanges', environment, (request, context) =>
      watchChanges(request, context),
    ),
  };

  async function* readResource(request: { backend: string; uri: string }, context: CallContext) {
    if (request.uri === '') throw new GatewayError('INVALID_ARGUMENT', 'ReadResource needs a "uri".');
    assertUri('resource URI', request.uri);
    assertName('backend name', request.backend);
    const backend = request.backend || catalog.backendOfResource(request.uri);
    if (backend === undefined) {
      throw new GatewayError(
        'NOT_FOUND',
        `No backend lists the resource ${quoteValue(request.uri)}; name the backend in the request for templated URIs.`,
      );
    }
    context.backend = backend;
    const result = await connectionOf(deps, backend).readResource(request.uri, { signal: context.signal });
    const parsed = parseResourceContents(result, { mode: 'lenient' });
    for (const [contentIndex, part] of parsed.parts.entries())
      yield* resourceChunks(part, contentIndex, deps.chunkBytes);
  }

  async function* watchChanges(
    request: { subscriptions: { backend: string; uri: string }[] },
    context: CallContext,
  ): AsyncGenerator<ChangeEvent> {
    const queue = new EventQueue<ChangeEvent>();
    const stopCatalog = catalog.onChange(({ kind, backend }) =>
      queue.push({ event: { $case: 'listChanged', value: { kind: listKinds[kind], backend } } }),
    );
    const releases: (() => Promise<void>)[] = [];
    const onAbort = () => queue.close();
    context.signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (const subscription of request.subscriptions) {
        assertName('subscription backend', subscription.backend);
        assertUri('subscription URI', subscription.uri);
        connectionOf(deps, subscription.backend);
        releases.push(
          await deps.watches.watch(subscription.backend, subscription.uri, () =>
            queue.push({ event: { $case: 'resourceUpdated', value: subscription } }),
          ),
        );
      }
      yield { event: { $case: 'ready', value: { backends: catalog.backendNames() } } };
      yield* queue;
    } finally {
      context.signal.removeEventListener('abort', onAbort);
      stopCatalog();
      await Promise.allSettled(releases.map((release) => release()));
    }
  }
}
