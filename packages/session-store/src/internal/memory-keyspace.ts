type Value =
  | { type: 'string'; value: string }
  | { type: 'hash'; value: Map<string, string> }
  | StreamValue
  | { type: 'zset'; value: Map<string, number> };

interface StreamValue {
  type: 'stream';
  entries: Array<{ entryId: string; data: string }>;
  lastMs: number;
  lastSeq: number;
}

type Entry = Value & { expiresAtMs: number };

/**
 * A tiny Redis-like keyspace (strings, hashes, streams, sorted sets, per-key expiry) so the in-memory store
 * follows the same semantics as the Redis one. Expired keys vanish on access and on `sweep()`.
 */
export class MemoryKeyspace {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAtMs <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  getString(key: string): string | undefined {
    const entry = this.live(key);
    return entry?.type === 'string' ? entry.value : undefined;
  }

  getHash(key: string): Map<string, string> | undefined {
    const entry = this.live(key);
    return entry?.type === 'hash' ? entry.value : undefined;
  }

  getStream(key: string): StreamValue | undefined {
    const entry = this.live(key);
    return entry?.type === 'stream' ? entry : undefined;
  }

  /** A sorted set: member -> score. */
  getZset(key: string): Map<string, number> | undefined {
    const entry = this.live(key);
    return entry?.type === 'zset' ? entry.value : undefined;
  }

  /** Sets the absolute expiry of a live key (PEXPIREAT); false when there is none. */
  expireAt(key: string, expiresAtMs: number): boolean {
    const entry = this.live(key);
    if (!entry) return false;
    entry.expiresAtMs = expiresAtMs;
    return true;
  }

  exists(key: string): boolean {
    return this.live(key) !== undefined;
  }

  set(key: string, value: Value, expiresAtMs: number): void {
    // Keeps the caller's object (a stream is mutated in place by later appends).
    this.entries.set(key, Object.assign(value, { expiresAtMs }));
  }

  /** Restarts the expiry of a live key (PEXPIRE); false when there is none. */
  expire(key: string, ttlMs: number): boolean {
    const entry = this.live(key);
    if (!entry) return false;
    entry.expiresAtMs = Date.now() + ttlMs;
    return true;
  }

  delete(key: string): boolean {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= now) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

export type { StreamValue };
