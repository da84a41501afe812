// The bounded part of bench/reliability in the test command: a small load on two http-mcp-server
// replicas (built, separate processes) with authorization on one real Redis (AOF on, as infra/
// configures it), kill -9 of a replica, kill -9 of Redis and its restart, then the secrets check over
// every log line those processes wrote (at debug level); kill -9 of the model endpoint under
// provider-sdk clients and mcs-chat. Figures at full size:
// `pnpm --filter @mcs/bench-reliability run figures` (docs/RELIABILITY.md).
import {
  ensureAppsBuilt,
  findSecrets,
  type HttpStack,
  lineCount,
  measureHttpLoad,
  Run,
  runHttpFault,
  runModelFault,
  startHttpStack,
} from '@mcs/bench-reliability';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SESSION_TTL_MS = 8_000;
let run: Run;
let stack: HttpStack;
let tokens: string[];

beforeAll(async () => {
  ensureAppsBuilt();
  run = await Run.create('test');
  stack = await startHttpStack(run, { aof: true, sessionTtlMs: SESSION_TTL_MS, logLevel: 'debug' });
  tokens = await Promise.all(stack.users.map((user) => stack.token(user)));
}, 120_000);

afterAll(async () => {
  await run?.[Symbol.asyncDispose]();
});

describe('two replicas on one Redis, authorization on', () => {
  it('load: every operation succeeds, nothing is left without an expiry, sessions expire after the TTL', async () => {
    const figures = await measureHttpLoad(stack, tokens, {
      clients: 4,
      durationMs: 3_000,
      sessionTtlMs: SESSION_TTL_MS,
      keysWaitMs: SESSION_TTL_MS + 3_000,
    });
    expect(figures.failures).toEqual([]);
    expect(figures.sessionsCompleted).toBeGreaterThan(0);
    for (const op of ['initialize', 'call_progress', 'call_echo', 'resume', 'subscribe_update', 'delete']) {
      expect(figures.ops[op]?.count, op).toBeGreaterThan(0);
    }
    expect(figures.redisKeys.newWithoutTtl).toBe(0);
    // After the idle TTL: no session record is left, nor anything else but event logs, and those
    // expire by themselves (finished request streams after 60 s; see docs/RELIABILITY.md for the
    // GET-stream logs).
    expect(figures.leftAfterTtl.sessionKeys).toBe(0);
    expect(figures.leftAfterTtl.otherKeys).toBe(0);
    expect(figures.leftAfterTtl.withoutTtl).toBe(0);
    expect(figures.liveSessions.afterTtl).toBe(figures.liveSessions.start);
  });

  it('kill -9 of one replica mid-traffic: its sessions go on on the other, only calls in flight on it fail, each with an answer', async () => {
    const figures = await runHttpFault(stack, tokens, 'kill-replica', {
      clients: 4,
      durationMs: 4_000,
      witnesses: 4,
      // A client deadline far beyond the server's (a resumed call learns its replica is gone within ~1-3 s).
      opTimeoutMs: 10_000,
    });
    expect(figures.witnessesServedAfter).toBe(4);
    expect(figures.unexpectedFailures).toEqual([]);
    // A call in flight on the killed replica, resumed on the other, gets an error answer (it used to
    // wait for one nobody would write, until the client's deadline).
    expect(figures.unansweredFailures).toEqual([]);
    expect(figures.recoveryMs).toBeLessThan(10_000);
  });

  it('kill -9 of Redis mid-traffic and a restart with its AOF: no session written before is lost, service resumes', async () => {
    const figures = await runHttpFault(stack, tokens, 'redis-restart-aof', {
      clients: 4,
      durationMs: 4_000,
      witnesses: 4,
      outageMs: 1_000,
      opTimeoutMs: 10_000,
    });
    expect(figures.witnessesLost).toBe(0);
    expect(figures.witnessesServedAfter).toBe(4);
    expect(figures.unexpectedFailures).toEqual([]);
    // A call in flight when Redis died gets its answer on its open stream, or an error: none hangs.
    expect(figures.unansweredFailures).toEqual([]);
    // The replicas were not restarted: they reconnected by themselves.
    expect(stack.replicas.every((replica) => replica.process.alive())).toBe(true);
    expect(figures.recoveryMs).toBeLessThan(15_000);
  });

  it('no password, key, token or Redis password appears in any log line of those processes', async () => {
    const logs = await run.logs();
    expect(lineCount(logs)).toBeGreaterThan(100);
    expect(stack.secrets.size).toBeGreaterThanOrEqual(6);
    expect(findSecrets(logs, stack.secrets)).toEqual([]);
  });
});

describe('the model endpoint (the scripted OpenAI-compatible model, its own process)', () => {
  it('kill -9 mid-traffic: turns in flight end with a clear error before their deadline, mcs-chat exits 4, both are served again', async () => {
    await using modelRun = await Run.create('test-model');
    const { figures, secrets } = await runModelFault(modelRun, { clients: 4, durationMs: 3_000 });
    expect(figures.unexpectedFailures).toEqual([]);
    expect(figures.unansweredFailures).toEqual([]);
    expect(figures.clearFailures.map((kind) => kind.message).join('\n')).toMatch(/model API failed/);
    expect(figures.longestFailedTurnMs).toBeLessThan(figures.turnDeadlineMs);
    expect(figures.cliDuringOutage).toMatchObject({ exitCode: 4, said: expect.stringContaining('[MODEL_FAILED]') });
    expect(figures.cliAfterRecovery).toMatchObject({ exitCode: 0, said: 'the answer' });
    expect(findSecrets(await modelRun.logs(), secrets)).toEqual([]);
  });
});
