import { describe, expect, it } from 'vitest';
import { LiveSessions } from './live-sessions.js';

function tracker(options: { idleTtlMs: number; maxTracked?: number }) {
  const clock = { now: 0 };
  return { clock, sessions: new LiveSessions({ ...options, now: () => clock.now }) };
}

describe('LiveSessions', () => {
  it('counts each session once, however often it is seen, and forgets a deleted one', () => {
    const { sessions } = tracker({ idleTtlMs: 1_000 });
    sessions.seen('a');
    sessions.seen('b');
    sessions.seen('a');
    expect(sessions.count).toBe(2);
    sessions.deleted('a');
    sessions.deleted('unknown');
    expect(sessions.count).toBe(1);
  });

  it('drops a session the idle TTL after it was last seen; a new sight restarts its TTL', () => {
    const { clock, sessions } = tracker({ idleTtlMs: 1_000 });
    sessions.seen('a');
    sessions.seen('b');
    clock.now = 900;
    sessions.seen('a');
    clock.now = 999;
    expect(sessions.count).toBe(2);
    clock.now = 1_000;
    expect(sessions.count).toBe(1);
    clock.now = 1_899;
    expect(sessions.count).toBe(1);
    clock.now = 1_900;
    expect(sessions.count).toBe(0);
  });

  it('holds at most maxTracked sessions (bounded memory), dropping the least recently seen', () => {
    const { sessions } = tracker({ idleTtlMs: 60_000, maxTracked: 3 });
    for (const id of ['a', 'b', 'c', 'd']) sessions.seen(id);
    sessions.seen('b');
    sessions.seen('e');
    expect(sessions.count).toBe(3);
    // What is left is exactly b (seen again), d and e: a and c went first.
    sessions.deleted('b');
    sessions.deleted('d');
    sessions.deleted('e');
    expect(sessions.count).toBe(0);
  });
});
