import { generateSecretBoxKey } from '@mcs/auth';
import type { ServerContext } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { createRequestStateSeal, requestStateFor } from './request-state.js';

/** The parts of a handler context the seal reads: method, principal, session, the verified state. */
function contextOf(options: {
  method?: string;
  sub?: string;
  clientId?: string;
  sessionId?: string;
  state?: unknown;
}): ServerContext {
  return {
    sessionId: options.sessionId,
    mcpReq: { method: options.method ?? 'tools/call', requestState: () => options.state },
    http:
      options.sub === undefined
        ? undefined
        : { authInfo: { token: 't', clientId: options.clientId ?? 'client', scopes: [], extra: { sub: options.sub } } },
  } as unknown as ServerContext;
}

const KEY_A = { keys: [{ id: 'a', key: generateSecretBoxKey() }] };

describe('requestState seal (input-required results)', () => {
  it('opens what it minted, for the same caller, on another seal with the same keys (another replica)', () => {
    const ctx = contextOf({ sub: 'alice' });
    const state = createRequestStateSeal({ keys: KEY_A }).mint('tool_a', { round: 2, name: 'Alice' }, ctx);
    expect(state).not.toContain('Alice'); // sealed, not only signed
    expect(createRequestStateSeal({ keys: KEY_A }).verify(state, ctx)).toEqual({
      owner: 'tool_a',
      payload: { round: 2, name: 'Alice' },
    });
  });

  it('refuses a tampered state, one of another key ring, and garbage', () => {
    const ctx = contextOf({});
    const seal = createRequestStateSeal({ keys: KEY_A });
    const state = seal.mint('tool_a', { ok: true }, ctx);
    const flipped = `${state.slice(0, -2)}${state.at(-2) === 'A' ? 'B' : 'A'}${state.at(-1)}`;
    expect(() => seal.verify(flipped, ctx)).toThrow();
    expect(() => seal.verify(`${state}-TAMPERED`, ctx)).toThrow();
    expect(() =>
      createRequestStateSeal({ keys: { keys: [{ id: 'a', key: generateSecretBoxKey() }] } }).verify(state, ctx),
    ).toThrow();
    expect(() => seal.verify('{"round":1}', ctx)).toThrow();
    expect(() => seal.verify('x'.repeat(20_000), ctx)).toThrow(/too long/);
  });

  it('is bound to the caller: another subject, client, session or method cannot use it', () => {
    const seal = createRequestStateSeal({ keys: KEY_A });
    const state = seal.mint('tool_a', {}, contextOf({ sub: 'alice', clientId: 'c1', sessionId: 's1' }));
    expect(seal.verify(state, contextOf({ sub: 'alice', clientId: 'c1', sessionId: 's1' })).owner).toBe('tool_a');
    expect(() => seal.verify(state, contextOf({ sub: 'mallory', clientId: 'c1', sessionId: 's1' }))).toThrow();
    expect(() => seal.verify(state, contextOf({ sub: 'alice', clientId: 'c2', sessionId: 's1' }))).toThrow();
    expect(() => seal.verify(state, contextOf({ sub: 'alice', clientId: 'c1', sessionId: 's2' }))).toThrow();
    expect(() => seal.verify(state, contextOf({ sub: 'alice', clientId: 'c1' }))).toThrow();
    expect(() =>
      seal.verify(state, contextOf({ method: 'prompts/get', sub: 'alice', clientId: 'c1', sessionId: 's1' })),
    ).toThrow();
  });

  it('expires after its TTL (test clock)', () => {
    let now = 1_000_000;
    const seal = createRequestStateSeal({ keys: KEY_A, ttlMs: 60_000, now: () => now });
    const ctx = contextOf({});
    const state = seal.mint('tool_a', 1, ctx);
    now += 59_999;
    expect(seal.verify(state, ctx).payload).toBe(1);
    now += 1;
    expect(() => seal.verify(state, ctx)).toThrow(/expired/);
  });

  it('keeps opening states of a retired key after rotation', () => {
    const old = { id: 'old', key: generateSecretBoxKey() };
    const ctx = contextOf({});
    const state = createRequestStateSeal({ keys: { keys: [old] } }).mint('tool_a', 'x', ctx);
    const rotated = createRequestStateSeal({ keys: { keys: [old, { id: 'new', key: generateSecretBoxKey() }] } });
    expect(rotated.verify(state, ctx).payload).toBe('x');
  });

  it("requestStateFor hands a handler its own state only: another handler's state is -32602", () => {
    expect(requestStateFor(contextOf({}), 'tool_a')).toBeUndefined();
    expect(requestStateFor(contextOf({ state: { owner: 'tool_a', payload: { k: 1 } } }), 'tool_a')).toEqual({ k: 1 });
    expect(() => requestStateFor(contextOf({ state: { owner: 'tool_b', payload: {} } }), 'tool_a')).toThrow(
      expect.objectContaining({ code: -32602 }),
    );
    // No seal configured: the SDK would hand over the raw wire string, which is never trusted.
    expect(() => requestStateFor(contextOf({ state: 'raw' }), 'tool_a')).toThrow(
      expect.objectContaining({ code: -32602 }),
    );
  });
});
