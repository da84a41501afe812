import type { McpServer } from '@modelcontextprotocol/server';

/**
 * Retained heap of one idle McpServer with the default packs, rounded up: measured by
 * `bench/http-mcp-server/session-memory.mjs` (1000 sessions, cache of 256 servers against none:
 * 4.9 MiB, ~20 KiB each). The byte bound counts every idle server at this size.
 */
export const DEFAULT_SERVER_BYTES = 32 * 1024;

export interface SessionServerCacheOptions {
  /** Idle servers kept over all sessions (the least recently used session's go first); 0 disables the cache. */
  maxServers?: number;
  /** Bytes the idle servers may hold, at `serverBytes` each (the least recently used session's go first). */
  maxBytes?: number;
  /** What one idle server is counted as (`DEFAULT_SERVER_BYTES`). */
  serverBytes?: number;
  /** Idle servers kept per session (one per concurrent request of the session is enough). */
  maxPerSession?: number;
  /** An idle server unused for this long is dropped. */
  ttlMs?: number;
  /**
   * Servers held elsewhere within the same bound (the 2025 sessions' lanes): the cache keeps at most
   * the bound minus these, so both together stay within `MCS_SERVER_CACHE_*`.
   */
  reserved?: () => number;
}

/** Defaults of the `MCS_SERVER_CACHE_*` settings (README, Configuration). */
export const SERVER_CACHE_DEFAULTS = {
  maxServers: 128,
  maxBytes: 4 * 1024 * 1024,
  ttlMs: 60_000,
} as const;

interface Entry {
  /** What the servers were restored from; another state in the store means they are stale. */
  stateKey: string;
  servers: McpServer[];
  expiresAt: number;
}

/**
 * Idle per-request servers of 2025 sessions, kept on the replica that served the session last, so
 * the next request of the session skips building the server, registering the packs and replaying
 * the handshake. The store stays authoritative: a server is only handed out when the session state
 * it was restored from (protocol version, client identity, log level) equals what the store holds
 * now, so a change made on another replica (e.g. `logging/setLevel`) means a miss and a fresh
 * restore. Bounded in count, bytes and age, never by the number of live sessions: nothing here is
 * needed for correctness (any replica serves any request with a fresh server), so a session the
 * bound pushes out costs one server build on its next request, not memory.
 */
export class SessionServerCache {
  readonly #entries = new Map<string, Entry>();
  readonly #maxServers: number;
  readonly #maxPerSession: number;
  readonly #ttlMs: number;
  readonly #reserved: () => number;
  #size = 0;

  constructor(options: SessionServerCacheOptions = {}) {
    const serverBytes = Math.max(1, options.serverBytes ?? DEFAULT_SERVER_BYTES);
    const byBytes = Math.floor((options.maxBytes ?? SERVER_CACHE_DEFAULTS.maxBytes) / serverBytes);
    this.#maxServers = Math.max(0, Math.min(options.maxServers ?? SERVER_CACHE_DEFAULTS.maxServers, byBytes));
    this.#maxPerSession = options.maxPerSession ?? 4;
    this.#ttlMs = options.ttlMs ?? SERVER_CACHE_DEFAULTS.ttlMs;
    this.#reserved = options.reserved ?? (() => 0);
  }

  /** Idle servers held now (for tests and metrics). */
  get size(): number {
    return this.#size;
  }

  /** The most idle servers this cache holds (the count bound and the byte bound, whichever is lower). */
  get capacity(): number {
    return this.#maxServers;
  }

  /** An idle server restored from exactly `stateKey`, or undefined (the caller builds and restores one). */
  take(sessionId: string, stateKey: string, now = Date.now()): McpServer | undefined {
    const entry = this.#entries.get(sessionId);
    if (entry === undefined) return undefined;
    if (entry.stateKey !== stateKey || entry.expiresAt <= now) {
      this.evict(sessionId);
      return undefined;
    }
    const server = entry.servers.pop();
    if (server !== undefined) this.#size -= 1;
    if (entry.servers.length === 0) this.#entries.delete(sessionId);
    return server;
  }

  /** Keeps a server whose exchange is over (closed, so it can connect to the next exchange). */
  put(sessionId: string, stateKey: string, server: McpServer, now = Date.now()): void {
    if (this.#maxServers === 0) return;
    let entry = this.#entries.get(sessionId);
    if (entry !== undefined && entry.stateKey !== stateKey) {
      this.evict(sessionId);
      entry = undefined;
    }
    if (entry === undefined) entry = { stateKey, servers: [], expiresAt: 0 };
    // Re-insert: Map order is the LRU order.
    this.#entries.delete(sessionId);
    this.#entries.set(sessionId, entry);
    entry.expiresAt = now + this.#ttlMs;
    if (entry.servers.length >= this.#maxPerSession) return;
    entry.servers.push(server);
    this.#size += 1;
    this.#trim(now);
  }

  /** Forgets a session's servers (deleted, expired, or its state changed). */
  evict(sessionId: string): void {
    const entry = this.#entries.get(sessionId);
    if (entry === undefined) return;
    this.#size -= entry.servers.length;
    this.#entries.delete(sessionId);
  }

  #trim(now: number): void {
    const room = Math.max(0, this.#maxServers - this.#reserved());
    for (const [sessionId, entry] of this.#entries) {
      if (this.#size <= room && entry.expiresAt > now) break;
      this.evict(sessionId);
    }
  }
}
