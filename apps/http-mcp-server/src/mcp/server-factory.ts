import { McpServer, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { type PackContext, registerToolPacks, serverCapabilitiesFor } from '../packs/index.js';

/** The 2026-07-28 revision (per-request, no session) first, then every 2025-era revision the SDK speaks. */
export const MODERN_PROTOCOL_VERSION = '2026-07-28';
export const SERVED_PROTOCOL_VERSIONS: readonly string[] = [MODERN_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS];
/** Revisions a session-based (`Mcp-Session-Id`) or legacy SSE client may negotiate. */
export const SESSION_PROTOCOL_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;

export const SERVER_INFO = { name: 'mcs-http-mcp-server', version: '0.1.0' } as const;

export type McpServerFactory = () => McpServer;

/**
 * One factory for every McpServer the app creates: every request, of every revision and transport,
 * is served by a fresh instance (state lives in the SessionStore), so the same tools back all of them.
 */
export function createServerFactory(options: { packs: readonly string[]; context: PackContext }): McpServerFactory {
  const capabilities = serverCapabilitiesFor(options.packs);
  return () => {
    const server = new McpServer(SERVER_INFO, {
      capabilities,
      supportedProtocolVersions: [...SERVED_PROTOCOL_VERSIONS],
    });
    registerToolPacks(server, options);
    return server;
  };
}
