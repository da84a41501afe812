/** Expired entries are dropped at most this often on the request path (and at every read of the count). */
const PRUNE_INTERVAL_MS = 1_000;
/** At ~150 bytes an entry, the most this tracker may hold (~15 MiB); beyond it the oldest are dropped. */
export const DEFAULT_MAX_LIVE_SESSIONS = 100_000;

export interface LiveSessionsOptions {
  /** A session not seen for this long counts no more (the store's sliding session idle TTL). */
  idleTtlMs: number;
  maxTracked?: number;
  /** A monotonic clock in ms (default `performance.now`); tests pass their own. */
  now?: () => number;
}

/**
 * The protocol sessions live on this replica, for the `mcs_sessions` gauge: 2025 Streamable HTTP and
 * 2024-11-05 SSE sessions this replica created, served a request of or kept alive with a stream it
 * holds within the session idle TTL, minus those deleted here. A session served by several replicas
 * counts on each of them (the sum over replicas is an upper bound); one deleted or expired elsewhere
 * counts here until the TTL has passed since this replica last saw it.
 *
 * Cheap on the request path (a Map delete + set, no store round trip): the store stays the authority
 * on whether a session exists, this only counts what the replica saw.
 */
export class LiveSessions {
  readonly #idleTtlMs: number;
  readonly #maxTracked: number;
  readonly #now: () => number;
  /** Session id -> when last seen. Re-inserted on every sight, so the Map is ordered oldest first. */
  readonly #lastSeen = new Map<string, number>();
  #nextPruneAt = 0;

  constructor(options: LiveSessionsOptions) {
    this.#idleTtlMs = options.idleTtlMs;
    this.#maxTracked = options.maxTracked ?? DEFAULT_MAX_LIVE_SESSIONS;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The session was created, served or kept alive by this replica now. */
  seen(sessionId: string): void {
    // A monotonic clock keeps the insertion order the order of the times.
    const now = this.#now();
    this.#lastSeen.delete(sessionId);
    this.#lastSeen.set(sessionId, now);
    if (now >= this.#nextPruneAt || this.#lastSeen.size > this.#maxTracked) this.#prune(now);
  }

  /** The session ended here (DELETE, or the end of a 2024-11-05 stream). */
  deleted(sessionId: string): void {
    this.#lastSeen.delete(sessionId);
  }

  /** Sessions seen within the idle TTL. */
  get count(): number {
    this.#prune(this.#now());
    return this.#lastSeen.size;
  }

  #prune(now: number): void {
    this.#nextPruneAt = now + PRUNE_INTERVAL_MS;
    // Oldest first: stop at the first entry that is neither expired nor over the bound.
    for (const [sessionId, lastSeen] of this.#lastSeen) {
      if (now - lastSeen < this.#idleTtlMs && this.#lastSeen.size <= this.#maxTracked) break;
      this.#lastSeen.delete(sessionId);
    }
  }
}
