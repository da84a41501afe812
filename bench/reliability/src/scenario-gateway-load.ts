// Scenario "gateway load": N concurrent CallTool streams, half to server-everything over stdio
// (trigger-long-running-operation, progress every 0.5 s) and half to the http-mcp-server (`service`
// tool holding a slow upstream request), about half of them cancelled by the client at a random
// moment. Checked: every cancelled call's backend request was cancelled (stdio: the tap saw
// notifications/cancelled for it and the server never answered it; HTTP: the upstream request was
// aborted), no request left open at a backend, no call left in flight, no extra child process, and the
// gateway's memory at the end against the start.
import { status } from '@grpc/grpc-js';
import type { GatewayClient } from '@mcs/grpc-gateway';
import { type GatewayStack, startGatewayOverHttpStack, type UpstreamRequest } from './gateway-stack.js';
import { type MemoryMb, memoryAfterGc } from './inspector.js';
import { sample, scrape } from './metrics.js';
import { descendantsOf, isAlive, type Run, rssBytes, waitFor } from './processes.js';
import { failureKinds, type OpSummary, percentiles, Recorder, round } from './recorder.js';

export interface GatewayLoadFigures {
  clients: number;
  durationMs: number;
  calls: { completed: number; cancelled: number; failed: number };
  ops: Record<string, OpSummary>;
  failures: Array<{ op: string; message: string; count: number }>;
  /** Cancelled calls: the backend saw the cancellation, or had already answered when it came (raced),
   * or never got the request (cancelled before the gateway sent it). */
  stdio: {
    cancelledCalls: number;
    cancelsSeen: number;
    racedCompletion: number;
    notSent: number;
    answeredAfterCancel: number;
    openAtBackend: number;
  };
  http: {
    cancelledCalls: number;
    upstreamAborted: number;
    racedCompletion: number;
    notSent: number;
    upstreamOpen: number;
    cancelToAbortMs: { p50Ms: number; p99Ms: number; maxMs: number };
  };
  inFlightAtEnd: number;
  children: { start: number; end: number; leftAfterStop: number };
  rounds: number;
  rssMb: { start: number; afterRound: number[] };
  /** After two full GCs (through the inspector): at the start, after each round. */
  afterGc: { start: MemoryMb; afterRound: MemoryMb[] };
}

interface CallOutcome {
  kind: 'completed' | 'cancelled' | 'failed';
  message?: string;
}

/** Runs one CallTool stream to its end; `cancelAfterMs` aborts it from the client side. */
export async function runCall(
  client: GatewayClient,
  name: string,
  args: Record<string, unknown>,
  cancelAfterMs: number | undefined,
  timeoutMs: number,
  onCancel?: () => void,
): Promise<CallOutcome> {
  const controller = new AbortController();
  const timer =
    cancelAfterMs === undefined
      ? undefined
      : setTimeout(() => {
          onCancel?.();
          controller.abort();
        }, cancelAfterMs);
  try {
    let result = false;
    for await (const event of client.callTool(name, args, { signal: controller.signal, timeoutMs })) {
      if (event.event?.$case === 'result') result = !event.event.value.isError;
    }
    return result ? { kind: 'completed' } : { kind: 'failed', message: 'the call ended without a successful result' };
  } catch (error) {
    if ((error as { code?: number }).code === status.CANCELLED && controller.signal.aborted)
      return { kind: 'cancelled' };
    return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

export interface GatewayLoadOptions {
  clients: number;
  /** Per round. */
  durationMs: number;
  /** Rounds (default 1), the gateway's RSS measured after each. */
  rounds?: number;
  logLevel?: string;
}

export async function runGatewayLoadScenario(
  run: Run,
  options: GatewayLoadOptions,
): Promise<{ figures: GatewayLoadFigures; secrets: Map<string, string> }> {
  const { upstream, gateway, secrets } = await startGatewayOverHttpStack(
    run,
    options.logLevel ? { logLevel: options.logLevel } : {},
  );
  const figures = await driveGatewayLoad(gateway, upstream.requests, options);
  return { figures, secrets };
}

let callCounter = 0;

export async function driveGatewayLoad(
  gateway: GatewayStack,
  upstream: Map<string, UpstreamRequest>,
  options: GatewayLoadOptions,
): Promise<GatewayLoadFigures> {
  const client = gateway.client();
  // Warm-up: both backends' paths once, so the start figures are not a cold process.
  await runCall(client, 'everything.echo', { message: 'warm' }, undefined, 10_000);
  await runCall(client, 'mcs.service', { path: '/slow', query: { id: 'warm', ms: '10' } }, undefined, 10_000);
  const childrenStart = descendantsOf(gateway.process.pid);
  const rssStart = rssBytes(gateway.process.pid);
  const gcStart = await memoryAfterGc(gateway.process);

  const recorder = new Recorder();
  const cancelledStdio = new Map<number, number>(); // duration key -> cancel time
  const cancelledHttp = new Map<string, number>(); // upstream id -> cancel time
  const outcomes = { completed: 0, cancelled: 0, failed: 0 };
  const completedKeys = new Set<string>();
  let endAt = 0;
  const worker = async () => {
    while (Date.now() < endAt) {
      callCounter += 1;
      const n = callCounter;
      const stdio = Math.random() < 0.5;
      const cancelAfterMs = Math.random() < 0.5 ? 100 + Math.floor(Math.random() * 900) : undefined;
      // A per-call key the backend side can be matched by: the duration's tiny fraction (stdio), the id (HTTP).
      const durationKey = round(1.5 + (n % 100_000) / 1e7, 7);
      const id = `call-${n}`;
      const op = `${stdio ? 'stdio' : 'http'}_${cancelAfterMs === undefined ? 'call' : 'cancelled_call'}`;
      const outcome = await recorder
        .time(op, async () => {
          const result = stdio
            ? await runCall(
                client,
                'everything.trigger-long-running-operation',
                { duration: durationKey, steps: 3 },
                cancelAfterMs,
                15_000,
                () => cancelledStdio.set(durationKey, Date.now()),
              )
            : await runCall(
                client,
                'mcs.service',
                { path: '/slow', query: { id, ms: '1500' } },
                cancelAfterMs,
                15_000,
                () => cancelledHttp.set(id, Date.now()),
              );
          if (result.kind === 'failed') throw new Error(result.message);
          return result;
        })
        .catch(() => ({ kind: 'failed' as const }));
      outcomes[outcome.kind] += 1;
      if (outcome.kind === 'completed') {
        completedKeys.add(stdio ? String(durationKey) : id);
        cancelledStdio.delete(durationKey);
        cancelledHttp.delete(id);
      }
    }
  };
  // Rounds of the same load: RSS that keeps growing from one round's end to the next is a leak; RSS
  // that reaches the same level is the working set of that load.
  const rssAfterRound: number[] = [];
  const gcAfterRound: MemoryMb[] = [];
  for (let index = 0; index < (options.rounds ?? 1); index += 1) {
    endAt = Date.now() + options.durationMs;
    await Promise.all(Array.from({ length: options.clients }, () => worker()));
    rssAfterRound.push(round(rssBytes(gateway.process.pid) / 1024 / 1024));
    gcAfterRound.push(await memoryAfterGc(gateway.process));
  }

  // Let the last cancellations reach the backends, then compare both sides.
  const settle = async () => {
    const text = await scrape(gateway.metricsUrl);
    const inFlight = sample(text, 'mcs_grpc_gateway_calls_in_flight', { method: 'CallTool' });
    const open = [...upstream.values()].filter(
      (entry) => entry.abortedAt === undefined && entry.answeredAt === undefined,
    );
    return inFlight === 0 && open.length === 0;
  };
  await waitFor(settle, { timeoutMs: 10_000, what: 'calls and upstream requests to settle' }).catch(() => undefined);
  const tap = gateway.tap();
  const callsByKey = new Map<number, number | string>();
  for (const record of tap) {
    if (record.kind === 'call' && typeof record.args?.duration === 'number' && record.id !== undefined) {
      callsByKey.set(record.args.duration, record.id);
    }
  }
  const cancels = new Set(tap.filter((record) => record.kind === 'cancel').map((record) => record.id));
  const answered = new Set(tap.filter((record) => record.kind === 'response').map((record) => record.id));
  let cancelsSeen = 0;
  let answeredAfterCancel = 0;
  let racedStdio = 0;
  let racedHttp = 0;
  // Cancelled before the gateway sent the request on: there is nothing to cancel at the backend.
  let notSentStdio = 0;
  let notSentHttp = 0;
  for (const key of cancelledStdio.keys()) {
    const backendId = callsByKey.get(key);
    if (backendId === undefined) notSentStdio += 1;
    if (backendId !== undefined && cancels.has(backendId)) cancelsSeen += 1;
    else if (backendId !== undefined && answered.has(backendId)) racedStdio += 1;
    if (backendId !== undefined && cancels.has(backendId) && answered.has(backendId)) answeredAfterCancel += 1;
  }
  const openAtBackend = [...callsByKey.values()].filter((id) => !cancels.has(id) && !answered.has(id)).length;
  let upstreamAborted = 0;
  const cancelToAbort: number[] = [];
  for (const [id, cancelledAt] of cancelledHttp) {
    const entry = upstream.get(id);
    if (entry === undefined) notSentHttp += 1;
    if (entry?.abortedAt !== undefined) {
      upstreamAborted += 1;
      cancelToAbort.push(entry.abortedAt - cancelledAt);
    } else if (entry?.answeredAt !== undefined) racedHttp += 1;
  }
  const upstreamOpen = [...upstream.values()].filter(
    (entry) => entry.abortedAt === undefined && entry.answeredAt === undefined,
  ).length;
  const inFlightAtEnd = sample(await scrape(gateway.metricsUrl), 'mcs_grpc_gateway_calls_in_flight', {
    method: 'CallTool',
  });
  const childrenEnd = descendantsOf(gateway.process.pid);
  await gateway.process.stop('SIGTERM', 15_000);
  const leftAfterStop = [...childrenStart, ...childrenEnd].filter(isAlive).length;
  return {
    clients: options.clients,
    durationMs: options.durationMs,
    rounds: options.rounds ?? 1,
    calls: outcomes,
    ops: recorder.summary(),
    failures: failureKinds(recorder.failures),
    stdio: {
      cancelledCalls: cancelledStdio.size,
      cancelsSeen,
      racedCompletion: racedStdio,
      notSent: notSentStdio,
      answeredAfterCancel,
      openAtBackend,
    },
    http: {
      cancelledCalls: cancelledHttp.size,
      upstreamAborted,
      racedCompletion: racedHttp,
      notSent: notSentHttp,
      upstreamOpen,
      cancelToAbortMs: percentiles(cancelToAbort),
    },
    inFlightAtEnd,
    children: { start: childrenStart.length, end: childrenEnd.length, leftAfterStop },
    rssMb: { start: round(rssStart / 1024 / 1024), afterRound: rssAfterRound },
    afterGc: { start: gcStart, afterRound: gcAfterRound },
  };
}
