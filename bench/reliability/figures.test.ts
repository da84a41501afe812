// The figures of docs/RELIABILITY.md, at full size: `pnpm --filter @mcs/bench-reliability run figures`.
// Every scenario runs in order (one at a time: the machine is small), its figures are written to
// results/figures.json and results/figures.md, and then the invariants are asserted, so that a run that
// broke one still leaves its figures behind. Sizes: RELIABILITY_CLIENTS (64), RELIABILITY_SECONDS (20,
// per round; the two loads run three rounds each, memory measured after each, raw and after a full GC),
// RELIABILITY_FAULT_CLIENTS (16), RELIABILITY_FAULT_SECONDS (12).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startGatewayOverHttpStack } from './src/gateway-stack.js';
import { ensureAppsBuilt, Run } from './src/processes.js';
import { type Figures, renderMarkdown } from './src/report.js';
import { runGatewayFault } from './src/scenario-gateway-faults.js';
import { runGatewayLoadScenario } from './src/scenario-gateway-load.js';
import { type HttpFaultName, runHttpFaultOnNewStack } from './src/scenario-http-faults.js';
import { runHttpLoadScenario } from './src/scenario-http-load.js';
import { runModelFault } from './src/scenario-model-fault.js';
import { findSecrets, lineCount } from './src/secrets.js';

const clients = Number(process.env.RELIABILITY_CLIENTS ?? 64);
const seconds = Number(process.env.RELIABILITY_SECONDS ?? 20);
const faultClients = Number(process.env.RELIABILITY_FAULT_CLIENTS ?? 16);
const faultSeconds = Number(process.env.RELIABILITY_FAULT_SECONDS ?? 12);
const resultsDir = join(import.meta.dirname, 'results');

const secretsFound: Figures['secrets'] = { processes: 0, logLines: 0, secrets: 0, hits: [] };
/** Searches a run's logs before it is disposed (its folder goes with it). */
async function searchSecrets(run: Run, secrets: Map<string, string>) {
  const logs = await run.logs();
  secretsFound.processes += logs.size;
  secretsFound.logLines += lineCount(logs);
  secretsFound.secrets += secrets.size;
  secretsFound.hits.push(...findSecrets(logs, secrets).map(({ secret, file }) => ({ secret, file })));
}

it('reliability figures', async () => {
  ensureAppsBuilt();
  const machine: Figures['machine'] = {
    cpus: availableParallelism(),
    model: cpus()[0]?.model.trim() ?? 'unknown',
    loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
    node: process.version,
    redis: /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? 'unknown',
    date: `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  };

  let httpLoad: Figures['httpLoad'];
  {
    await using run = await Run.create('http-load');
    const result = await runHttpLoadScenario(run, {
      clients,
      durationMs: seconds * 1000,
      rounds: 3,
      // Longer than the worst latency on a loaded shared machine (p99 of 9 s seen at load 14): with 5 s,
      // clients slower than the TTL between two requests found their session expired.
      sessionTtlMs: 15_000,
      // Finished request streams stay 60 s in the event log (the resumption window).
      keysWaitMs: 90_000,
    });
    httpLoad = result.figures;
    await searchSecrets(run, result.stack.secrets);
  }

  let gatewayLoad: Figures['gatewayLoad'];
  {
    await using run = await Run.create('gateway-load');
    const result = await runGatewayLoadScenario(run, { clients, durationMs: seconds * 1000, rounds: 3 });
    gatewayLoad = result.figures;
    await searchSecrets(run, result.secrets);
  }

  const httpFaults: Figures['httpFaults'] = [];
  const faults: HttpFaultName[] = ['kill-replica', 'redis-restart-aof', 'redis-restart-no-persistence', 'redis-stall'];
  for (const fault of faults) {
    await using run = await Run.create(fault);
    const result = await runHttpFaultOnNewStack(run, fault, {
      clients: faultClients,
      durationMs: faultSeconds * 1000,
      witnesses: 16,
      outageMs: fault === 'redis-stall' ? 3_000 : 2_000,
    });
    httpFaults.push(result.figures);
    await searchSecrets(run, result.stack.secrets);
  }

  const gatewayFaults: Figures['gatewayFaults'] = [];
  {
    await using run = await Run.create('gateway-faults');
    const callTimeoutMs = 2_000;
    const target = await startGatewayOverHttpStack(run, { callTimeoutMs });
    for (const fault of ['kill-stdio-backend', 'stall-stdio-backend', 'stall-http-backend'] as const) {
      gatewayFaults.push(
        await runGatewayFault(target, fault, { clients: faultClients, durationMs: faultSeconds * 1000, callTimeoutMs }),
      );
    }
    await target.gateway.process.stop('SIGTERM', 15_000);
    await searchSecrets(run, target.secrets);
  }

  let modelFault: Figures['modelFault'];
  {
    await using run = await Run.create('model-fault');
    const result = await runModelFault(run, { clients: faultClients, durationMs: faultSeconds * 1000 });
    modelFault = result.figures;
    await searchSecrets(run, result.secrets);
  }

  const figures: Figures = {
    machine,
    httpLoad,
    gatewayLoad,
    httpFaults,
    gatewayFaults,
    modelFault,
    secrets: secretsFound,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'figures.md'), renderMarkdown(figures));

  // The invariants (after the figures are written).
  expect(httpLoad.failures).toEqual([]);
  expect(httpLoad.redisKeys.newWithoutTtl).toBe(0);
  expect(httpLoad.liveSessions.afterTtl).toBe(httpLoad.liveSessions.start);
  expect(httpLoad.leftAfterTtl.sessionKeys).toBe(0);
  expect(httpLoad.leftAfterTtl.otherKeys).toBe(0);
  expect(httpLoad.leftAfterTtl.withoutTtl).toBe(0);
  // Memory after a full GC is flat from the second round on (the first fills caches and JIT code):
  // the last round's heap in use stays within 25 % (+5 MB) of the second's, per replica. The
  // gateway's is reported, not asserted: it grew ~5 MB a round in the run of 2026-12-07 16:59
  // (docs/RELIABILITY.md, findings still open).
  const flat = (second: number, last: number) => last <= second * 1.25 + 5;
  httpLoad.afterGc.afterRound.at(-1)?.forEach((last, replica) => {
    const second = httpLoad.afterGc.afterRound[1]?.[replica];
    expect(second && flat(second.heapUsed, last.heapUsed), `replica ${replica} heap after GC`).toBe(true);
  });
  expect(gatewayLoad.failures).toEqual([]);
  // Every cancelled call's backend request was cancelled, unless the backend had answered first or
  // never got it.
  const { stdio, http } = gatewayLoad;
  expect(stdio.cancelsSeen + stdio.racedCompletion + stdio.notSent).toBe(stdio.cancelledCalls);
  expect(http.upstreamAborted + http.racedCompletion + http.notSent).toBe(http.cancelledCalls);
  expect(gatewayLoad.stdio.openAtBackend).toBe(0);
  expect(gatewayLoad.http.upstreamOpen).toBe(0);
  expect(gatewayLoad.inFlightAtEnd).toBe(0);
  expect(gatewayLoad.children.leftAfterStop).toBe(0);
  for (const fault of httpFaults) {
    expect(fault.unexpectedFailures, fault.fault).toEqual([]);
    // Every call in flight ends with an answer or an error, never only by the client's deadline.
    expect(fault.unansweredFailures, fault.fault).toEqual([]);
    if (fault.fault === 'redis-restart-no-persistence') expect(fault.witnessesLost, fault.fault).toBe(fault.witnesses);
    else expect(fault.witnessesLost, fault.fault).toBe(0);
  }
  for (const fault of gatewayFaults) {
    expect(fault.unexpectedFailures, fault.fault).toEqual([]);
    expect(fault.unansweredFailures, fault.fault).toEqual([]);
    expect(fault.orphanLeft, fault.fault).toBe(false);
  }
  expect(modelFault.unexpectedFailures).toEqual([]);
  expect(modelFault.unansweredFailures).toEqual([]);
  expect(modelFault.cliDuringOutage.exitCode).toBe(4);
  expect(modelFault.cliAfterRecovery.exitCode).toBe(0);
  expect(secretsFound.hits).toEqual([]);
});
