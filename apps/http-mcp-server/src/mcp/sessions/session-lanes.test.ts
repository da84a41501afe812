import { type JSONRPCMessage, McpServer } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import type { RestoredClient } from '../replicas/exchange-transport.js';
import { SessionLanes, type SessionRequestSink } from './session-lanes.js';

const CLIENT: RestoredClient = {
  protocolVersion: '2025-11-25',
  clientCapabilities: {},
  clientInfo: { name: 'lane-client', version: '1' },
};

/** A server with one tool that waits for `release()` before answering (to hold requests in flight). */
function serverFactory() {
  const built: McpServer[] = [];
  const waiting: Array<() => void> = [];
  const notified: number[] = [];
  const create = () => {
    const server = new McpServer({ name: 'test', version: '1.0.0' });
    server.registerTool('wait', { inputSchema: z.object({}) }, async () => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return { content: [{ type: 'text', text: 'done' }] };
    });
    server.registerTool('who', { inputSchema: z.object({}) }, async () => ({
      content: [{ type: 'text', text: server.server.getClientVersion()?.name ?? 'nobody' }],
    }));
    // Goes on after `release()` as a tool that ignores its signal does: a progress of its request, then the answer.
    server.registerTool('late', { inputSchema: z.object({}) }, async (_args, ctx) => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: 't', progress: 1 } });
      notified.push(1);
      return { content: [{ type: 'text', text: 'late' }] };
    });
    built.push(server);
    return server;
  };
  const release = () => {
    for (const resolve of waiting.splice(0)) resolve();
  };
  return { create, built, release, waiting, notified };
}

function collectingSink() {
  const answers: JSONRPCMessage[] = [];
  const sink: SessionRequestSink = {
    message: async () => undefined,
    answer: async (message) => {
      answers.push(message);
    },
  };
  return { sink, answers };
}

const call = (id: number | string, name: string) =>
  ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }) as const;

async function waitFor(check: () => boolean, attempts = 200): Promise<void> {
  for (let attempt = 0; attempt < attempts && !check(); attempt += 1) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
}

describe('SessionLanes', () => {
  it("serves a session's concurrent calls on one server restored from the session state, each with its own id back", async () => {
    const factory = serverFactory();
    const lanes = new SessionLanes(factory.create, { maxLanes: 8, idleTtlMs: 60_000 });
    const first = collectingSink();
    const second = collectingSink();
    const lane = await lanes.acquire('s1', 'state-a', CLIENT, () => undefined);
    // Both calls carry id 1 (clients may reuse ids across POSTs).
    lane.dispatch(call(1, 'wait'), first.sink);
    const again = await lanes.acquire('s1', 'state-a', CLIENT, () => undefined);
    expect(again).toBe(lane);
    again.dispatch(call(1, 'wait'), second.sink);
    await waitFor(() => factory.waiting.length === 2);
    expect(lane.inFlight).toBe(2);
    factory.release();
    await waitFor(() => first.answers.length === 1 && second.answers.length === 1);
    expect(first.answers[0]).toMatchObject({ id: 1, result: { content: [{ text: 'done' }] } });
    expect(second.answers[0]).toMatchObject({ id: 1, result: { content: [{ text: 'done' }] } });
    expect(factory.built).toHaveLength(1);

    // The handshake was replayed into the server: it knows its client.
    const who = collectingSink();
    lane.dispatch(call('w', 'who'), who.sink);
    await waitFor(() => who.answers.length === 1);
    expect(who.answers[0]).toMatchObject({ id: 'w', result: { content: [{ text: 'lane-client' }] } });
  });

  it('another session state means a new lane; the old one finishes its request, then closes', async () => {
    const factory = serverFactory();
    const lanes = new SessionLanes(factory.create, { maxLanes: 8, idleTtlMs: 60_000 });
    const old = await lanes.acquire('s1', 'state-a', CLIENT, () => undefined);
    const running = collectingSink();
    old.dispatch(call(1, 'wait'), running.sink);
    await waitFor(() => factory.waiting.length === 1);
    const changed = await lanes.acquire('s1', 'state-b', { ...CLIENT, logLevel: 'debug' }, () => undefined);
    expect(changed).not.toBe(old);
    expect(old.closed).toBe(false);
    factory.release();
    await waitFor(() => running.answers.length === 1 && old.closed);
    expect(changed.closed).toBe(false);
    expect(lanes.size).toBe(1);
  });

  it('is bounded: the least recently used lane goes first, and evict() drops a session at once', async () => {
    const factory = serverFactory();
    const lanes = new SessionLanes(factory.create, { maxLanes: 2, idleTtlMs: 60_000 });
    const a = await lanes.acquire('a', 'k', CLIENT, () => undefined);
    const b = await lanes.acquire('b', 'k', CLIENT, () => undefined);
    await lanes.acquire('a', 'k', CLIENT, () => undefined); // a is now the most recently used
    await lanes.acquire('c', 'k', CLIENT, () => undefined);
    await waitFor(() => b.closed);
    expect(a.closed).toBe(false);
    expect(lanes.size).toBe(2);
    lanes.evict('a');
    await waitFor(() => a.closed);
    expect(lanes.size).toBe(1);
    // A session whose lane went is served again by a new one.
    const again = await lanes.acquire('a', 'k', CLIENT, () => undefined);
    expect(again).not.toBe(a);
    expect(factory.built).toHaveLength(4);
  });

  it('closes a lane idle past the TTL without another lane being opened, and close() retires them all', async () => {
    const factory = serverFactory();
    const lanes = new SessionLanes(factory.create, { maxLanes: 8, idleTtlMs: 10 });
    const idle = await lanes.acquire('idle', 'k', CLIENT, () => undefined);
    // The sweep runs every second at the least: bounded wait of 3 s.
    await waitFor(() => idle.closed, 600);
    expect(lanes.size).toBe(0);
    const open = await lanes.acquire('open', 'k', CLIENT, () => undefined);
    lanes.close();
    await waitFor(() => open.closed);
    expect(lanes.size).toBe(0);
  });

  it('a cancelled call gets no answer and frees the lane', async () => {
    const factory = serverFactory();
    const lanes = new SessionLanes(factory.create, { maxLanes: 2, idleTtlMs: 60_000 });
    const lane = await lanes.acquire('s', 'k', CLIENT, () => undefined);
    const cancelled = collectingSink();
    const id = lane.dispatch(call(9, 'wait'), cancelled.sink);
    await waitFor(() => factory.waiting.length === 1);
    lane.cancel(id, {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 9, reason: 'user' },
    } as JSONRPCMessage);
    expect(lane.inFlight).toBe(0);
    factory.release();
    await new Promise((r) => setTimeout(r, 20));
    expect(cancelled.answers).toEqual([]);
  });

  it("a cancelled call's later messages go nowhere: not to the session's stream as unrelated ones", async () => {
    const factory = serverFactory();
    const lanes = new SessionLanes(factory.create, { maxLanes: 2, idleTtlMs: 60_000 });
    const unrelated: JSONRPCMessage[] = [];
    const lane = await lanes.acquire('s', 'k', CLIENT, (opened) => {
      opened.onUnrelated = (message) => unrelated.push(message);
    });
    const messages: JSONRPCMessage[] = [];
    const cancelled = collectingSink();
    const id = lane.dispatch(call(9, 'late'), { ...cancelled.sink, message: async (m) => void messages.push(m) });
    await waitFor(() => factory.waiting.length === 1);
    lane.cancel(id, {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 9, reason: 'user' },
    } as JSONRPCMessage);
    factory.release();
    await waitFor(() => factory.notified.length === 1);
    // The answer (dropped too) comes after the progress: once the lane is idle again, both are through.
    const after = collectingSink();
    lane.dispatch(call('w', 'who'), after.sink);
    await waitFor(() => after.answers.length === 1);
    expect(unrelated).toEqual([]);
    expect(messages).toEqual([]);
    expect(cancelled.answers).toEqual([]);
  });

  it('closes lanes idle past the TTL also while an older lane runs a long call', async () => {
    const factory = serverFactory();
    const lanes = new SessionLanes(factory.create, { maxLanes: 8, idleTtlMs: 10 });
    const busy = await lanes.acquire('busy', 'k', CLIENT, () => undefined);
    const running = collectingSink();
    busy.dispatch(call(1, 'wait'), running.sink);
    const idle = await lanes.acquire('idle', 'k', CLIENT, () => undefined);
    // The sweep runs every second at the least: bounded wait of 3 s.
    await waitFor(() => idle.closed, 600);
    expect(busy.closed).toBe(false);
    factory.release();
    await waitFor(() => running.answers.length === 1);
    lanes.close();
  });
  it("hands a call to the server's request entry, not through the transport's onmessage (answer schemas first)", async () => {
    const factory = serverFactory();
    const lanes = new SessionLanes(factory.create, { maxLanes: 8, idleTtlMs: 60_000 });
    const lane = await lanes.acquire('s1', 'k', CLIENT, () => undefined);
    const viaOnmessage: JSONRPCMessage[] = [];
    const protocolOnmessage = lane.onmessage;
    lane.onmessage = (message, extra) => {
      viaOnmessage.push(message);
      protocolOnmessage?.(message, extra);
    };
    const answered = collectingSink();
    lane.dispatch(call(7, 'who'), answered.sink);
    await waitFor(() => answered.answers.length === 1);
    expect(answered.answers[0]).toMatchObject({ id: 7, result: { content: [{ text: 'lane-client' }] } });
    expect(viaOnmessage).toEqual([]);
    // What is not a plain request still takes onmessage (the Protocol's own sorting).
    lane.deliver({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' } as JSONRPCMessage);
    expect(viaOnmessage).toHaveLength(1);
    lanes.close();
  });
});
