import { randomUUID } from 'node:crypto';
import type { JsonValue, SessionStore } from '@mcs/session-store';

/** Statuses of the MCP Tasks extension (SEP-2663). */
export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';
export type TerminalStatus = 'completed' | 'failed' | 'cancelled';

/** The live part of a task: what it runs, who owns it, what it waits for. */
export interface TaskState {
  readonly taskId: string;
  /** Who may see it (the binding of the creating request); another caller reads "unknown task". */
  readonly owner: string;
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly status: 'working' | 'input_required';
  readonly createdAt: string;
  readonly lastUpdatedAt: string;
  readonly ttlMs: number;
  readonly pollIntervalMs: number;
  /** Pending input requests (status `input_required`), by the keys the tool chose. */
  readonly inputRequests?: Record<string, unknown>;
  /** Every input response received so far (the tool re-runs with all of them). */
  readonly inputs: Record<string, unknown>;
  /** Bumped on every write: a step that started before an update does not overwrite it. */
  readonly revision: number;
}

/** The terminal record: written once (the first writer wins), never changed. */
export interface TaskOutcome {
  readonly status: TerminalStatus;
  readonly lastUpdatedAt: string;
  readonly result?: Record<string, unknown>;
  readonly error?: { code: number; message: string; data?: unknown };
}

export interface TaskView {
  readonly state: TaskState;
  readonly outcome: TaskOutcome | undefined;
}

/** Abort reason of the steps still running when the replica stops (they fail, saying so). */
export const STOPPED = Symbol('mcs.task.replica-stopped');

const STATE = 'mcs-task';
const OUTCOME = 'mcs-task-outcome';

/**
 * Tasks in the SessionStore, so any replica answers `tasks/get`, `tasks/update` and `tasks/cancel`
 * for a task another replica created. Two records per task, both living `ttlMs` from creation: the
 * state (rewritten as the task waits for input and resumes) and the outcome, written with "only if
 * absent" so that of a completion and a cancellation racing on two replicas exactly one wins and the
 * status never changes once terminal.
 */
export class TaskStore {
  readonly #store: SessionStore;
  readonly #now: () => number;
  /** Steps running on this replica, by task id: a `tasks/cancel` received here stops them at once. */
  readonly #running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(store: SessionStore, options: { now?: () => number } = {}) {
    this.#store = store;
    this.#now = options.now ?? Date.now;
  }

  #remainingMs(state: TaskState): number {
    return Math.max(1_000, Date.parse(state.createdAt) + state.ttlMs - this.#now());
  }

  async create(init: Pick<TaskState, 'owner' | 'tool' | 'args' | 'ttlMs' | 'pollIntervalMs'>): Promise<TaskState> {
    const at = new Date(this.#now()).toISOString();
    const state: TaskState = {
      ...init,
      taskId: randomUUID(),
      status: 'working',
      createdAt: at,
      lastUpdatedAt: at,
      inputs: {},
      revision: 0,
    };
    await this.#store.putRecord(STATE, state.taskId, state as unknown as JsonValue, { ttlMs: state.ttlMs });
    return state;
  }

  async get(taskId: string): Promise<TaskView | undefined> {
    const [state, outcome] = await Promise.all([
      this.#store.getRecord(STATE, taskId),
      this.#store.getRecord(OUTCOME, taskId),
    ]);
    if (state === undefined || state === null || typeof state !== 'object') return undefined;
    return { state: state as unknown as TaskState, outcome: (outcome ?? undefined) as TaskOutcome | undefined };
  }

  /** Rewrites the live state (a later revision). */
  async update(
    state: TaskState,
    patch: Partial<Pick<TaskState, 'status' | 'inputRequests' | 'inputs'>>,
  ): Promise<TaskState> {
    const next: TaskState = {
      ...state,
      ...patch,
      lastUpdatedAt: new Date(this.#now()).toISOString(),
      revision: state.revision + 1,
    };
    if (patch.status === 'working') delete (next as { inputRequests?: unknown }).inputRequests;
    await this.#store.putRecord(STATE, state.taskId, next as unknown as JsonValue, { ttlMs: this.#remainingMs(state) });
    return next;
  }

  /** Registers a step running here until `done` settles (a newer step of the task replaces it). */
  track(taskId: string, controller: AbortController, done: Promise<void>): void {
    this.#running.get(taskId)?.controller.abort();
    const entry = { controller, done };
    this.#running.set(taskId, entry);
    void done.finally(() => {
      if (this.#running.get(taskId) === entry) this.#running.delete(taskId);
    });
  }

  /** Stops the step of `taskId` if it runs on this replica. */
  abort(taskId: string): void {
    this.#running.get(taskId)?.controller.abort();
  }

  /**
   * At shutdown, before the store closes: every step still running here is stopped and its task
   * recorded as failed ("the replica stopped"), so that clients polling elsewhere learn of it instead
   * of seeing `working` until the TTL. Waits for those records, at most `timeoutMs`.
   */
  async stopRunning(timeoutMs = 2_000): Promise<void> {
    const entries = [...this.#running.values()];
    for (const entry of entries) entry.controller.abort(STOPPED);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(entries.map((entry) => entry.done)),
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Settles the task; false when it had settled already (the earlier outcome stays). */
  async finish(state: TaskState, outcome: Omit<TaskOutcome, 'lastUpdatedAt'>): Promise<boolean> {
    const record: TaskOutcome = { ...outcome, lastUpdatedAt: new Date(this.#now()).toISOString() };
    return this.#store.putRecord(OUTCOME, state.taskId, record as unknown as JsonValue, {
      ttlMs: this.#remainingMs(state),
      onlyIfAbsent: true,
    });
  }
}
