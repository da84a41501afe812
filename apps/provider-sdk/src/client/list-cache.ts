import type { ListChangedKind } from '@mcs/transports';

/** The lists the pool keeps per backend. */
export type ListKind = 'tools' | 'resources' | 'resourceTemplates' | 'prompts';

/** A `list_changed` kind drops these lists (templates are announced as resources). */
export const listsOf: Record<ListChangedKind, ListKind[]> = {
  tools: ['tools'],
  resources: ['resources', 'resourceTemplates'],
  prompts: ['prompts'],
};

interface Entry {
  items: unknown[];
  /** `Infinity`: kept until `invalidate` (the backend announces changes). */
  expiresAt: number;
}

/**
 * One backend's last lists. An entry lives until the backend says the list changed, or for a TTL
 * when it never will. A fetch that was under way when its list was invalidated is not stored: its
 * answer may predate the change.
 */
export class ListCache {
  readonly #entries = new Map<ListKind, Entry>();
  readonly #generations = new Map<ListKind, number>();

  async get<T>(kind: ListKind, ttlMs: number, fetch: () => Promise<T[]>): Promise<T[]> {
    const entry = this.#entries.get(kind);
    if (entry && entry.expiresAt > performance.now()) return entry.items as T[];
    const generation = this.#generations.get(kind) ?? 0;
    const items = await fetch();
    if (ttlMs > 0 && (this.#generations.get(kind) ?? 0) === generation) {
      this.#entries.set(kind, { items, expiresAt: performance.now() + ttlMs });
    }
    return items;
  }

  invalidate(kinds: readonly ListKind[]): void {
    for (const kind of kinds) {
      this.#entries.delete(kind);
      this.#generations.set(kind, (this.#generations.get(kind) ?? 0) + 1);
    }
  }

  clear(): void {
    this.invalidate(['tools', 'resources', 'resourceTemplates', 'prompts']);
  }
}
