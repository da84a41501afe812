import { createEventStore, createSessionStore } from '@mcs/session-store';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import Fastify from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { requestStreamEventStore } from './request-streams.js';
import { SessionRequestStream } from './session-request-stream.js';

const progress = (value: number) =>
  ({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 't', progress: value } }) as const;
const answer = { jsonrpc: '2.0', id: 7, result: { content: [] } } as const;

/** The event log of request 7's stream on replica1, over the in-memory store. */
function requestEventLog() {
  const events = createEventStore<JSONRPCMessage>(createSessionStore(), { scope: 'session-1' });
  const eventStore = requestStreamEventStore(events, {
    replicaId: 'replica1',
    requestIds: [7],
    log: pino({ level: 'silent' }),
    isSessionStream: () => false,
  });
  return { events, eventStore };
}

/**
 * One POST's stream on a real Fastify reply, with the in-memory event log; `script` drives it as
 * the lane would. Returns what the client read and the event store (to resume from).
 */
async function serve(protocolVersion: string, script: (stream: SessionRequestStream) => Promise<void>) {
  const { events, eventStore } = requestEventLog();
  let done = 0;
  const app = Fastify();
  apps.push(app);
  app.post('/', async (_request, reply) => {
    const stream = new SessionRequestStream(reply, {
      eventStore,
      protocolVersion,
      retryMs: 1000,
      keepAliveMs: 0,
      encodeRequestId: (id) => `routed-${String(id)}`,
      onDone: () => {
        done += 1;
      },
    });
    await stream.open();
    void script(stream);
    return reply;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  const response = await fetch(`http://127.0.0.1:${address.port}/`, { method: 'POST' });
  const text = await response.text();
  return { response, text, events, done: () => done };
}

const apps: Array<{ close(): Promise<unknown> }> = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

describe('SessionRequestStream', () => {
  it('writes the priming event (with retry) from 2025-11-25, then each stored event with its id, the answer last', async () => {
    const { response, text, done } = await serve('2025-11-25', async (stream) => {
      await stream.message(progress(1) as JSONRPCMessage);
      await stream.message({ jsonrpc: '2.0', id: 3, method: 'elicitation/create', params: {} } as JSONRPCMessage);
      await stream.answer(answer as JSONRPCMessage);
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames).toHaveLength(4);
    expect(frames[0]).toMatch(/^id: \S+\nretry: 1000\ndata: $/);
    expect(frames[1]).toMatch(/^event: message\nid: \S+\ndata: \{"jsonrpc":"2.0","method":"notifications\/progress"/);
    // A server-to-client request carries the routable id.
    expect(frames[2]).toContain('"id":"routed-3"');
    expect(frames[3]).toMatch(/^event: message\nid: \S+\ndata: \{"jsonrpc":"2.0","id":7,"result"/);
    expect(done()).toBe(1);
  });

  it('before 2025-11-25 starts with the resume-point event instead', async () => {
    const { text } = await serve('2025-06-18', (stream) => stream.answer(answer as JSONRPCMessage));
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames[0]).toMatch(/^id: \S+\nevent: resume-point\ndata: $/);
    expect(frames[1]).toContain('"id":7');
  });

  it('closed for polling: the HTTP stream ends, later events are still stored and replayed from the priming id', async () => {
    let finished!: () => void;
    const stored = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const { text, events, done } = await serve('2025-11-25', async (stream) => {
      await stream.message(progress(1) as JSONRPCMessage);
      stream.closeForPolling();
      await stream.message(progress(2) as JSONRPCMessage);
      await stream.answer(answer as JSONRPCMessage);
      finished();
    });
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames).toHaveLength(2);
    await stored;
    expect(done()).toBe(1);
    const primingId = /^id: (\S+)$/m.exec(frames[0] as string)?.[1] as string;
    const replayed: JSONRPCMessage[] = [];
    await events.replayEventsAfter(primingId, {
      send: async (_id, message) => {
        replayed.push(message);
      },
    });
    expect(replayed).toEqual([progress(1), progress(2), answer]);
  });

  it('an answer sent while the stream opens (the shutdown cut-off) is written after the first event, and ends the stream', async () => {
    const { events, eventStore: inner } = requestEventLog();
    // The priming event's store round trip is slow (Redis): it settles once the answer is stored.
    let primed!: () => void;
    const priming = new Promise<void>((resolve) => {
      primed = resolve;
    });
    const eventStore = {
      ...inner,
      storeEvent: async (streamId: string, message: JSONRPCMessage) => {
        if (Object.keys(message).length === 0) await priming;
        return inner.storeEvent(streamId, message);
      },
    };
    let endedByStream: boolean | undefined;
    let done = 0;
    const app = Fastify();
    apps.push(app);
    app.post('/', async (_request, reply) => {
      const stream = new SessionRequestStream(reply, {
        eventStore,
        protocolVersion: '2025-11-25',
        retryMs: 1000,
        keepAliveMs: 0,
        encodeRequestId: (id) => String(id),
        onDone: () => {
          done += 1;
        },
      });
      const opening = stream.open();
      const answered = stream.answer(answer as JSONRPCMessage);
      await events.storeEvent('other-stream', progress(0) as JSONRPCMessage);
      primed();
      await Promise.allSettled([opening, answered]);
      endedByStream = reply.raw.writableEnded;
      // Without the fix nothing ends the response: end it here so the client is not left waiting.
      if (!reply.raw.writableEnded) reply.raw.end();
      return reply;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };
    const text = await (await fetch(`http://127.0.0.1:${address.port}/`, { method: 'POST' })).text();
    expect(endedByStream).toBe(true);
    const frames = text.split('\n\n').filter(Boolean);
    expect(frames).toHaveLength(2);
    expect(frames[0]).toMatch(/^id: \S+\nretry: 1000\ndata: $/);
    expect(frames[1]).toMatch(/^event: message\nid: \S+\ndata: \{"jsonrpc":"2.0","id":7,"result"/);
    expect(done).toBe(1);
  });
});
