import type { RevocationChecker } from '@mcs/auth';
import { createSessionStore, type SessionStore } from '@mcs/session-store';
import type { Logger } from 'pino';
import type { RevocationConfig } from '../config.js';

/** Running calls are checked again at most this often, whatever `cacheTtlMs` says (0 included). */
const MIN_WATCH_INTERVAL_MS = 500;

export interface RevocationListOptions {
  /** Where the authorization server records revocations (`revokeToken`); only `isTokenRevoked` is read. */
  store: Pick<SessionStore, 'isTokenRevoked' | 'ping' | 'close'>;
  /** How long one answer is reused (ms); 0: every lookup asks the store. */
  cacheTtlMs: number;
  /** Answers kept at most; the oldest is dropped first. */
  cacheMaxEntries: number;
  logger: Logger;
}

interface CachedAnswer {
  revoked: boolean;
  untilMs: number;
}

/**
 * The authorization server's revocation list as the gateway reads it: `jti` lookups in the shared session
 * store behind a short cache, so that the calls of one token (a burst, a client's many streams) cost one
 * store round trip per `cacheTtlMs` instead of one each, while a revocation is seen within `cacheTtlMs`.
 *
 * Failures are never cached and always reach the caller: the token verifier turns them into
 * REVOCATION_CHECK_FAILED (UNAVAILABLE), so an unreachable store refuses calls instead of letting revoked
 * tokens through. Concurrent lookups of one `jti` share one store request.
 *
 * `watch` covers calls that outlive their first check (streams): every running call's `jti` is looked up
 * again each interval, and its callback runs once the token is revoked.
 */
export class RevocationList implements RevocationChecker {
  readonly #options: RevocationListOptions;
  readonly #answers = new Map<string, CachedAnswer>();
  readonly #pending = new Map<string, Promise<boolean>>();
  readonly #watchers = new Map<string, Set<() => void>>();
  readonly #watchIntervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;
  /** Whether the last round of re-checks met store failures: logged when that starts and ends, not every round. */
  #failing = false;

  constructor(options: RevocationListOptions) {
    this.#options = options;
    this.#watchIntervalMs = Math.max(options.cacheTtlMs, MIN_WATCH_INTERVAL_MS);
  }

  /** A list over a Redis session store at `config.redisUrl` (the same keys the http-mcp-server writes). */
  static connect(config: RevocationConfig, logger: Logger): RevocationList {
    const store = createSessionStore({
      redisUrl: config.redisUrl,
      onError: (error) => logger.warn({ err: error, code: error.code }, 'revocation store error'),
    });
    return new RevocationList({
      store,
      cacheTtlMs: config.cacheTtlMs,
      cacheMaxEntries: config.cacheMaxEntries,
      logger,
    });
  }

  /** Whether the token `jti` is revoked, from the cache when its answer is recent enough. Throws when the store fails. */
  isTokenRevoked(jti: string): Promise<boolean> {
    const cached = this.#answers.get(jti);
    if (cached !== undefined) {
      if (cached.untilMs > Date.now()) return Promise.resolve(cached.revoked);
      this.#answers.delete(jti);
    }
    const pending = this.#pending.get(jti);
    if (pending !== undefined) return pending;
    const lookup = this.#options.store.isTokenRevoked(jti).then(
      (revoked) => {
        this.#pending.delete(jti);
        this.#remember(jti, revoked);
        return revoked;
      },
      (error: unknown) => {
        this.#pending.delete(jti);
        throw error;
      },
    );
    this.#pending.set(jti, lookup);
    return lookup;
  }

  /**
   * Calls `onRevoked` (once) when `jti` turns out revoked while the returned function has not been
   * called. A failing store cuts nothing: the call was authorized when it started, and a store outage
   * should not end every open stream; new calls are refused meanwhile.
   */
  watch(jti: string, onRevoked: () => void): () => void {
    let callbacks = this.#watchers.get(jti);
    if (callbacks === undefined) {
      callbacks = new Set();
      this.#watchers.set(jti, callbacks);
    }
    const callback = () => {
      stop();
      onRevoked();
    };
    callbacks.add(callback);
    this.#timer ??= setInterval(() => this.#checkWatched(), this.#watchIntervalMs).unref();
    const stop = () => {
      const current = this.#watchers.get(jti);
      if (current === undefined || !current.delete(callback) || current.size > 0) return;
      this.#watchers.delete(jti);
      if (this.#watchers.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
    return stop;
  }

  /** Resolves when the store answers; throws its error otherwise. */
  ping(): Promise<void> {
    return this.#options.store.ping();
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#watchers.clear();
    await this.#options.store.close();
  }

  #remember(jti: string, revoked: boolean): void {
    if (this.#options.cacheTtlMs === 0) return;
    this.#answers.delete(jti);
    // A Map iterates in insertion order and every answer is re-inserted when renewed: the first key is the oldest.
    while (this.#answers.size >= this.#options.cacheMaxEntries) {
      const oldest = this.#answers.keys().next();
      if (oldest.done === true) break;
      this.#answers.delete(oldest.value);
    }
    this.#answers.set(jti, { revoked, untilMs: Date.now() + this.#options.cacheTtlMs });
  }

  /** One round over the watched tokens; skipped while the previous one still waits for a slow store. */
  #checkWatched(): void {
    if (this.#checking) return;
    this.#checking = true;
    const jtis = [...this.#watchers.keys()];
    let failures = 0;
    let lastError: unknown;
    void Promise.all(
      jtis.map((jti) =>
        this.isTokenRevoked(jti).then(
          (revoked) => {
            if (!revoked) return;
            for (const callback of [...(this.#watchers.get(jti) ?? [])]) callback();
          },
          (error: unknown) => {
            failures += 1;
            lastError = error;
          },
        ),
      ),
    ).finally(() => {
      this.#checking = false;
      if (failures > 0 && !this.#failing) {
        this.#options.logger.warn(
          { err: lastError, failures, watched: jtis.length },
          'could not re-check the tokens of running calls for revocation; they keep running until the store answers',
        );
      } else if (failures === 0 && this.#failing) {
        this.#options.logger.info('the tokens of running calls are re-checked for revocation again');
      }
      this.#failing = failures > 0;
    });
  }
}
