import { MemorySessionStore } from '@mcs/session-store';
import { describe, expect, it } from 'vitest';
import { STOPPED, TaskStore } from './task-store.js';

const init = { owner: '', tool: 'slow_compute', args: { seconds: 1 }, ttlMs: 60_000, pollIntervalMs: 500 };

describe('TaskStore', () => {
  it('creates a working task another TaskStore on the same store reads (another replica)', async () => {
    const shared = new MemorySessionStore();
    const created = await new TaskStore(shared).create(init);
    expect(created).toMatchObject({ status: 'working', inputs: {}, revision: 0, ttlMs: 60_000 });
    expect(created.createdAt).toBe(created.lastUpdatedAt);
    expect(await new TaskStore(shared).get(created.taskId)).toEqual({ state: created, outcome: undefined });
    expect(await new TaskStore(shared).get('no-such-task')).toBeUndefined();
  });

  it('keeps the first outcome: a completion after a cancellation does not overwrite it', async () => {
    const store = new TaskStore(new MemorySessionStore());
    const state = await store.create(init);
    expect(await store.finish(state, { status: 'cancelled' })).toBe(true);
    expect(await store.finish(state, { status: 'completed', result: { content: [] } })).toBe(false);
    expect((await store.get(state.taskId))?.outcome).toMatchObject({ status: 'cancelled' });
    expect((await store.get(state.taskId))?.outcome?.result).toBeUndefined();
  });

  it('updates bump the revision and drop input requests when the task works again', async () => {
    let now = 1_000_000;
    const store = new TaskStore(new MemorySessionStore(), { now: () => now });
    const state = await store.create(init);
    now += 10;
    const waiting = await store.update(state, { status: 'input_required', inputRequests: { a: {}, b: {} } });
    expect(waiting).toMatchObject({ status: 'input_required', revision: 1, inputRequests: { a: {}, b: {} } });
    expect(waiting.lastUpdatedAt).not.toBe(state.lastUpdatedAt);
    const resumed = await store.update(waiting, { status: 'working', inputs: { a: 1, b: 2 } });
    expect(resumed).toMatchObject({ status: 'working', revision: 2, inputs: { a: 1, b: 2 } });
    expect(resumed).not.toHaveProperty('inputRequests');
    expect((await store.get(state.taskId))?.state).toEqual(resumed);
  });

  it('stopRunning aborts the steps running here with the STOPPED reason and waits for them', async () => {
    const store = new TaskStore(new MemorySessionStore());
    const controller = new AbortController();
    let recorded = false;
    const done = new Promise<void>((resolve) => {
      controller.signal.addEventListener('abort', () => {
        setTimeout(() => {
          recorded = true;
          resolve();
        }, 20);
      });
    });
    store.track('t1', controller, done);
    await store.stopRunning();
    expect(controller.signal.reason).toBe(STOPPED);
    expect(recorded).toBe(true);
  });
});
