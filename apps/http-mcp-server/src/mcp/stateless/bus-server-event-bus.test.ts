import { createMessageBus, type JsonValue, type MessageBus } from '@mcs/session-store';
import { type RedisServerHandle, startRedisServer, waitFor } from '@mcs/test-utils';
import type { ServerEvent } from '@modelcontextprotocol/server';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BusServerEventBus } from './bus-server-event-bus.js';

const log = pino({ level: 'silent' });

describe('BusServerEventBus over two Redis connections (two replicas)', () => {
  let redis: RedisServerHandle;
  const buses: MessageBus[] = [];
  const eventBuses: BusServerEventBus[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await Promise.allSettled(eventBuses.splice(0).map((bus) => bus.stop()));
    await Promise.allSettled(buses.splice(0).map((bus) => bus.close()));
  });
  afterAll(async () => {
    await redis.stop();
  });

  async function replica(): Promise<{ bus: MessageBus; events: BusServerEventBus }> {
    const bus = createMessageBus({ redisUrl: redis.url });
    const events = new BusServerEventBus(bus, log);
    await events.start();
    buses.push(bus);
    eventBuses.push(events);
    return { bus, events };
  }

  it('delivers an event published on one replica to the listeners of the other', async () => {
    const [holder, publisher] = [await replica(), await replica()];
    const received: ServerEvent[] = [];
    holder.events.subscribe((event) => received.push(event));
    publisher.events.publish({ kind: 'resource_updated', uri: 'test://a', params: { _meta: { note: 'x' } } });
    await waitFor(() => received.length > 0, { what: 'the relayed event' });
    expect(received).toEqual([{ kind: 'resource_updated', uri: 'test://a', params: { _meta: { note: 'x' } } }]);
  });

  it('drops malformed payloads on the channel and keeps delivering the next valid event', async () => {
    const [holder, publisher] = [await replica(), await replica()];
    const received: ServerEvent[] = [];
    holder.events.subscribe((event) => received.push(event));
    const malformed: JsonValue[] = [
      { kind: 'resource_updated' },
      { kind: 'tools_changed' },
      'text',
      { kind: 'resource_updated', uri: '' },
    ];
    for (const junk of malformed) await publisher.bus.publish('server-events', junk);
    publisher.events.publish({ kind: 'prompts_list_changed' });
    await waitFor(() => received.length > 0, { what: 'the valid event after the malformed ones' });
    expect(received).toEqual([{ kind: 'prompts_list_changed' }]);
  });

  it('counts listeners; unsubscribing is idempotent and per subscription', async () => {
    const { events } = await replica();
    const listener = () => {};
    const first = events.subscribe(listener);
    const second = events.subscribe(listener);
    expect(events.listenerCount).toBe(2);
    first();
    first();
    expect(events.listenerCount).toBe(1);
    second();
    expect(events.listenerCount).toBe(0);
  });
});
