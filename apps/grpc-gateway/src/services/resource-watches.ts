import type { Catalog } from '../catalog/catalog.js';
import { GatewayError } from '../gateway-error.js';

/**
 * Shares one backend `resources/subscribe` per (backend, uri) among all WatchChanges streams that want
 * it, and unsubscribes when the last one leaves.
 */
export class ResourceWatches {
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly stops: (() => void)[] = [];

  constructor(private readonly catalog: Catalog) {
    for (const backend of catalog.backendNames()) {
      const connection = catalog.connection(backend);
      if (!connection) continue;
      this.stops.push(
        connection.on('resource_updated', ({ uri }) => {
          for (const notify of this.watchers.get(key(backend, uri)) ?? []) notify();
        }),
      );
    }
  }

  /** Starts watching; resolves with the function that stops this watcher. */
  async watch(backend: string, uri: string, notify: () => void): Promise<() => Promise<void>> {
    const connection = this.catalog.connection(backend);
    if (connection === undefined) throw new GatewayError('NOT_FOUND', `Unknown backend "${backend}".`);
    const id = key(backend, uri);
    let set = this.watchers.get(id);
    if (set === undefined) {
      if (!connection.serverCapabilities?.resources?.subscribe) {
        throw new GatewayError('INVALID_ARGUMENT', `Backend "${backend}" does not support resource subscriptions.`);
      }
      set = new Set();
      this.watchers.set(id, set);
      try {
        await connection.subscribeResource(uri);
      } catch (error) {
        this.watchers.delete(id);
        throw error;
      }
    }
    set.add(notify);
    return async () => {
      set.delete(notify);
      if (set.size > 0 || this.watchers.get(id) !== set) return;
      this.watchers.delete(id);
      await connection.unsubscribeResource(uri).catch(() => undefined);
    };
  }

  close(): void {
    for (const stop of this.stops) stop();
  }
}

const key = (backend: string, uri: string) => `${backend}\u0000${uri}`;
