import { McpServer, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { type PackContext, registerToolPacks, serverCapabilitiesFor } from '../../packs/index.js';
import { createRequestStateSeal } from '../stateless/request-state.js';
import { boundOutgoingErrors } from './bounded-errors.js';

/** The 2026-07-28 revision (per-request, no session) first, then every 2025-era revision the SDK speaks. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
export const SERVED_PROTOCOL_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS];
/** Revisions a session-based (`Mcp-Session-Id`) or 2024-11-05 HTTP+SSE client may negotiate. */
export const SESSION_PROTOCOL_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;

export const SERVER_INFO = { name: 'mcs-http-mcp-server', version: '0.1.0' } as const;

export type McpServerFactory = () => McpServer;

/**
 * One factory for every McpServer the app creates: every request, of every revision and transport,
 * is served by a fresh instance (state lives in the SessionStore), so the same tools back all of them.
 */
export function createServerFactory(options: { packs: readonly string[]; context: PackContext }): McpServerFactory {
  const capabilities = serverCapabilitiesFor(options.packs);
  // Input-required results: every server verifies echoed `requestState` with the same seal.
  const requestState = options.context.requestState ?? createRequestStateSeal();
  const context: PackContext = { ...options.context, requestState };
  return () => {
    const server = new McpServer(SERVER_INFO, {
      capabilities,
      supportedProtocolVersions: [...SERVED_PROTOCOL_VERSIONS],
      requestState: { verify: requestState.verify },
    });
    registerToolPacks(server, { packs: options.packs, context });
    return boundOutgoingErrors(server);
  };
}

/** Idle servers kept for reuse; more concurrent requests than this still work (extra servers are built). */
const DEFAULT_POOL_SIZE = 64;

/** The per-client identity the SDK keeps on a Server (private there; reset before a pooled server is reused). */
interface ClientIdentityFields {
  _clientCapabilities?: unknown;
  _clientVersion?: unknown;
}

/**
 * A factory for the 2026-07-28 path (`createMcpHandler`) that reuses idle servers instead of building
 * and registering the packs anew for every request (profiling showed construction, registration and
 * the per-instance JSON Schema conversion of tool schemas at ~15% of a request, plus the garbage).
 *
 * Safe because a 2026-07-28 exchange keeps nothing on the instance the next one could see: the SDK's
 * entry sets the protocol version and the client identity from each request's `_meta` envelope, the
 * log level is read per request from the envelope, and `close()` clears handlers, timeouts and
 * aborts what was in flight. A server goes back to the pool only when its exchange has closed (the
 * SDK refuses an instance that is still serving), with its client identity cleared so that a request
 * without `clientInfo` never sees the previous caller's. Session-era (2025) servers are not pooled:
 * they carry a replayed handshake and session-bound handlers.
 */
export function createPooledServerFactory(create: McpServerFactory, maxIdle = DEFAULT_POOL_SIZE): McpServerFactory {
  const idle: McpServer[] = [];
  const release = (server: McpServer) => {
    const identity = server.server as unknown as ClientIdentityFields;
    identity._clientCapabilities = undefined;
    identity._clientVersion = undefined;
    if (idle.length < maxIdle && !idle.includes(server)) idle.push(server);
  };
  return () => {
    const reused = idle.pop();
    if (reused !== undefined) return reused;
    const server = create();
    server.server.onclose = () => release(server);
    return server;
  };
}
