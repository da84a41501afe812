import { Client, type ClientCapabilities, type Implementation } from '@modelcontextprotocol/client';
import type { BackendConfig } from '../backend-config.js';
import type { BackendEventMap, BackendProtocol, ClientRequestHandlers } from '../backend-connection.js';
import type { ProcessExit } from '../transports/stdio-process-transport.js';
import { type CreatedTransport, createTransport, type TransportHooks } from './create-transport.js';
import type { TypedEmitter } from './typed-emitter.js';

/** Rounds of `input_required` answered for one request before it fails (the SDK's default). */
const maxInputRounds = 10;

const negotiationModes: Record<BackendProtocol, 'legacy' | 'auto' | { pin: string }> = {
  legacy: 'legacy',
  auto: 'auto',
  '2026-07-28': { pin: '2026-07-28' },
};

/** Budget for the HTTP session DELETE on close(); the server forgets idle sessions anyway. */
const terminateSessionTimeoutMs = 1_000;

export interface BackendSessionInit {
  /** Counts the sessions of one connection (1 = the first), for debugging. */
  generation: number;
  backend: string;
  config: BackendConfig;
  clientInfo: Implementation;
  /** Advertised in `initialize`. */
  capabilities: ClientCapabilities;
  requestHandlers: ClientRequestHandlers;
  protocol: BackendProtocol;
  hooks: TransportHooks;
  events: TypedEmitter<BackendEventMap>;
}

/**
 * One MCP session with a backend: a fresh SDK client on a fresh transport, because neither can be
 * reused once closed. A restart replaces the whole session, so what must outlive it (subscriptions,
 * log level) is kept in SessionSettings, not here.
 */
export class BackendSession {
  readonly generation: number;
  readonly client: Client;
  /** When `initialize` completed (0 before): how long the session lived decides the backoff. */
  readyAt = 0;
  /** No longer the connection's session (closed, lost, or replaced); its events are ignored. */
  retired = false;
  readonly #created: CreatedTransport;
  readonly #config: BackendConfig;
  readonly #backend: string;
  readonly #events: TypedEmitter<BackendEventMap>;
  #exitReported = false;

  constructor(init: BackendSessionInit) {
    this.generation = init.generation;
    this.#created = createTransport(init.config, init.hooks);
    // One session serves every caller, so a server-to-client request (sampling, elicitation,
    // roots) is not attributed to any one of them: the connection's owner answers it.
    this.client = new Client(init.clientInfo, {
      capabilities: init.capabilities,
      versionNegotiation: { mode: negotiationModes[init.protocol] },
      // 2026-07-28: an `input_required` result is answered through the handlers registered below
      // and the request retried (fresh id, `inputResponses`, the opaque `requestState` echoed).
      inputRequired: { autoFulfill: true, maxRounds: maxInputRounds },
    });
    registerRequestHandlers(this.client, init.backend, init.requestHandlers);
    this.#config = init.config;
    this.#backend = init.backend;
    this.#events = init.events;
  }

  /** stdio: pid of the process, which is also its process group id. */
  get pid(): number | undefined {
    return this.#created.stdio?.pid;
  }

  /** stdio: how the process ended; undefined while it runs (and for other transports). */
  get exit(): ProcessExit | undefined {
    return this.#created.stdio?.exitInfo;
  }

  /** Attaches the in-memory server (if any), then runs the MCP `initialize` handshake. */
  async start(connectTimeoutMs: number): Promise<void> {
    const { serverSide } = this.#created;
    if (serverSide && this.#config.transport === 'in-memory') {
      await this.#config.server.connect(serverSide);
    }
    await this.client.connect(this.#created.transport, { timeout: connectTimeoutMs });
  }

  /**
   * Ends the transport; for stdio that means the whole process group is gone afterwards.
   * `graceful` (close()) also asks an HTTP server to delete the session.
   */
  async dispose({ graceful }: { graceful: boolean }): Promise<void> {
    const { client } = this;
    const created = this.#created;
    try {
      if (graceful && created.http?.sessionId) {
        const http = created.http;
        await Promise.race([
          http.terminateSession(),
          new Promise((resolve) => setTimeout(resolve, terminateSessionTimeoutMs).unref()),
        ]);
      }
    } catch {
      // Best effort: a server that cannot delete the session expires it on its own.
    }
    try {
      await client.close();
    } catch {
      // The transport may already be broken; the stdio close below is what must not be skipped.
    }
    if (created.stdio) await created.stdio.close();
    this.reportExit();
  }

  /** Emits the process's `exit` event once, whoever notices the exit first. */
  reportExit(): void {
    const { exit } = this;
    if (!exit || this.#exitReported) return;
    this.#exitReported = true;
    this.#events.emit('exit', { backend: this.#backend, ...exit });
  }
}

function registerRequestHandlers(client: Client, backend: string, handlers: ClientRequestHandlers): void {
  const elicit = handlers['elicitation/create'];
  if (elicit) {
    client.setRequestHandler('elicitation/create', (request, ctx) =>
      elicit(request.params, { backend, signal: ctx.mcpReq.signal }),
    );
  }
  const sample = handlers['sampling/createMessage'];
  if (sample) {
    client.setRequestHandler('sampling/createMessage', (request, ctx) =>
      sample(request.params, { backend, signal: ctx.mcpReq.signal }),
    );
  }
  const roots = handlers['roots/list'];
  if (roots) {
    client.setRequestHandler('roots/list', async (_request, ctx) => ({
      roots: await roots({ backend, signal: ctx.mcpReq.signal }),
    }));
  }
}
