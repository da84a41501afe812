import { waitFor } from '@mcs/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEventStore,
  type SessionStore,
  type SessionStoreError,
  type SessionStoreOptions,
} from '../../src/index.js';
import { expectStoreError, sleep, uniqueId, uniquePrefix } from './helpers.js';

/** What the contract needs from an implementation under test. */
export interface SessionStoreHarness {
  /**
   * A new store instance over the SAME backend as every other instance of this harness (one Redis;
   * one shared in-memory keyspace), so that two instances behave like two replicas.
   */
  create(options: SessionStoreOptions): Promise<SessionStore>;
  /** Writes a raw string at a full key, bypassing the store (to plant corrupt data). */
  writeRawString(key: string, value: string): Promise<void>;
  /** Writes raw hash fields at a full key, bypassing the store. */
  writeRawHash(key: string, fields: Record<string, string>): Promise<void>;
}

/** The one behavioural contract every `SessionStore` implementation must pass. */
export function describeSessionStoreContract(name: string, harness: SessionStoreHarness): void {
  describe(`SessionStore contract: ${name}`, () => {
    const open: SessionStore[] = [];
    let prefix = '';

    /** Two "replicas" share a prefix within one test; each test gets a fresh prefix. */
    async function store(options: Omit<SessionStoreOptions, 'keyPrefix'> = {}): Promise<SessionStore> {
      const created = await harness.create({ keyPrefix: prefix, ...options });
      open.push(created);
      return created;
    }

    afterEach(async () => {
      await Promise.all(open.splice(0).map((each) => each.close()));
      prefix = uniquePrefix();
    });
    prefix = uniquePrefix();

    describe('protocol sessions', () => {
      it('creates, reads and deletes a session with its negotiated state', async () => {
        const s = await store();
        const id = uniqueId('session');
        const before = Date.now();
        const created = await s.createProtocolSession({
          id,
          protocolVersion: '2025-11-25',
          clientInfo: { name: 'inspector', version: '1.2.3' },
          clientCapabilities: { sampling: {}, roots: { listChanged: true }, list: [] },
          attributes: { logLevel: 'info' },
        });
        expect(created).toMatchObject({
          id,
          transport: 'streamable-http',
          protocolVersion: '2025-11-25',
          clientInfo: { name: 'inspector', version: '1.2.3' },
          clientCapabilities: { sampling: {}, roots: { listChanged: true }, list: [] },
          streamHolder: undefined,
          attributes: { logLevel: 'info' },
        });
        expect(created.createdAtMs).toBeGreaterThanOrEqual(before);
        expect(created.lastSeenAtMs).toBe(created.createdAtMs);
        expect(await s.getProtocolSession(id)).toEqual(created);
        expect(await s.deleteProtocolSession(id)).toBe(true);
        expect(await s.deleteProtocolSession(id)).toBe(false);
        expect(await s.getProtocolSession(id)).toBeUndefined();
      });

      it('is visible to another replica', async () => {
        const [a, b] = [await store(), await store()];
        const id = uniqueId('session');
        await a.createProtocolSession({ id, transport: 'sse', protocolVersion: '2024-11-05' });
        expect(await b.getProtocolSession(id)).toMatchObject({ id, transport: 'sse', clientCapabilities: {} });
      });

      it('applies patches: merges attributes, deletes null ones, never resurrects a missing session', async () => {
        const s = await store();
        const id = uniqueId('session');
        await s.createProtocolSession({ id, protocolVersion: '2025-06-18', attributes: { a: 1, b: 'two' } });
        const updated = await s.updateProtocolSession(id, {
          protocolVersion: '2025-11-25',
          clientInfo: { name: 'c', version: '2' },
          attributes: { b: null, c: { nested: [1, 2] } },
        });
        expect(updated).toMatchObject({
          protocolVersion: '2025-11-25',
          clientInfo: { name: 'c', version: '2' },
          attributes: { a: 1, c: { nested: [1, 2] } },
        });
        expect(updated?.attributes).not.toHaveProperty('b');
        const missing = uniqueId('missing');
        expect(await s.updateProtocolSession(missing, { attributes: { a: 1 } })).toBeUndefined();
        expect(await s.touchProtocolSession(missing)).toBeUndefined();
        expect(await s.getProtocolSession(missing)).toBeUndefined();
      });

      it('binds a session to the owner it was created for, atomically with every touch', async () => {
        const [a, b] = [await store(), await store()];
        const id = uniqueId('session');
        const created = await a.createProtocolSession({ id, protocolVersion: '2025-11-25', owner: 'alice' });
        expect(created.owner).toBe('alice');
        expect((await b.getProtocolSession(id))?.owner).toBe('alice');
        // Another owner's touch is answered as for an unknown session and does not slide the TTL.
        expect(await b.touchProtocolSession(id, { owner: 'bob' })).toBeUndefined();
        expect((await a.touchProtocolSession(id, { owner: 'alice' }))?.owner).toBe('alice');
        // No patch can change the owner (attributes live in their own namespace).
        await a.updateProtocolSession(id, { attributes: { owner: 'bob' } });
        expect(await b.touchProtocolSession(id, { owner: 'bob' })).toBeUndefined();
        expect((await b.touchProtocolSession(id, { owner: 'alice' }))?.attributes).toEqual({ owner: 'bob' });
        // A session created without an owner belongs to nobody who names one.
        const unowned = uniqueId('session');
        await a.createProtocolSession({ id: unowned, protocolVersion: '2025-11-25' });
        expect(await a.touchProtocolSession(unowned, { owner: 'alice' })).toBeUndefined();
        expect((await a.touchProtocolSession(unowned))?.owner).toBeUndefined();
        await expectStoreError(a.touchProtocolSession(id, { owner: '' }), 'INVALID_ARGUMENT');
        await expectStoreError(
          a.createProtocolSession({ id: uniqueId('session'), protocolVersion: '2025-11-25', owner: 'x\n' }),
          'INVALID_ARGUMENT',
        );
      });

      it('lets only the owner in when owner and intruder race on the first request', async () => {
        const [a, b] = [await store(), await store()];
        for (let round = 0; round < 30; round += 1) {
          const id = uniqueId('session');
          await a.createProtocolSession({ id, protocolVersion: '2025-11-25', owner: 'alice' });
          const [mine, theirs] = await Promise.all([
            a.touchProtocolSession(id, { owner: 'alice' }),
            b.touchProtocolSession(id, { owner: 'bob' }),
          ]);
          expect([mine?.owner, theirs]).toEqual(['alice', undefined]);
        }
      });

      it('keeps concurrent attribute updates from two replicas', async () => {
        const [a, b] = [await store(), await store()];
        const id = uniqueId('session');
        await a.createProtocolSession({ id, protocolVersion: '2025-11-25' });
        await Promise.all([
          a.updateProtocolSession(id, { attributes: { fromA: true } }),
          b.updateProtocolSession(id, { attributes: { fromB: true } }),
        ]);
        expect((await a.getProtocolSession(id))?.attributes).toEqual({ fromA: true, fromB: true });
      });

      it('expires after the idle TTL', async () => {
        const s = await store({ ttls: { protocolSessionIdleMs: 150 } });
        const id = uniqueId('session');
        await s.createProtocolSession({ id, protocolVersion: '2025-11-25' });
        await sleep(200);
        await waitFor(async () => (await s.getProtocolSession(id)) === undefined, {
          timeoutMs: 5_000,
          what: 'the session to expire',
        });
      });

      it('rewrites lastSeenAtMs at most once per second on touch', async () => {
        const s = await store();
        const id = uniqueId('session');
        const created = await s.createProtocolSession({ id, protocolVersion: '2025-11-25' });
        const touched = await s.touchProtocolSession(id);
        const updated = await s.updateProtocolSession(id, { attributes: { x: 1 } });
        for (const seen of [touched?.lastSeenAtMs ?? 0, updated?.lastSeenAtMs ?? 0]) {
          // Unchanged within the second after creation; only a machine stalled for >= 1 s sees a rewrite.
          const delta = seen - created.lastSeenAtMs;
          expect(delta === 0 || delta >= 1_000).toBe(true);
        }
        expect(updated?.attributes).toEqual({ x: 1 });
      });

      it('slides the idle TTL on touch and update', async () => {
        const ttl = 800;
        const s = await store({ ttls: { protocolSessionIdleMs: ttl } });
        const id = uniqueId('session');
        const created = await s.createProtocolSession({ id, protocolVersion: '2025-11-25' });
        // Touch well inside the TTL until more than one TTL has passed since creation.
        for (let round = 0; round < 6 && Date.now() - created.createdAtMs <= ttl; round += 1) {
          await sleep(ttl / 4);
          const touched = round % 2 === 0 ? await s.touchProtocolSession(id) : await s.updateProtocolSession(id, {});
          expect(touched?.lastSeenAtMs).toBeGreaterThan(created.lastSeenAtMs);
        }
        expect(Date.now() - created.createdAtMs).toBeGreaterThan(ttl);
        expect(await s.getProtocolSession(id)).toBeDefined();
        // A plain read does not slide it.
        await waitFor(async () => (await s.getProtocolSession(id)) === undefined, {
          timeoutMs: 5_000,
          what: 'the idle session to expire',
        });
      });

      it('lets exactly one replica hold the stream', async () => {
        const [a, b] = [await store(), await store()];
        const id = uniqueId('session');
        await a.createProtocolSession({ id, protocolVersion: '2025-11-25' });
        const results = await Promise.all([
          a.claimStream(id, { replicaId: 'replica-a', streamId: '_GET_stream' }),
          b.claimStream(id, { replicaId: 'replica-b', streamId: '_GET_stream' }),
        ]);
        expect(results.filter((result) => result?.claimed)).toHaveLength(1);
        const winner = results.find((result) => result?.claimed)?.session.streamHolder?.replicaId;
        const loser = winner === 'replica-a' ? 'replica-b' : 'replica-a';
        const lost = results.find((result) => !result?.claimed);
        expect(lost?.session.streamHolder).toMatchObject({ replicaId: winner, streamId: '_GET_stream' });
        // The holder may claim again; the other may not release it.
        expect((await a.claimStream(id, { replicaId: winner ?? '', streamId: 's2' }))?.claimed).toBe(true);
        expect(await b.releaseStream(id, loser)).toBe(false);
        expect(await b.releaseStream(id, winner ?? '')).toBe(true);
        expect((await a.getProtocolSession(id))?.streamHolder).toBeUndefined();
        expect((await b.claimStream(id, { replicaId: loser, streamId: 's3' }))?.claimed).toBe(true);
        expect(await a.claimStream(uniqueId('missing'), { replicaId: 'x', streamId: 'y' })).toBeUndefined();
        expect(await a.releaseStream(uniqueId('missing'), 'x')).toBe(false);
      });

      it('sets and clears the holder unconditionally through a patch', async () => {
        const s = await store();
        const id = uniqueId('session');
        await s.createProtocolSession({ id, protocolVersion: '2025-11-25' });
        const set = await s.updateProtocolSession(id, { streamHolder: { replicaId: 'r1', streamId: 'st' } });
        expect(set?.streamHolder).toMatchObject({ replicaId: 'r1', streamId: 'st' });
        expect(set?.streamHolder?.sinceMs).toBeGreaterThan(0);
        const cleared = await s.updateProtocolSession(id, { streamHolder: null });
        expect(cleared?.streamHolder).toBeUndefined();
      });
    });

    describe('application sessions', () => {
      it('stores opaque JSON, touches and deletes it', async () => {
        const [a, b] = [await store(), await store()];
        const id = uniqueId('user');
        const value = { ciphertext: 'AAAA', iv: 'BBBB', list: [1, null, 'x'], nested: { ok: true } };
        await a.setApplicationSession(id, value);
        expect(await b.getApplicationSession(id)).toEqual(value);
        expect(await b.touchApplicationSession(id)).toBe(true);
        expect(await a.deleteApplicationSession(id)).toBe(true);
        expect(await a.getApplicationSession(id)).toBeUndefined();
        expect(await a.touchApplicationSession(id)).toBe(false);
        expect(await a.deleteApplicationSession(id)).toBe(false);
      });

      it('expires after its TTL unless touched', async () => {
        const s = await store();
        const id = uniqueId('user');
        await s.setApplicationSession(id, 'short', { ttlMs: 100 });
        await sleep(150);
        await waitFor(async () => (await s.getApplicationSession(id)) === undefined, {
          timeoutMs: 5_000,
          what: 'the application session to expire',
        });
        await s.setApplicationSession(id, 'touched', { ttlMs: 300 });
        expect(await s.touchApplicationSession(id, { ttlMs: 60_000 })).toBe(true);
        await sleep(400);
        expect(await s.getApplicationSession(id)).toBe('touched');
      });
    });

    describe('short-lived records', () => {
      it('puts, reads, and takes a record only once', async () => {
        const s = await store();
        const code = uniqueId('code');
        expect(await s.putRecord('authcode', code, { clientId: 'c1', scope: 'mcp' })).toBe(true);
        expect(await s.getRecord('authcode', code)).toEqual({ clientId: 'c1', scope: 'mcp' });
        expect(await s.getRecord('other', code)).toBeUndefined();
        expect(await s.takeRecord('authcode', code)).toEqual({ clientId: 'c1', scope: 'mcp' });
        expect(await s.takeRecord('authcode', code)).toBeUndefined();
        expect(await s.getRecord('authcode', code)).toBeUndefined();
      });

      it('lets exactly one of two racing replicas take a code', async () => {
        const [a, b] = [await store(), await store()];
        for (let round = 0; round < 20; round += 1) {
          const code = uniqueId('code');
          await a.putRecord('authcode', code, { round });
          const taken = await Promise.all([a.takeRecord('authcode', code), b.takeRecord('authcode', code)]);
          expect(taken.filter((value) => value !== undefined)).toEqual([{ round }]);
        }
      });

      it('refuses to overwrite with onlyIfAbsent', async () => {
        const s = await store();
        const id = uniqueId('nonce');
        expect(await s.putRecord('nonce', id, 1, { onlyIfAbsent: true })).toBe(true);
        expect(await s.putRecord('nonce', id, 2, { onlyIfAbsent: true })).toBe(false);
        expect(await s.getRecord('nonce', id)).toBe(1);
        expect(await s.putRecord('nonce', id, 3)).toBe(true);
        expect(await s.getRecord('nonce', id)).toBe(3);
        expect(await s.deleteRecord('nonce', id)).toBe(true);
        expect(await s.deleteRecord('nonce', id)).toBe(false);
      });

      it('expires after its TTL (default from ttls.recordMs)', async () => {
        const s = await store({ ttls: { recordMs: 100 } });
        const [first, second] = [uniqueId('code'), uniqueId('code')];
        await s.putRecord('authcode', first, true);
        await s.putRecord('authcode', second, true, { ttlMs: 60_000 });
        await sleep(150);
        await waitFor(async () => (await s.takeRecord('authcode', first)) === undefined, {
          timeoutMs: 5_000,
          what: 'the record to expire',
        });
        expect(await s.getRecord('authcode', second)).toBe(true);
      });
    });

    describe('tokens', () => {
      it('stores metadata by jti until the token expires', async () => {
        const s = await store();
        const jti = uniqueId('jti');
        await s.putTokenMetadata(jti, { sub: 'user-1', clientId: 'c1' }, Date.now() + 60_000);
        expect(await s.getTokenMetadata(jti)).toEqual({ sub: 'user-1', clientId: 'c1' });
        const short = uniqueId('jti');
        await s.putTokenMetadata(short, { sub: 'u' }, Date.now() + 100);
        await sleep(150);
        await waitFor(async () => (await s.getTokenMetadata(short)) === undefined, {
          timeoutMs: 5_000,
          what: 'token metadata to expire',
        });
        const past = uniqueId('jti');
        await s.putTokenMetadata(past, { sub: 'u' }, Date.now() - 1);
        expect(await s.getTokenMetadata(past)).toBeUndefined();
      });

      it('revokes a token on every replica until the given time', async () => {
        const [a, b] = [await store(), await store()];
        const jti = uniqueId('jti');
        expect(await b.isTokenRevoked(jti)).toBe(false);
        await a.revokeToken(jti, Date.now() + 60_000);
        expect(await b.isTokenRevoked(jti)).toBe(true);
        const brief = uniqueId('jti');
        await a.revokeToken(brief, Date.now() + 100);
        expect(await b.isTokenRevoked(brief)).toBe(true);
        await sleep(150);
        await waitFor(async () => !(await b.isTokenRevoked(brief)), {
          timeoutMs: 5_000,
          what: 'the revocation to lapse',
        });
        const expired = uniqueId('jti');
        await a.revokeToken(expired, Date.now() - 1_000);
        expect(await a.isTokenRevoked(expired)).toBe(false);
      });
    });

    describe('event log', () => {
      it('appends and replays after an id, on another replica', async () => {
        const [a, b] = [await store(), await store()];
        const streamId = uniqueId('stream');
        const ids: string[] = [];
        for (let index = 0; index < 5; index += 1) {
          ids.push(await a.appendEvent(streamId, { jsonrpc: '2.0', method: 'notify', params: { index } }));
        }
        expect(new Set(ids).size).toBe(5);
        const replay = await b.replayEventsAfter(ids[1] ?? '');
        expect(replay.streamId).toBe(streamId);
        expect(replay.gap).toBe(false);
        expect(replay.events.map((event) => event.eventId)).toEqual(ids.slice(2));
        expect(replay.events.map((event) => event.message.params)).toEqual([{ index: 2 }, { index: 3 }, { index: 4 }]);
        expect((await b.replayEventsAfter(ids[4] ?? '')).events).toEqual([]);
      });

      it('keeps streams apart', async () => {
        const s = await store();
        const [one, two] = [uniqueId('stream'), uniqueId('stream')];
        const first = await s.appendEvent(one, { n: 1 });
        await s.appendEvent(two, { n: 2 });
        await s.appendEvent(one, { n: 3 });
        const replay = await s.replayEventsAfter(first);
        expect(replay.events.map((event) => event.message)).toEqual([{ n: 3 }]);
      });

      it('keeps at most eventLogMaxLength events and reports the gap', async () => {
        const s = await store({ eventLogMaxLength: 3 });
        const streamId = uniqueId('stream');
        const ids: string[] = [];
        for (let index = 0; index < 6; index += 1) ids.push(await s.appendEvent(streamId, { index }));
        const fromStart = await s.replayEventsAfter(ids[0] ?? '');
        expect(fromStart.gap).toBe(true);
        expect(fromStart.events.map((event) => event.message)).toEqual([{ index: 3 }, { index: 4 }, { index: 5 }]);
        const fromKept = await s.replayEventsAfter(ids[3] ?? '');
        expect(fromKept.gap).toBe(false);
        expect(fromKept.events.map((event) => event.message)).toEqual([{ index: 4 }, { index: 5 }]);
      });

      it('expires an idle stream and deletes one on request', async () => {
        const s = await store({ ttls: { eventStreamMs: 100 } });
        const streamId = uniqueId('stream');
        const id = await s.appendEvent(streamId, { a: 1 });
        await sleep(150);
        const replay = await waitFor(
          async () => {
            const result = await s.replayEventsAfter(id);
            return result.gap ? result : undefined;
          },
          { timeoutMs: 5_000, what: 'the stream to expire' },
        );
        expect(replay).toEqual({ streamId, events: [], gap: true });
        const kept = uniqueId('stream');
        const keptId = await s.appendEvent(kept, { a: 1 });
        expect(await s.deleteEventStream(kept)).toBe(true);
        expect(await s.deleteEventStream(kept)).toBe(false);
        expect((await s.replayEventsAfter(keptId)).gap).toBe(true);
      });

      it('stores event messages as JSON.stringify writes them; unserialisable ones are INVALID_ARGUMENT', async () => {
        const s = await store();
        const streamId = uniqueId('stream');
        const first = await s.appendEvent(streamId, { a: 1 });
        await s.appendEvent(streamId, { kept: 'yes', dropped: undefined } as never);
        expect((await s.replayEventsAfter(first)).events.map((event) => event.message)).toEqual([{ kept: 'yes' }]);
        const cycle: Record<string, unknown> = {};
        cycle.self = cycle;
        await expectStoreError(s.appendEvent(streamId, cycle as never), 'INVALID_ARGUMENT');
        await expectStoreError(s.appendEvent(streamId, { big: 1n } as never), 'INVALID_ARGUMENT');
        await expectStoreError(s.appendEvent(streamId, null as never), 'INVALID_ARGUMENT');
      });

      it('rejects malformed event ids with INVALID_EVENT_ID', async () => {
        const s = await store();
        const valid = await s.appendEvent(uniqueId('stream'), { a: 1 });
        const [encoded, entry] = valid.split('.');
        const malformed = [
          '',
          'garbage',
          '42',
          `${encoded}`,
          `${encoded}.`,
          `.${entry}`,
          `${encoded}.abc-1`,
          `${encoded}.1-2-3`,
          `${encoded}!.${entry}`,
          `${encoded}=.${entry}`,
          `${valid}\n`,
          `${encoded}.${'9'.repeat(30)}-0`,
          'AA.1-0', // decodes to a control character, which no stream id contains
        ];
        for (const eventId of malformed) {
          await expectStoreError(s.replayEventsAfter(eventId), 'INVALID_EVENT_ID');
        }
      });
    });

    describe('MCP EventStore adapter', () => {
      it('stores, maps and replays per session scope, skipping priming events', async () => {
        const [a, b] = [await store(), await store()];
        const session = uniqueId('session');
        const writer = createEventStore(a, { scope: session });
        const reader = createEventStore(b, { scope: session });
        const priming = await writer.storeEvent('_GET_stream', {});
        const first = await writer.storeEvent('_GET_stream', { jsonrpc: '2.0', method: 'one' });
        await writer.storeEvent('_GET_stream', { jsonrpc: '2.0', method: 'two' });
        expect(await reader.getStreamIdForEventId(priming)).toBe('_GET_stream');
        const sent: Array<[string, unknown]> = [];
        const streamId = await reader.replayEventsAfter(priming, {
          send: async (eventId, message) => {
            sent.push([eventId, message]);
          },
        });
        expect(streamId).toBe('_GET_stream');
        expect(sent.map(([, message]) => message)).toEqual([
          { jsonrpc: '2.0', method: 'one' },
          { jsonrpc: '2.0', method: 'two' },
        ]);
        expect(sent[0]?.[0]).toBe(first);
      });

      it('issues priming ids without a write; resuming from one replays the whole stream', async () => {
        const s = await store({ eventLogMaxLength: 3 });
        const session = uniqueId('session');
        const adapter = createEventStore(s, { scope: session });
        const priming = await adapter.storeEvent('request-1', {});
        expect(priming.endsWith('.0-0')).toBe(true);
        const streamId = `${session}/request-1`;
        expect(await s.replayEventsAfter(priming)).toEqual({ streamId, events: [], gap: false });
        const ids = [
          await adapter.storeEvent('request-1', { jsonrpc: '2.0', method: 'notifications/progress' }),
          await adapter.storeEvent('request-1', { jsonrpc: '2.0', id: 1, result: {} }),
        ];
        const replay = await s.replayEventsAfter(priming);
        expect(replay.gap).toBe(false);
        expect(replay.events.map((event) => event.eventId)).toEqual(ids);
        const sent: string[] = [];
        expect(await adapter.replayEventsAfter(priming, { send: async (id) => void sent.push(id) })).toBe('request-1');
        expect(sent).toEqual(ids);
        // A full log may have dropped its oldest events: that is reported as a gap.
        await adapter.storeEvent('request-1', { jsonrpc: '2.0', method: 'late' });
        await adapter.storeEvent('request-1', { jsonrpc: '2.0', method: 'later' });
        expect((await s.replayEventsAfter(priming)).gap).toBe(true);
        await expect(adapter.storeEvent('x'.repeat(600), {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      });

      it('shortens the life of a request stream once its response is stored, when asked to', async () => {
        const s = await store({ ttls: { eventStreamMs: 60_000 } });
        const session = uniqueId('session');
        const adapter = createEventStore(s, { scope: session, completedStreamTtlMs: 100 });
        const progress = await adapter.storeEvent('request-1', { jsonrpc: '2.0', method: 'notifications/progress' });
        const live = await adapter.storeEvent('_GET_stream', { jsonrpc: '2.0', method: 'notifications/message' });
        await adapter.storeEvent('request-1', { jsonrpc: '2.0', id: 7, result: {} });
        await sleep(150);
        await waitFor(async () => (await s.replayEventsAfter(progress)).gap, {
          timeoutMs: 5_000,
          what: 'the completed request stream to expire',
        });
        expect((await s.replayEventsAfter(live)).gap).toBe(false);
        await expectStoreError(s.appendEvent('x', {}, { ttlMs: -5 }), 'INVALID_ARGUMENT');
      });

      it('refuses ids of another session and malformed ids', async () => {
        const s = await store();
        const mine = createEventStore(s, { scope: uniqueId('session') });
        const theirs = createEventStore(s, { scope: uniqueId('session') });
        const foreign = await theirs.storeEvent('_GET_stream', { jsonrpc: '2.0', method: 'secret' });
        expect(await mine.getStreamIdForEventId(foreign)).toBeUndefined();
        expect(await mine.getStreamIdForEventId('not-an-id')).toBeUndefined();
        await expectStoreError(mine.replayEventsAfter(foreign, { send: async () => {} }), 'INVALID_EVENT_ID');
      });
    });

    describe('expiring sets', () => {
      it('adds, lists and removes members, seen by another replica', async () => {
        const [a, b] = [await store(), await store()];
        const set = uniqueId('set');
        expect(await a.getSetMembers(set)).toEqual([]);
        await a.addToSet(set, 'one');
        await b.addToSet(set, 'two');
        await a.addToSet(set, 'one'); // a refresh, not a second member
        expect((await b.getSetMembers(set)).sort()).toEqual(['one', 'two']);
        await b.removeFromSet(set, 'one');
        await b.removeFromSet(set, 'absent');
        expect(await a.getSetMembers(set)).toEqual(['two']);
        await a.removeFromSet(set, 'two');
        expect(await a.getSetMembers(set)).toEqual([]);
        expect(await a.getSetMembers(uniqueId('other-set'))).toEqual([]);
      });

      it('expires each member after its own TTL (default: the protocol-session idle TTL); a refresh restarts it', async () => {
        const ttl = 300;
        const s = await store({ ttls: { protocolSessionIdleMs: ttl } });
        const set = uniqueId('set');
        await s.addToSet(set, 'short');
        await s.addToSet(set, 'long', { ttlMs: 60_000 });
        await s.addToSet(set, 'refreshed');
        // Refresh well inside the TTL until more than one TTL has passed since the first add.
        const started = Date.now();
        for (let round = 0; round < 8 && Date.now() - started <= ttl; round += 1) {
          await sleep(ttl / 4);
          await s.addToSet(set, 'refreshed');
        }
        expect(Date.now() - started).toBeGreaterThan(ttl);
        await waitFor(async () => !(await s.getSetMembers(set)).includes('short'), {
          timeoutMs: 5_000,
          what: 'the unrefreshed member to expire',
        });
        expect((await s.getSetMembers(set)).sort()).toEqual(['long', 'refreshed']);
      });

      it('expires the whole set with its last member, and drops expired members on the next add', async () => {
        const s = await store();
        const [lonely, busy] = [uniqueId('set'), uniqueId('set')];
        await s.addToSet(lonely, 'm', { ttlMs: 100 });
        await s.addToSet(busy, 'stale', { ttlMs: 100 });
        await sleep(150);
        await s.addToSet(busy, 'fresh', { ttlMs: 60_000 });
        expect(await s.getSetMembers(lonely)).toEqual([]);
        expect(await s.getSetMembers(busy)).toEqual(['fresh']);
        // An expired set starts afresh.
        await s.addToSet(lonely, 'again', { ttlMs: 60_000 });
        expect(await s.getSetMembers(lonely)).toEqual(['again']);
      });

      it('rejects bad set ids, members and TTLs with INVALID_ARGUMENT', async () => {
        const s = await store();
        await expectStoreError(s.addToSet('', 'm'), 'INVALID_ARGUMENT');
        await expectStoreError(s.addToSet('set', 'a\nb'), 'INVALID_ARGUMENT');
        await expectStoreError(s.addToSet('set', 'm', { ttlMs: 0 }), 'INVALID_ARGUMENT');
        await expectStoreError(s.removeFromSet('x'.repeat(513), 'm'), 'INVALID_ARGUMENT');
        await expectStoreError(s.getSetMembers(''), 'INVALID_ARGUMENT');
      });
    });

    describe('validation and errors', () => {
      it('reports corrupt stored values as CORRUPT_VALUE, counted and passed to onError', async () => {
        const seen: SessionStoreError[] = [];
        const s = await store({ onError: (error) => seen.push(error) });
        await harness.writeRawString(`${prefix}app:broken`, '{not json');
        await harness.writeRawString(`${prefix}rec:authcode:broken`, '');
        await harness.writeRawString(`${prefix}token:broken`, '[1,2]');
        await harness.writeRawHash(`${prefix}session:broken`, { protocolVersion: '2025-11-25' });
        await harness.writeRawHash(`${prefix}session:badattr`, {
          transport: 'streamable-http',
          protocolVersion: '2025-11-25',
          clientCapabilities: '{}',
          createdAtMs: '1',
          lastSeenAtMs: '1',
          'a:x': '{oops',
        });
        await expectStoreError(s.getApplicationSession('broken'), 'CORRUPT_VALUE');
        await expectStoreError(s.takeRecord('authcode', 'broken'), 'CORRUPT_VALUE');
        await expectStoreError(s.getTokenMetadata('broken'), 'CORRUPT_VALUE');
        await expectStoreError(s.getProtocolSession('broken'), 'CORRUPT_VALUE');
        const error = await expectStoreError(s.getProtocolSession('badattr'), 'CORRUPT_VALUE');
        expect(error.message).toContain(`${prefix}session:badattr`);
        expect(s.errorCounts()).toMatchObject({ CORRUPT_VALUE: 5 });
        expect(seen.map((each) => each.code)).toEqual(Array(5).fill('CORRUPT_VALUE'));
      });

      it('reports every malformed field of a stored session as CORRUPT_VALUE naming it', async () => {
        const s = await store();
        const valid = {
          transport: 'streamable-http',
          protocolVersion: '2025-11-25',
          clientInfo: '{"name":"c","version":"1"}',
          clientCapabilities: '{}',
          createdAtMs: '1',
          lastSeenAtMs: '2',
        };
        const corruptions: Array<[string, Record<string, string>, string]> = [
          ['transport', { transport: 'websocket' }, 'transport'],
          ['version', { protocolVersion: '' }, 'protocolVersion'],
          ['caps', { clientCapabilities: '[1]' }, 'not a JSON object'],
          ['capsjson', { clientCapabilities: '{' }, 'not JSON'],
          ['info', { clientInfo: '"name"' }, 'not a JSON object'],
          ['created', { createdAtMs: '1e3' }, 'createdAtMs'],
          ['seen', { lastSeenAtMs: '-1' }, 'lastSeenAtMs'],
          ['holder', { holderReplicaId: 'r', holderStreamId: 's', holderSinceMs: 'soon' }, 'holderSinceMs'],
        ];
        for (const [id, change, reason] of corruptions) {
          await harness.writeRawHash(`${prefix}session:${id}`, { ...valid, ...change });
          const error = await expectStoreError(s.getProtocolSession(id), 'CORRUPT_VALUE');
          expect(error.message).toContain(`${prefix}session:${id}`);
          expect(error.message).toContain(reason);
        }
        const { createdAtMs: _missing, ...withoutCreated } = valid;
        await harness.writeRawHash(`${prefix}session:nocreated`, withoutCreated);
        await expectStoreError(s.getProtocolSession('nocreated'), 'CORRUPT_VALUE');
        await harness.writeRawHash(`${prefix}session:fine`, {
          ...valid,
          holderReplicaId: 'r',
          holderStreamId: 's',
          holderSinceMs: '3',
        });
        expect(await s.getProtocolSession('fine')).toMatchObject({
          transport: 'streamable-http',
          clientInfo: { name: 'c', version: '1' },
          clientCapabilities: {},
          createdAtMs: 1,
          lastSeenAtMs: 2,
          streamHolder: { replicaId: 'r', streamId: 's', sinceMs: 3 },
        });
      });

      it('rejects ids, namespaces, TTLs and values it cannot hold with INVALID_ARGUMENT', async () => {
        const s = await store();
        await expectStoreError(s.getProtocolSession(''), 'INVALID_ARGUMENT');
        await expectStoreError(s.getProtocolSession('a\r\nb'), 'INVALID_ARGUMENT');
        await expectStoreError(s.getProtocolSession('x'.repeat(513)), 'INVALID_ARGUMENT');
        await expectStoreError(s.createProtocolSession({ id: 'x', protocolVersion: '' }), 'INVALID_ARGUMENT');
        await expectStoreError(s.putRecord('auth:code', 'x', 1), 'INVALID_ARGUMENT');
        await expectStoreError(s.putRecord('authcode', 'x', 1, { ttlMs: 0 }), 'INVALID_ARGUMENT');
        await expectStoreError(s.putRecord('authcode', 'x', Number.NaN), 'INVALID_ARGUMENT');
        await expectStoreError(s.setApplicationSession('x', { f: () => 1 } as never), 'INVALID_ARGUMENT');
        await expectStoreError(s.setApplicationSession('x', undefined as never), 'INVALID_ARGUMENT');
        await expectStoreError(s.appendEvent('stream', [1] as never), 'INVALID_ARGUMENT');
        await expectStoreError(s.putTokenMetadata('jti', 'x' as never, Date.now() + 1_000), 'INVALID_ARGUMENT');
        await expectStoreError(s.revokeToken('jti', Number.NaN), 'INVALID_ARGUMENT');
        expect(await s.getRecord('authcode', 'x')).toBeUndefined();
      });

      it('answers ping while open and CLOSED after close', async () => {
        const s = await store();
        await s.ping();
        await s.close();
        await s.close();
        await expectStoreError(s.ping(), 'CLOSED');
        await expectStoreError(s.getProtocolSession('x'), 'CLOSED');
      });
    });
  });
}
