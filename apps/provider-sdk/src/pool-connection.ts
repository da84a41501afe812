import type {
  BackendAuthorization,
  BackendConnection,
  ClientCapabilities,
  ClientRequestHandlers,
} from '@mcs/transports';
import { createBackendConnection, type ListChangedKind } from '@mcs/transports';
import { deferredConnection } from './client/deferred-connection.js';
import type { ListKind } from './client/list-cache.js';
import type { PoolEvents } from './client/pool-events.js';
import type { PoolBackendConfig } from './pool-config.js';

/** Health of one backend as the pool sees it. */
export interface PoolBackendStatus {
  backend: string;
  transport: PoolBackendConfig['transport'];
  /** The connection's status (`idle`, `connecting`, `ready`, `restarting`, `failed`, `closed`). */
  status: string;
  /** stdio: process id (= process group id) of the running server. */
  pid?: number;
  /** stdio/HTTP/SSE: restarts since `connect()`. */
  restarts?: number;
  /** stdio/HTTP/SSE: the MCP revision the session speaks (`2026-07-28` when `protocol` found it). */
  protocolVersion?: string;
}

/**
 * One backend of the pool: its `BackendConnection` (an MCP session from @mcs/transports, or a
 * grpc-gateway through @mcs/transports/grpc: the pool calls both the same way), and what only the
 * pool decides about it (how long its lists are cached).
 */
export interface PoolConnection {
  readonly connection: BackendConnection;
  /** How long a listing of `kind` may be served from the pool's cache (`Infinity`: until it changes). */
  listCacheTtlMs(kind: ListKind): number;
  status(): PoolBackendStatus;
}

/** What an MCP backend gets from the pool: what it advertises and answers, and where its notifications go. */
export interface McpPoolFeatures {
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

const statusOf = (name: string, transport: PoolBackendConfig['transport'], connection: BackendConnection) => ({
  backend: name,
  transport,
  status: connection.status,
  ...(transport === 'grpc' ? {} : { restarts: connection.restarts }),
  ...(connection.pid === undefined ? {} : { pid: connection.pid }),
  ...(connection.protocolVersion === undefined ? {} : { protocolVersion: connection.protocolVersion }),
});

/** A grpc-gateway: its tools are already `<gatewayBackend>.<tool>`; the pool adds its own prefix. */
export function createGrpcPoolConnection(
  name: string,
  config: Extract<PoolBackendConfig, { transport: 'grpc' }>,
): PoolConnection {
  // grpc-js and the gateway contract are imported only by a pool with a gRPC backend (see deferredConnection).
  const connection = deferredConnection(name, 'grpc', async () =>
    (await import('@mcs/transports/grpc')).createGatewayConnection(name, {
      address: config.address,
      listPageSize: config.listPageSize,
      ...(config.token === undefined ? {} : { token: config.token }),
      ...(config.tls === undefined ? {} : { tls: config.tls }),
      ...(config.gatewayBackend === undefined ? {} : { gatewayBackend: config.gatewayBackend }),
    }),
  );
  return {
    connection,
    // The gateway announces no catalog changes (its backends restart behind it): ask unless configured.
    listCacheTtlMs: () => config.listCacheTtlMs ?? 0,
    status: () => statusOf(name, 'grpc', connection),
  };
}

/** A stdio / Streamable HTTP / SSE backend: one supervised, long-lived @mcs/transports session. */
export function createMcpPoolConnection(
  name: string,
  config: Exclude<PoolBackendConfig, { transport: 'grpc' }>,
  features: McpPoolFeatures,
): PoolConnection {
  const {
    policy: _policy,
    callTimeoutMs: _timeout,
    retryToolCalls: _retry,
    listCacheTtlMs,
    supervision,
    auth: _auth,
    protocol,
    ...transportConfig
  } = config as typeof config & { auth?: unknown };
  const connection = createBackendConnection(name, transportConfig, {
    clientInfo: features.clientInfo,
    capabilities: features.capabilities,
    requestHandlers: features.requestHandlers,
    protocol,
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
    connection,
    listCacheTtlMs: (kind) => {
      const capability = connection.serverCapabilities?.[capabilityOf[kind]];
      if (capability?.listChanged) return Number.POSITIVE_INFINITY;
      return listCacheTtlMs ?? defaultListCacheTtlMs;
    },
    status: () => statusOf(name, config.transport, connection),
  };
}
