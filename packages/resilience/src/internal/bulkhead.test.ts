import { describe, expect, it } from 'vitest';
import { Bulkhead } from './bulkhead.js';

describe('Bulkhead', () => {
  it('takes free slots synchronously and refuses when all are taken', () => {
    const bulkhead = new Bulkhead(2, 0);
    expect(bulkhead.tryAcquire()).toBe(true);
    expect(bulkhead.tryAcquire()).toBe(true);
    expect(bulkhead.tryAcquire()).toBe(false);
    expect(bulkhead.isFull).toBe(true);
    bulkhead.release();
    expect(bulkhead.isFull).toBe(false);
    expect(bulkhead.tryAcquire()).toBe(true);
  });

  it('hands a released slot to the oldest waiter, so a new call cannot overtake the queue', async () => {
    const bulkhead = new Bulkhead(1, 2);
    expect(bulkhead.tryAcquire()).toBe(true);
    const order: string[] = [];
    const first = bulkhead.acquire(undefined).then(() => order.push('first'));
    const second = bulkhead.acquire(undefined).then(() => order.push('second'));
    expect(bulkhead.isFull).toBe(true);
    bulkhead.release();
    expect(bulkhead.tryAcquire()).toBe(false); // the slot went to `first`, not to the newcomer
    await first;
    bulkhead.release();
    await second;
    expect(order).toEqual(['first', 'second']);
    bulkhead.release();
    expect(bulkhead.tryAcquire()).toBe(true); // back in the pool once nobody waits
  });

  it('drops a waiter whose caller aborts: it rejects with CANCELLED and its queue place is free again', async () => {
    const bulkhead = new Bulkhead(1, 1);
    expect(bulkhead.tryAcquire()).toBe(true);
    const caller = new AbortController();
    const waiting = bulkhead.acquire(caller.signal);
    expect(bulkhead.isFull).toBe(true);
    caller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(bulkhead.isFull).toBe(false);
    const next = bulkhead.acquire(undefined);
    bulkhead.release();
    await expect(next).resolves.toBeUndefined();
  });
});
