import { waitFor } from '@mcs/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import type { JsonValue, MessageBus, MessageBusOptions, SessionStoreError } from '../../src/index.js';
import { expectStoreError, uniqueId, uniquePrefix } from './helpers.js';

export interface MessageBusHarness {
  /** A new bus over the SAME backend as every other bus of this harness (two buses = two replicas). */
  create(options: MessageBusOptions): Promise<MessageBus>;
}

/** Collects what a handler receives. */
function recorder() {
  const received: Array<{ message: JsonValue; channel: string }> = [];
  return { received, handler: (message: JsonValue, channel: string) => received.push({ message, channel }) };
}

/** The one behavioural contract every `MessageBus` implementation must pass. */
export function describeMessageBusContract(name: string, harness: MessageBusHarness): void {
  describe(`MessageBus contract: ${name}`, () => {
    const open: MessageBus[] = [];
    let prefix = uniquePrefix();

    async function bus(options: Omit<MessageBusOptions, 'keyPrefix'> = {}): Promise<MessageBus> {
      const created = await harness.create({ keyPrefix: prefix, ...options });
      open.push(created);
      return created;
    }

    afterEach(async () => {
      await Promise.all(open.splice(0).map((each) => each.close()));
      prefix = uniquePrefix();
    });

    it('delivers JSON from one replica to subscribers on another, in order', async () => {
      const [a, b] = [await bus(), await bus()];
      const channel = uniqueId('replica');
      const { received, handler } = recorder();
      await a.subscribe(channel, handler);
      const messages: JsonValue[] = [{ jsonrpc: '2.0', method: 'notifications/progress' }, 'text', 42, null, [1]];
      for (const message of messages) expect(await b.publish(channel, message)).toBe(1);
      await waitFor(() => received.length === messages.length, { timeoutMs: 5_000, what: 'all messages' });
      expect(received).toEqual(messages.map((message) => ({ message, channel })));
    });

    it('publishes to nobody when nobody listens, and keeps channels apart', async () => {
      const [a, b] = [await bus(), await bus()];
      const { received, handler } = recorder();
      await a.subscribe('one', handler);
      expect(await b.publish('two', { x: 1 })).toBe(0);
      expect(await b.publish('one', { x: 2 })).toBe(1);
      await waitFor(() => received.length === 1, { timeoutMs: 5_000, what: 'the message on "one"' });
      expect(received).toEqual([{ message: { x: 2 }, channel: 'one' }]);
    });

    it('counts each subscribed replica once and releases a channel with its last handler', async () => {
      const [a, b, publisher] = [await bus(), await bus(), await bus()];
      const channel = uniqueId('stream');
      const first = recorder();
      const second = recorder();
      const third = recorder();
      const offFirst = await a.subscribe(channel, first.handler);
      const offSecond = await a.subscribe(channel, second.handler);
      const offThird = await b.subscribe(channel, third.handler);
      expect(await publisher.publish(channel, 'both')).toBe(2);
      await waitFor(() => first.received.length && second.received.length && third.received.length, {
        timeoutMs: 5_000,
        what: 'every handler',
      });
      await offFirst();
      await offFirst(); // idempotent
      expect(await publisher.publish(channel, 'after-first')).toBe(2);
      await waitFor(() => second.received.length === 2 && third.received.length === 2, {
        timeoutMs: 5_000,
        what: 'the remaining handlers',
      });
      expect(first.received).toHaveLength(1);
      await offSecond();
      await offThird();
      expect(await publisher.publish(channel, 'nobody')).toBe(0);
    });

    it('reports a throwing or rejecting handler and still runs the others', async () => {
      const seen: SessionStoreError[] = [];
      const a = await bus({ onError: (error) => seen.push(error) });
      const b = await bus();
      const channel = uniqueId('c');
      const { received, handler } = recorder();
      await a.subscribe(channel, () => {
        throw new Error('handler bug');
      });
      await a.subscribe(channel, async () => {
        throw new Error('async handler bug');
      });
      await a.subscribe(channel, handler);
      await b.publish(channel, 'x');
      await waitFor(() => received.length === 1 && seen.length === 2, { timeoutMs: 5_000, what: 'delivery' });
      expect(seen.map((error) => error.code)).toEqual(['HANDLER_FAILED', 'HANDLER_FAILED']);
      expect(a.errorCounts()).toMatchObject({ HANDLER_FAILED: 2 });
    });

    it('subscribes and unsubscribes consistently under rapid churn', async () => {
      const [a, b] = [await bus(), await bus()];
      const channel = uniqueId('churn');
      const offs = await Promise.all(Array.from({ length: 10 }, () => a.subscribe(channel, () => {})));
      await Promise.all(offs.map((off) => off()));
      expect(await b.publish(channel, 'gone')).toBe(0);
      const { received, handler } = recorder();
      await a.subscribe(channel, handler);
      expect(await b.publish(channel, 'back')).toBe(1);
      await waitFor(() => received.length === 1, { timeoutMs: 5_000, what: 'delivery after churn' });
    });

    it('rejects bad channels and non-JSON messages; CLOSED after close', async () => {
      const a = await bus();
      await expectStoreError(a.publish('', 1), 'INVALID_ARGUMENT');
      await expectStoreError(a.publish('bad\nchannel', 1), 'INVALID_ARGUMENT');
      await expectStoreError(a.publish('c', { big: 1n } as never), 'INVALID_ARGUMENT');
      await expectStoreError(a.subscribe('c', 'nope' as never), 'INVALID_ARGUMENT');
      await a.ping();
      const off = await a.subscribe('c', () => {});
      await a.close();
      await a.close();
      await off(); // releasing after close is harmless
      await expectStoreError(a.publish('c', 1), 'CLOSED');
      await expectStoreError(
        a.subscribe('c', () => {}),
        'CLOSED',
      );
      await expectStoreError(a.ping(), 'CLOSED');
      // A closed bus no longer counts as a receiver.
      const b = await bus();
      await waitFor(async () => (await b.publish('c', 1)) === 0, { timeoutMs: 5_000, what: 'the closed bus to go' });
    });
  });
}
