/**
 * Every Redis key and channel name, in one place (the README's key table mirrors this file).
 * Ids are validated (no control characters) before they reach here; namespaces contain no `:`,
 * so `<prefix>rec:<namespace>:<id>` cannot collide between namespaces.
 */
export function keyspace(prefix: string) {
  return {
    protocolSession: (id: string) => `${prefix}session:${id}`,
    applicationSession: (id: string) => `${prefix}app:${id}`,
    record: (namespace: string, id: string) => `${prefix}rec:${namespace}:${id}`,
    token: (jti: string) => `${prefix}token:${jti}`,
    revokedToken: (jti: string) => `${prefix}revoked:${jti}`,
    eventStream: (streamId: string) => `${prefix}events:${streamId}`,
    expiringSet: (setId: string) => `${prefix}set:${setId}`,
    channel: (channel: string) => `${prefix}bus:${channel}`,
  };
}

export type Keyspace = ReturnType<typeof keyspace>;
