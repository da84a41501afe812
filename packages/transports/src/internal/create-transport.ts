import {
  type AuthProvider,
  InMemoryTransport,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import type { BackendConfig, HttpBackendConfig, SseBackendConfig } from '../backend-config.js';
import type { BackendAuthorization, TokenProvider } from '../backend-connection.js';
import { StdioProcessTransport } from '../transports/stdio-process-transport.js';
import { AuthorizingHttpTransport, AuthorizingSseTransport } from './authorizing-transports.js';
import { closeCancelledRequestStreams } from './cancelled-request-streams.js';

export interface TransportHooks {
  tokenProvider?: TokenProvider | undefined;
  authorization?: BackendAuthorization | undefined;
  shutdownGraceMs: number;
  onStderrLine: (line: string) => void;
}

export interface CreatedTransport {
  transport: Transport;
  /** Set for stdio backends: pid and exit status live there. */
  stdio?: StdioProcessTransport;
  /** Set for Streamable HTTP backends: the session can be terminated with DELETE. */
  http?: StreamableHTTPClientTransport;
  /** Set for in-memory backends: the SDK server is attached to this side. */
  serverSide?: InMemoryTransport;
}

function authProvider(config: HttpBackendConfig | SseBackendConfig, hooks: TransportHooks): AuthProvider | undefined {
  const { tokenProvider } = hooks;
  const staticToken = config.bearerToken;
  if (!tokenProvider && !staticToken) return undefined;
  return { token: async () => (tokenProvider ? ((await tokenProvider()) ?? staticToken) : staticToken) };
}

/** One fresh transport per session: SDK transports cannot be restarted once closed. */
export function createTransport(config: BackendConfig, hooks: TransportHooks): CreatedTransport {
  switch (config.transport) {
    case 'stdio': {
      const stdio = new StdioProcessTransport({
        command: config.command,
        args: config.args,
        env: config.env,
        cwd: config.cwd,
        shutdownGraceMs: hooks.shutdownGraceMs,
        onStderrLine: hooks.onStderrLine,
      });
      return { transport: stdio, stdio };
    }
    case 'http': {
      const url = new URL(config.url);
      const requestInit = { headers: config.headers };
      const http = closeCancelledRequestStreams(
        hooks.authorization
          ? new AuthorizingHttpTransport(url, { requestInit }, hooks.authorization)
          : new StreamableHTTPClientTransport(url, { requestInit, authProvider: authProvider(config, hooks) }),
      );
      return { transport: http, http };
    }
    case 'sse': {
      const url = new URL(config.url);
      const requestInit = { headers: config.headers };
      return {
        transport: hooks.authorization
          ? new AuthorizingSseTransport(url, { requestInit }, hooks.authorization)
          : new SSEClientTransport(url, { requestInit, authProvider: authProvider(config, hooks) }),
      };
    }
    case 'in-memory': {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      return { transport: clientSide, serverSide };
    }
  }
}
