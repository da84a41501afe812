import {
  type BackendConnection,
  type BackendEventListener,
  type BackendEventName,
  type BackendTransportKind,
  type CircuitBreakerState,
  TransportError,
} from '@mcs/transports';

/**
 * A `BackendConnection` whose implementation is still being imported: the pool's gRPC backends, so
 * that `@mcs/transports/grpc` (grpc-js and the generated gateway contract, about 90 modules) is
 * loaded only by a pool that has one, not by every `import '@mcs/provider-sdk'`. The import starts
 * here, when the pool is made; every call waits for it (a few milliseconds, once). Before it is done
 * the connection reads as a new one (`idle`, nothing known yet), and listeners wait to be attached.
 */
export function deferredConnection(
  name: string,
  transport: BackendTransportKind,
  load: () => Promise<BackendConnection>,
): BackendConnection {
  let current: BackendConnection | undefined;
  /** Listeners subscribed before the connection existed: attached to it once it does. */
  const pending = new Set<{ event: BackendEventName; listener: BackendEventListener<never> }>();
  const loaded = load().then(
    (connection) => {
      current = connection;
      for (const { event, listener } of pending) connection.on(event, listener as BackendEventListener<typeof event>);
      pending.clear();
      return connection;
    },
    (cause: unknown) => {
      throw new TransportError(
        'CONNECT_FAILED',
        `backend "${name}": its ${transport} client could not be loaded (${cause instanceof Error ? cause.message : String(cause)})`,
        { backend: name, cause },
      );
    },
  );
  // A failed import is reported by every call (connect() first); it is not an unhandled rejection.
  loaded.catch(() => undefined);
  const off = <E extends BackendEventName>(event: E, listener: BackendEventListener<E>) => {
    if (current) return current.off(event, listener);
    for (const entry of pending) if (entry.event === event && entry.listener === listener) pending.delete(entry);
  };
  return {
    name,
    transport,
    get status() {
      return current?.status ?? 'idle';
    },
    get serverCapabilities() {
      return current?.serverCapabilities;
    },
    get serverInfo() {
      return current?.serverInfo;
    },
    get protocolVersion() {
      return current?.protocolVersion;
    },
    get instructions() {
      return current?.instructions;
    },
    get pid() {
      return current?.pid;
    },
    get breakerState(): CircuitBreakerState {
      return current?.breakerState ?? 'closed';
    },
    get restarts() {
      return current?.restarts ?? 0;
    },
    connect: (options) => loaded.then((connection) => connection.connect(options)),
    reconnect: (options) => loaded.then((connection) => connection.reconnect(options)),
    // Nothing to close when the client never loaded.
    close: () =>
      loaded.then(
        (connection) => connection.close(),
        () => undefined,
      ),
    [Symbol.asyncDispose]: () =>
      loaded.then(
        (connection) => connection.close(),
        () => undefined,
      ),
    listTools: (options) => loaded.then((connection) => connection.listTools(options)),
    callTool: (tool, args, options) => loaded.then((connection) => connection.callTool(tool, args, options)),
    listResources: (options) => loaded.then((connection) => connection.listResources(options)),
    listResourceTemplates: (options) => loaded.then((connection) => connection.listResourceTemplates(options)),
    readResource: (uri, options) => loaded.then((connection) => connection.readResource(uri, options)),
    subscribeResource: (uri, options) => loaded.then((connection) => connection.subscribeResource(uri, options)),
    unsubscribeResource: (uri, options) => loaded.then((connection) => connection.unsubscribeResource(uri, options)),
    listPrompts: (options) => loaded.then((connection) => connection.listPrompts(options)),
    getPrompt: (prompt, args, options) => loaded.then((connection) => connection.getPrompt(prompt, args, options)),
    listSkills: (options) => loaded.then((connection) => connection.listSkills(options)),
    readSkill: (skill, ref, options) => loaded.then((connection) => connection.readSkill(skill, ref, options)),
    setLoggingLevel: (level, options) => loaded.then((connection) => connection.setLoggingLevel(level, options)),
    ping: (options) => loaded.then((connection) => connection.ping(options)),
    notifyRootsListChanged: () => loaded.then((connection) => connection.notifyRootsListChanged()),
    on<E extends BackendEventName>(event: E, listener: BackendEventListener<E>) {
      if (current) return current.on(event, listener);
      pending.add({ event, listener: listener as BackendEventListener<never> });
      return () => off(event, listener);
    },
    off,
  };
}
