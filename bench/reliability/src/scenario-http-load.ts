// Scenario "HTTP load": N clients on two replicas and one Redis for a bounded time; then the
// replicas' memory and live-session gauge against the start, and Redis back to its baseline keys once
// the session TTL has passed.

import { startHttpLoad } from './http-load.js';
import { type HttpStack, startHttpStack } from './http-stack.js';
import { type MemoryMb, memoryAfterGc } from './inspector.js';
import { sample, scrape } from './metrics.js';
import { type Run, rssBytes, waitFor } from './processes.js';
import { failureKinds, type OpSummary, Recorder, round } from './recorder.js';

export interface HttpLoadFigures {
  clients: number;
  durationMs: number;
  sessionTtlMs: number;
  sessionsCompleted: number;
  operations: number;
  ops: Record<string, OpSummary>;
  failures: Array<{ op: string; message: string; count: number }>;
  rounds: number;
  /** Per replica: at the start, at the end of each round, after the TTL. */
  rssMb: { start: number[]; afterRound: number[][]; afterTtl: number[] };
  /** V8 heap in use per replica (`nodejs_heap_size_used_bytes`), same moments. */
  heapUsedMb: { start: number[]; afterRound: number[][]; afterTtl: number[] };
  /** Per replica after two full GCs (through the inspector), same moments: what is really held. */
  afterGc: { start: MemoryMb[]; afterRound: MemoryMb[][]; afterTtl: MemoryMb[] };
  liveSessions: { start: number; end: number; afterTtl: number };
  redisKeys: { baseline: number; end: number; newWithoutTtl: number; afterTtl: number; left: string[] };
  keysBackAfterMs: number | null;
  /** What was still there when the wait ended: it must all be expiring (the 60 s resumption window). */
  leftAfterTtl: { sessionKeys: number; eventLogKeys: number; otherKeys: number; maxTtlMs: number; withoutTtl: number };
}

export interface HttpLoadScenarioOptions {
  clients: number;
  durationMs: number;
  sessionTtlMs: number;
  /** How long to wait for Redis to return to its baseline after the load (the completed-stream
   * event logs are kept 60 s, so a full wait needs more than that). */
  keysWaitMs: number;
  logLevel?: string;
  /** Rounds of `durationMs` each (default 1), memory measured after each. */
  rounds?: number;
}

const mb = (bytes: number) => round(bytes / 1024 / 1024);

async function heapsMb(stack: HttpStack): Promise<number[]> {
  const heaps: number[] = [];
  for (const replica of stack.replicas) {
    heaps.push(mb(sample(await scrape(`${replica.origin}/metrics`), 'nodejs_heap_size_used_bytes')));
  }
  return heaps;
}

const replicasAfterGc = (stack: HttpStack) =>
  Promise.all(stack.replicas.map((replica) => memoryAfterGc(replica.process)));

async function liveSessions(stack: HttpStack): Promise<number> {
  let total = 0;
  for (const replica of stack.replicas) total += sample(await scrape(`${replica.origin}/metrics`), 'mcs_sessions');
  return total;
}

export async function runHttpLoadScenario(
  run: Run,
  options: HttpLoadScenarioOptions,
): Promise<{ figures: HttpLoadFigures; stack: HttpStack }> {
  const stack = await startHttpStack(run, {
    aof: true,
    sessionTtlMs: options.sessionTtlMs,
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  const tokens = await Promise.all(stack.users.map((user) => stack.token(user)));
  // Warm-up: every code path once, so that the start figures are not those of a cold process; then
  // its sessions expire, so that the gauge starts from zero.
  await startHttpLoad(stack, tokens, { clients: 2, durationMs: 500 }).done;
  await waitFor(async () => (await liveSessions(stack)) === 0, {
    timeoutMs: options.sessionTtlMs * 2 + 5_000,
    intervalMs: 250,
    what: 'the warm-up sessions to expire',
  });
  return { figures: await measureHttpLoad(stack, tokens, options), stack };
}

/** The load on a running stack, measured (the sessions' TTL is the stack's). */
export async function measureHttpLoad(
  stack: HttpStack,
  tokens: string[],
  options: HttpLoadScenarioOptions,
): Promise<HttpLoadFigures> {
  const baselineKeys = new Set(await stack.redis.keys());
  const rssStart = stack.replicas.map((replica) => mb(rssBytes(replica.process.pid)));
  const sessionsStart = await liveSessions(stack);

  const heapStart = await heapsMb(stack);
  const gcStart = await replicasAfterGc(stack);
  // Rounds of the same load: memory that keeps growing from one round's end to the next is a leak;
  // memory that reaches the same level is the working set of that load.
  const recorder = new Recorder();
  const rssAfterRound: number[][] = [];
  const heapAfterRound: number[][] = [];
  const gcAfterRound: MemoryMb[][] = [];
  for (let round = 0; round < (options.rounds ?? 1); round += 1) {
    await startHttpLoad(stack, tokens, { clients: options.clients, durationMs: options.durationMs }, recorder).done;
    rssAfterRound.push(stack.replicas.map((replica) => mb(rssBytes(replica.process.pid))));
    heapAfterRound.push(await heapsMb(stack));
    gcAfterRound.push(await replicasAfterGc(stack));
  }
  const load = { recorder };

  const sessionsEnd = await liveSessions(stack);
  const newKeys = (await stack.redis.keys()).filter((key) => !baselineKeys.has(key));
  const ttls = await stack.redis.command((redis) => Promise.all(newKeys.map((key) => redis.pttl(key))));
  const newWithoutTtl = ttls.filter((ttl) => ttl === -1).length;

  const waitStarted = Date.now();
  let keysBackAfterMs: number | null = null;
  let left: string[] = [];
  try {
    await waitFor(
      async () => {
        left = (await stack.redis.keys()).filter((key) => !baselineKeys.has(key));
        return left.length === 0;
      },
      { timeoutMs: options.keysWaitMs, intervalMs: 500, what: 'Redis keys back to baseline' },
    );
    keysBackAfterMs = Date.now() - waitStarted;
  } catch {
    // Reported as the keys left.
  }
  // The gauge drops a session once the TTL has passed since the replica last saw it.
  await waitFor(async () => (await liveSessions(stack)) === sessionsStart, {
    timeoutMs: Math.max(1_000, options.sessionTtlMs * 2 + 5_000 - (Date.now() - waitStarted)),
    intervalMs: 250,
    what: 'the live-session gauge back to its start',
  }).catch(() => undefined);
  const leftTtls = await stack.redis.command((redis) => Promise.all(left.map((key) => redis.pttl(key))));
  return {
    clients: options.clients,
    durationMs: options.durationMs,
    rounds: options.rounds ?? 1,
    sessionTtlMs: options.sessionTtlMs,
    sessionsCompleted: load.recorder.counters.get('sessions_completed') ?? 0,
    operations: load.recorder.succeeded(),
    ops: load.recorder.summary(),
    failures: failureKinds(load.recorder.failures),
    rssMb: {
      start: rssStart,
      afterRound: rssAfterRound,
      afterTtl: stack.replicas.map((replica) => mb(rssBytes(replica.process.pid))),
    },
    heapUsedMb: { start: heapStart, afterRound: heapAfterRound, afterTtl: await heapsMb(stack) },
    afterGc: { start: gcStart, afterRound: gcAfterRound, afterTtl: await replicasAfterGc(stack) },
    liveSessions: { start: sessionsStart, end: sessionsEnd, afterTtl: await liveSessions(stack) },
    redisKeys: {
      baseline: baselineKeys.size,
      end: baselineKeys.size + newKeys.length,
      newWithoutTtl,
      afterTtl: baselineKeys.size + left.length,
      left: [
        ...new Set(left.map((key) => key.replace(/[0-9a-f]{8}-[0-9a-f-]{27,}|[A-Za-z0-9_-]{20,}/g, '<id>'))),
      ].slice(0, 10),
    },
    keysBackAfterMs,
    leftAfterTtl: {
      sessionKeys: left.filter((key) => key.startsWith('mcs:session:')).length,
      eventLogKeys: left.filter((key) => key.startsWith('mcs:events:')).length,
      otherKeys: left.filter((key) => !key.startsWith('mcs:events:') && !key.startsWith('mcs:session:')).length,
      maxTtlMs: Math.max(-1, ...leftTtls),
      withoutTtl: leftTtls.filter((ttl) => ttl === -1).length,
    },
  };
}
