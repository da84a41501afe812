// Load on the replicas: N concurrent clients, each running sessions one after another until the time is
// up. A session (official SDK client, Streamable HTTP, the 2025 session protocol) does: initialize,
// tool calls with progress, an echo, a call whose response stream is dropped and resumed with
// Last-Event-ID on the OTHER replica, subscribe + a resource update delivered to the session, DELETE.
// Every request goes through a balancer that spreads requests over the live replicas round robin.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { HttpStack, Replica } from './http-stack.js';
import { Recorder } from './recorder.js';

/** Spreads requests over the replicas like an L7 balancer: round robin, and a refused connection is
 * retried on the next replica (nothing reached the dead one), which is then skipped for a while. */
export class Balancer {
  private next = 0;
  private readonly downUntil = new Map<number, number>();
  constructor(private readonly replicas: Replica[]) {}

  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    this.send(input, init, undefined);

  /** Sends to any live replica but `avoid` (an origin) when another is up. */
  async send(
    input: string | URL | Request,
    init: RequestInit | undefined,
    avoid: string | undefined,
  ): Promise<Response> {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    let lastError: unknown;
    for (let attempt = 0; attempt < this.replicas.length; attempt += 1) {
      const replica = this.pick(avoid);
      try {
        return await fetch(new URL(url.pathname + url.search, replica.origin), init);
      } catch (error) {
        lastError = error;
        if (!isRefused(error)) throw error;
        this.downUntil.set(replica.index, Date.now() + 1_000);
      }
    }
    throw lastError;
  }

  private pick(avoid: string | undefined): Replica {
    const now = Date.now();
    const up = this.replicas.filter((replica) => (this.downUntil.get(replica.index) ?? 0) <= now);
    const candidates = up.length > 0 ? up : this.replicas;
    const preferred = candidates.filter((replica) => replica.origin !== avoid);
    const pool = preferred.length > 0 ? preferred : candidates;
    this.next += 1;
    return pool[this.next % pool.length] as Replica;
  }
}

function isRefused(error: unknown): boolean {
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return code === 'ECONNREFUSED';
}

export interface SessionClient {
  client: Client;
  transport: StreamableHTTPClientTransport;
  updates: string[];
}

/** Opens a 2025 session through `fetchVia` (the balancer, or one replica) with the user's token. */
export async function openSession(
  stack: HttpStack,
  token: string,
  fetchVia: (input: string | URL | Request, init?: RequestInit) => Promise<Response>,
  name: string,
): Promise<SessionClient> {
  const client = new Client({ name, version: '1.0.0' });
  const updates: string[] = [];
  client.setNotificationHandler('notifications/resources/updated', (notification) => {
    updates.push(notification.params.uri);
  });
  const transport = new StreamableHTTPClientTransport(new URL(`${stack.publicUrl}/mcp`), {
    fetch: fetchVia,
    requestInit: { headers: { authorization: `Bearer ${token}` } },
    // A fault scenario counts every failure itself: no silent reconnect loops of the GET stream.
    reconnectionOptions: {
      maxReconnectionDelay: 1_000,
      initialReconnectionDelay: 200,
      reconnectionDelayGrowFactor: 1.5,
      maxRetries: 2,
    },
  });
  await client.connect(transport, { timeout: 10_000 });
  return { client, transport, updates };
}

const textOf = (result: unknown) =>
  ((result as { content?: Array<{ text?: string }> }).content ?? []).map((block) => block.text ?? '').join('');

/** A call with progress: the result and at least the first two progress notifications must arrive. */
export async function callWithProgress(session: SessionClient, timeoutMs = 10_000): Promise<void> {
  const progress: number[] = [];
  const result = await session.client.callTool(
    { name: 'test_tool_with_progress', arguments: {} },
    { onprogress: (update) => progress.push(update.progress), timeout: timeoutMs },
  );
  if (!textOf(result).includes('successfully')) throw new Error(`unexpected result: ${textOf(result).slice(0, 200)}`);
  // The SDK client may drop the last progress when it arrives together with the result.
  if (progress[0] !== 0 || progress[1] !== 50) throw new Error(`progress missing: ${JSON.stringify(progress)}`);
}

export async function callEcho(session: SessionClient, text: string, timeoutMs = 10_000): Promise<void> {
  const result = await session.client.callTool({ name: 'echo', arguments: { text } }, { timeout: timeoutMs });
  if (textOf(result) !== text) throw new Error(`echo answered ${JSON.stringify(textOf(result).slice(0, 100))}`);
}

let resumeCounter = 0;

/**
 * POSTs a call with progress, reads its stream up to the first event with an id, drops the connection
 * (not a cancellation: the call goes on and its events go to the shared event log), then GETs the
 * stream with `Last-Event-ID` from another replica: the rest, the result included, must arrive.
 */
export async function callDroppedAndResumed(
  stack: HttpStack,
  balancer: Balancer,
  session: SessionClient,
  token: string,
  timeoutMs = 10_000,
): Promise<void> {
  resumeCounter += 1;
  const id = `resume-${resumeCounter}`;
  const headers = {
    authorization: `Bearer ${token}`,
    'mcp-session-id': session.transport.sessionId ?? '',
    'mcp-protocol-version': session.transport.protocolVersion ?? '2025-11-25',
    accept: 'application/json, text/event-stream',
  };
  const url = `${stack.publicUrl}/mcp`;
  const first = new AbortController();
  const deadline = AbortSignal.timeout(timeoutMs);
  const posted = await balancer.send(
    url,
    {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id,
        method: 'tools/call',
        params: { name: 'test_tool_with_progress', arguments: {}, _meta: { progressToken: id } },
      }),
      signal: AbortSignal.any([first.signal, deadline]),
    },
    undefined,
  );
  if (posted.status !== 200 || posted.body === null) throw new Error(`POST tools/call answered ${posted.status}`);
  let lastEventId: string | undefined;
  for await (const event of sse(posted.body)) {
    if (event.id) {
      lastEventId = event.id;
      break;
    }
  }
  first.abort();
  if (lastEventId === undefined) throw new Error('the call stream carried no event id to resume from');
  const servedBy = new URL(posted.url).origin;
  const resumed = await balancer.send(
    url,
    { method: 'GET', headers: { ...headers, 'last-event-id': lastEventId }, signal: deadline },
    servedBy,
  );
  if (resumed.status !== 200 || resumed.body === null)
    throw new Error(`GET with Last-Event-ID answered ${resumed.status}`);
  try {
    for await (const event of sse(resumed.body)) {
      if (!event.data) continue;
      const message = JSON.parse(event.data) as { id?: string; result?: unknown; error?: { message?: string } };
      if (message.id !== id) continue;
      if (message.error) throw new Error(`resumed call failed: ${message.error.message}`);
      if (!textOf(message.result).includes('successfully')) throw new Error('resumed call: unexpected result');
      return;
    }
    throw new Error('the resumed stream ended without the result');
  } finally {
    await resumed.body.cancel().catch(() => undefined);
  }
}

async function* sse(body: ReadableStream<Uint8Array>) {
  const events = body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
  yield* events as unknown as AsyncIterable<{ id?: string; data: string; event?: string }>;
}

/** resources/subscribe, then a tool changes the resource: the update must reach the session. */
export async function subscribeAndUpdate(session: SessionClient, timeoutMs = 10_000): Promise<void> {
  const before = session.updates.length;
  await session.client.subscribeResource({ uri: 'test://watched-resource' }, { timeout: timeoutMs });
  await session.client.callTool({ name: 'test_watched_resource_update', arguments: {} }, { timeout: timeoutMs });
  const deadline = Date.now() + timeoutMs;
  while (session.updates.length === before) {
    if (Date.now() > deadline) throw new Error('resources/updated did not arrive');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface HttpLoadOptions {
  clients: number;
  durationMs: number;
  /** Per-operation timeout: an operation that takes longer counts as an error (a hang). */
  opTimeoutMs?: number;
}

export interface RunningLoad {
  readonly recorder: Recorder;
  /** Waits for every client to finish its current session (bounded by the op timeouts). */
  done: Promise<void>;
  stop(): void;
}

/** Starts the load; `tokens` are shared round robin by the clients. */
export function startHttpLoad(
  stack: HttpStack,
  tokens: string[],
  options: HttpLoadOptions,
  recorder = new Recorder(),
): RunningLoad {
  const balancer = new Balancer(stack.replicas);
  const endAt = Date.now() + options.durationMs;
  let stopped = false;
  const opTimeoutMs = options.opTimeoutMs ?? 15_000;
  const worker = async (index: number) => {
    const token = tokens[index % tokens.length] as string;
    let round = 0;
    while (!stopped && Date.now() < endAt) {
      round += 1;
      let session: SessionClient | undefined;
      try {
        session = await recorder.time('initialize', () =>
          openSession(stack, token, balancer.fetch, `load-${index}-${round}`),
        );
        const open = session;
        await recorder.time('call_progress', () => callWithProgress(open, opTimeoutMs));
        await recorder.time('call_echo', () => callEcho(open, `client ${index} round ${round}`, opTimeoutMs));
        await recorder.time('call_progress', () => callWithProgress(open, opTimeoutMs));
        await recorder.time('resume', () => callDroppedAndResumed(stack, balancer, open, token, opTimeoutMs));
        await recorder.time('subscribe_update', () => subscribeAndUpdate(open, opTimeoutMs));
        await recorder.time('delete', () => open.transport.terminateSession());
        recorder.count('sessions_completed');
      } catch {
        // Recorded by recorder.time; the next round opens a new session.
      } finally {
        await session?.client.close().catch(() => undefined);
      }
    }
  };
  const done = Promise.all(Array.from({ length: options.clients }, (_, index) => worker(index))).then(() => undefined);
  return {
    recorder,
    done,
    stop() {
      stopped = true;
    },
  };
}
