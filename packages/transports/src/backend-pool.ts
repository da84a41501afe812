import { z } from 'zod';
import { configError } from './backend-config.js';
import type {
  BackendConnection,
  BackendConnectionOptions,
  BackendEventListener,
  BackendEventName,
  BackendStatus,
  RequestOptions,
} from './backend-connection.js';
import { createBackendConnection } from './mcp-backend-connection.js';
import { TransportError } from './transport-error.js';

export interface BackendPoolConnectResult {
  /** Backends whose session is ready. */
  ready: string[];
  /** Backends whose first connect failed; they keep retrying in the background. */
  failed: Record<string, TransportError>;
}

export interface BackendPoolConnectOptions extends RequestOptions {
  /**
   * Backends still connecting after this long are reported in `failed` (`CONNECT_FAILED`, category
   * `unavailable`) and go on connecting in the background. Default: wait for every backend.
   */
  waitMs?: number;
}

/**
 * Named backend connections with one lifecycle: connect them all, listen to all of their events in
 * one place, close them all (every stdio process group included).
 */
export interface BackendPool extends AsyncDisposable {
  readonly names: readonly string[];
  has(name: string): boolean;
  /** Throws `UNKNOWN_BACKEND` (category `not_found`) for a name the pool does not have. */
  get(name: string): BackendConnection;
  /** Connects every backend in parallel; never rejects, reports failures per backend instead. */
  connectAll(options?: BackendPoolConnectOptions): Promise<BackendPoolConnectResult>;
  /** Status of every backend, by name. */
  statuses(): Record<string, BackendStatus>;
  /** Subscribes `listener` to `event` on every backend; returns the function that unsubscribes. */
  on<E extends BackendEventName>(event: E, listener: BackendEventListener<E>): () => void;
  /** Closes every backend. Idempotent. */
  close(): Promise<void>;
}

const configsSchema = z.record(z.string().trim().min(1), z.unknown());

class DefaultBackendPool implements BackendPool {
  readonly #connections: ReadonlyMap<string, BackendConnection>;

  constructor(connections: ReadonlyMap<string, BackendConnection>) {
    this.#connections = connections;
  }

  get names(): readonly string[] {
    return [...this.#connections.keys()];
  }

  has(name: string): boolean {
    return this.#connections.has(name);
  }

  get(name: string): BackendConnection {
    const connection = this.#connections.get(name);
    if (connection) return connection;
    throw new TransportError(
      'UNKNOWN_BACKEND',
      `no backend named "${name}"; configured backends: ${this.names.join(', ') || '(none)'}`,
      { backend: name },
    );
  }

  async connectAll(options: BackendPoolConnectOptions = {}): Promise<BackendPoolConnectResult> {
    const { waitMs, ...requestOptions } = options;
    const result: BackendPoolConnectResult = { ready: [], failed: {} };
    let timer: NodeJS.Timeout | undefined;
    const waited =
      waitMs === undefined
        ? undefined
        : new Promise<'waited'>((resolve) => {
            timer = setTimeout(() => resolve('waited'), waitMs);
          });
    await Promise.all(
      [...this.#connections].map(async ([name, connection]) => {
        try {
          const connecting = connection.connect(requestOptions);
          if (waited !== undefined && (await Promise.race([connecting, waited])) === 'waited') {
            // Not awaited further: the connection goes on connecting (and retrying) by itself.
            connecting.catch(() => undefined);
            throw new TransportError(
              'CONNECT_FAILED',
              `backend "${name}" is still connecting after ${waitMs} ms (it goes on in the background)`,
              { backend: name },
            );
          }
          await connecting;
          result.ready.push(name);
        } catch (error) {
          result.failed[name] = TransportError.isInstance(error)
            ? error
            : new TransportError('CONNECT_FAILED', `backend "${name}" failed to connect`, {
                backend: name,
                cause: error,
              });
        }
      }),
    );
    clearTimeout(timer);
    result.ready.sort();
    return result;
  }

  statuses(): Record<string, BackendStatus> {
    return Object.fromEntries([...this.#connections].map(([name, connection]) => [name, connection.status]));
  }

  on<E extends BackendEventName>(event: E, listener: BackendEventListener<E>): () => void {
    const offs = [...this.#connections.values()].map((connection) => connection.on(event, listener));
    return () => {
      for (const off of offs) off();
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#connections.values()].map((connection) => connection.close()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * A pool of connections made elsewhere (e.g. MCP connections next to a grpc-gateway's, from
 * `@mcs/transports/grpc`), keyed by their names; a name given twice is `CONFIG_INVALID`.
 */
export function backendPoolOf(connections: Iterable<BackendConnection>): BackendPool {
  const byName = new Map<string, BackendConnection>();
  for (const connection of connections) {
    if (byName.has(connection.name)) {
      throw new TransportError(
        'CONFIG_INVALID',
        `two backends are named "${connection.name}"; give each its own name`,
        {
          backend: connection.name,
        },
      );
    }
    byName.set(connection.name, connection);
  }
  return new DefaultBackendPool(byName);
}

/**
 * Creates one supervised connection per entry of `configs` (name -> backend config, as in the
 * gateway's `backends`). Every config is validated first, so a bad one throws `CONFIG_INVALID`
 * before anything starts. `options` may depend on the backend's name.
 */
export function createBackendPool(
  configs: unknown,
  options: BackendConnectionOptions | ((name: string) => BackendConnectionOptions) = {},
): BackendPool {
  const parsed = configsSchema.safeParse(configs);
  if (!parsed.success) throw configError('(pool)', 'backend map', parsed.error);
  const connections = new Map<string, BackendConnection>();
  for (const [name, config] of Object.entries(parsed.data)) {
    connections.set(
      name,
      createBackendConnection(name, config, typeof options === 'function' ? options(name) : options),
    );
  }
  return new DefaultBackendPool(connections);
}
