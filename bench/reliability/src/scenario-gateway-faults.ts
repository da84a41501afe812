// Faults of the gateway side, each injected while CallTool streams run on both backends: kill -9 of
// the stdio backend (server-everything), SIGSTOP of the stdio backend and of the HTTP backend (the
// http-mcp-server) for a few seconds. Every call in flight must end with a clear status before its
// deadline; the gateway must serve again by itself (no restart of the gateway), with no orphan process.
import type { GatewayOverHttpStack } from './gateway-stack.js';
import { descendantsOf, isAlive, waitFor } from './processes.js';
import { failureKinds, type OpSummary, Recorder } from './recorder.js';
import { runCall } from './scenario-gateway-load.js';
import { judge } from './scenario-http-faults.js';

export type GatewayFaultName = 'kill-stdio-backend' | 'stall-stdio-backend' | 'stall-http-backend';

export interface GatewayFaultFigures {
  fault: GatewayFaultName;
  clients: number;
  /** The backend's per-call inactivity timeout (`callTimeoutMs`) the stalled calls run into. */
  callTimeoutMs: number;
  outageMs: number;
  /** From the end of the fault (kill, SIGCONT) to the first successful call on that backend. */
  recoveryMs: number;
  operations: number;
  ops: Record<string, OpSummary>;
  clearFailures: Array<{ op: string; message: string; count: number }>;
  unansweredFailures: Array<{ op: string; message: string; count: number }>;
  unexpectedFailures: Array<{ op: string; message: string; count: number }>;
  /** Longest time a failed in-window call took to end. */
  longestFailedCallMs: number;
  /** kill: the killed pid is gone and the gateway has as many children as before. */
  orphanLeft: boolean;
  childrenBefore: number;
  childrenAfter: number;
}

export interface GatewayFaultOptions {
  clients: number;
  durationMs: number;
  outageMs?: number;
  logLevel?: string;
}

const CALL_DEADLINE_MS = 15_000;

export async function runGatewayFault(
  target: GatewayOverHttpStack,
  fault: GatewayFaultName,
  options: GatewayFaultOptions & { callTimeoutMs: number },
): Promise<GatewayFaultFigures> {
  const { gateway, stack } = target;
  const client = gateway.client();
  const recorder = new Recorder();
  const endAt = Date.now() + options.durationMs;
  const stdioCall = () =>
    runCall(
      client,
      'everything.trigger-long-running-operation',
      { duration: 1, steps: 4 },
      undefined,
      CALL_DEADLINE_MS,
    );
  const httpCall = () =>
    runCall(client, 'mcs.service', { path: '/slow', query: { ms: '800' } }, undefined, CALL_DEADLINE_MS);
  const worker = async () => {
    while (Date.now() < endAt) {
      const stdio = Math.random() < 0.5;
      await recorder
        .time(
          stdio ? 'stdio_call' : 'http_call',
          async () => {
            const outcome = await (stdio ? stdioCall() : httpCall());
            if (outcome.kind !== 'completed') throw new Error(outcome.message ?? outcome.kind);
          },
          CALL_DEADLINE_MS + 5_000,
        )
        .catch(() => undefined);
    }
  };
  const childrenBefore = descendantsOf(gateway.process.pid);
  const load = Promise.all(Array.from({ length: options.clients }, () => worker()));
  await waitFor(() => recorder.succeeded() >= 2, { timeoutMs: 30_000, what: 'calls to complete' });

  const outageMs = options.outageMs ?? 3_000;
  const faultAt = Date.now();
  let endedAt: number;
  let killedPid = -1;
  const stdioFault = fault !== 'stall-http-backend';
  if (fault === 'kill-stdio-backend') {
    killedPid = gateway.backendPid();
    process.kill(killedPid, 'SIGKILL');
    endedAt = Date.now();
  } else {
    const pid = fault === 'stall-stdio-backend' ? gateway.backendPid() : (stack.replicas[0]?.process.pid ?? -1);
    process.kill(pid, 'SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, outageMs));
    process.kill(pid, 'SIGCONT');
    endedAt = Date.now();
  }
  await waitFor(async () => (await (stdioFault ? stdioCall() : httpCall())).kind === 'completed', {
    timeoutMs: 30_000,
    intervalMs: 100,
    what: 'the backend to serve again',
  });
  const recoveredAt = Date.now();
  await load;
  await waitFor(() => descendantsOf(gateway.process.pid).length === childrenBefore.length, {
    timeoutMs: 10_000,
    what: 'the gateway to have its children back',
  }).catch(() => undefined);
  const childrenAfter = descendantsOf(gateway.process.pid);
  const verdict = judge(recorder.failures, faultAt, recoveredAt);
  const inWindow = [...verdict.clear, ...verdict.unanswered];
  return {
    fault,
    clients: options.clients,
    callTimeoutMs: options.callTimeoutMs,
    outageMs: endedAt - faultAt,
    recoveryMs: recoveredAt - endedAt,
    operations: recorder.succeeded(),
    ops: recorder.summary(),
    clearFailures: failureKinds(verdict.clear),
    unansweredFailures: failureKinds(verdict.unanswered),
    unexpectedFailures: failureKinds(verdict.unexpected),
    longestFailedCallMs: Math.max(0, ...inWindow.map((failure) => failure.at - failure.startedAt)),
    orphanLeft: killedPid > 0 && isAlive(killedPid),
    childrenBefore: childrenBefore.length,
    childrenAfter: childrenAfter.length,
  };
}
