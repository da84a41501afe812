// The figures as markdown tables (results/figures.md; docs/RELIABILITY.md quotes them).
import type { MemoryMb } from './inspector.js';
import type { OpSummary } from './recorder.js';
import type { GatewayFaultFigures } from './scenario-gateway-faults.js';
import type { GatewayLoadFigures } from './scenario-gateway-load.js';
import type { HttpFaultFigures } from './scenario-http-faults.js';
import type { HttpLoadFigures } from './scenario-http-load.js';
import type { ModelFaultFigures } from './scenario-model-fault.js';

export interface Figures {
  machine: { cpus: number; model: string; loadAverage: number[]; node: string; redis: string; date: string };
  httpLoad: HttpLoadFigures;
  gatewayLoad: GatewayLoadFigures;
  httpFaults: HttpFaultFigures[];
  gatewayFaults: GatewayFaultFigures[];
  modelFault: ModelFaultFigures;
  secrets: { processes: number; logLines: number; secrets: number; hits: Array<{ secret: string; file: string }> };
}

const table = (header: string[], rows: Array<Array<string | number>>) =>
  [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');

const opsTable = (ops: Record<string, OpSummary>) =>
  table(
    ['operation', 'count', 'p50 ms', 'p99 ms', 'max ms'],
    Object.entries(ops).map(([op, summary]) => [op, summary.count, summary.p50Ms, summary.p99Ms, summary.maxMs]),
  );

const kinds = (list: Array<{ op: string; message: string; count: number }>) =>
  list.length === 0
    ? 'none'
    : list.map((kind) => `${kind.count}x ${kind.op}: ${kind.message.slice(0, 160)}`).join('<br>');

const cell = (text: string) => text.replaceAll('|', '\\|');
const gcCell = (memory: MemoryMb) => `${memory.rss}/${memory.heapUsed}/${memory.external}`;

export function renderMarkdown(figures: Figures): string {
  const { machine, httpLoad, gatewayLoad } = figures;
  const sections = [
    `Machine: ${machine.cpus} cores (${machine.model}), load average at the start ${machine.loadAverage.join(' / ')} (shared with other work), Node ${machine.node}, Redis ${machine.redis}, ${machine.date}.`,
    `### HTTP load: ${httpLoad.clients} clients, ${httpLoad.durationMs / 1000} s, two replicas, one Redis (AOF), session TTL ${httpLoad.sessionTtlMs / 1000} s`,
    opsTable(httpLoad.ops),
    table(
      ['figure', 'value'],
      [
        ['sessions completed (initialize .. DELETE)', httpLoad.sessionsCompleted],
        ['operations succeeded', httpLoad.operations],
        ['failures', cell(kinds(httpLoad.failures))],
        [
          `RSS per replica, MB: start / after each of ${httpLoad.rounds} rounds / after TTL`,
          [httpLoad.rssMb.start, ...httpLoad.rssMb.afterRound, httpLoad.rssMb.afterTtl]
            .map((mb) => mb.join(', '))
            .join(' / '),
        ],
        [
          `V8 heap used per replica, MB: start / after each of ${httpLoad.rounds} rounds / after TTL`,
          [httpLoad.heapUsedMb.start, ...httpLoad.heapUsedMb.afterRound, httpLoad.heapUsedMb.afterTtl]
            .map((mb) => mb.join(', '))
            .join(' / '),
        ],
        [
          `after a full GC, per replica, MB RSS / heap used / external: start / after each of ${httpLoad.rounds} rounds / after TTL`,
          [httpLoad.afterGc.start, ...httpLoad.afterGc.afterRound, httpLoad.afterGc.afterTtl]
            .map((replicas) => replicas.map(gcCell).join(', '))
            .join(' / '),
        ],
        [
          'live-session gauge (sum of `mcs_sessions`): start / end / after TTL',
          `${httpLoad.liveSessions.start} / ${httpLoad.liveSessions.end} / ${httpLoad.liveSessions.afterTtl}`,
        ],
        [
          'Redis keys: baseline / at the end / after the wait',
          `${httpLoad.redisKeys.baseline} / ${httpLoad.redisKeys.end} / ${httpLoad.redisKeys.afterTtl}`,
        ],
        ['new keys without an expiry', httpLoad.redisKeys.newWithoutTtl],
        [
          'back to baseline after',
          httpLoad.keysBackAfterMs === null
            ? 'not within the wait'
            : `${Math.round(httpLoad.keysBackAfterMs / 1000)} s`,
        ],
      ],
    ),
    `### Gateway load: ${gatewayLoad.clients} concurrent CallTool streams, ${gatewayLoad.durationMs / 1000} s, stdio (server-everything) and HTTP (http-mcp-server) backends, about half cancelled at a random moment`,
    opsTable(gatewayLoad.ops),
    table(
      ['figure', 'value'],
      [
        [
          'calls completed / cancelled by the client / failed',
          `${gatewayLoad.calls.completed} / ${gatewayLoad.calls.cancelled} / ${gatewayLoad.calls.failed}`,
        ],
        ['failures', cell(kinds(gatewayLoad.failures))],
        [
          'stdio: cancelled calls / `notifications/cancelled` seen by the backend / the backend had answered first / never sent to it / answered after the cancel',
          `${gatewayLoad.stdio.cancelledCalls} / ${gatewayLoad.stdio.cancelsSeen} / ${gatewayLoad.stdio.racedCompletion} / ${gatewayLoad.stdio.notSent} / ${gatewayLoad.stdio.answeredAfterCancel}`,
        ],
        ['stdio: backend requests neither answered nor cancelled', gatewayLoad.stdio.openAtBackend],
        [
          'HTTP: cancelled calls / upstream requests aborted / the upstream had answered first / never sent to it / left open',
          `${gatewayLoad.http.cancelledCalls} / ${gatewayLoad.http.upstreamAborted} / ${gatewayLoad.http.racedCompletion} / ${gatewayLoad.http.notSent} / ${gatewayLoad.http.upstreamOpen}`,
        ],
        [
          'HTTP: client cancel to upstream abort, p50 / p99 / max ms',
          `${gatewayLoad.http.cancelToAbortMs.p50Ms} / ${gatewayLoad.http.cancelToAbortMs.p99Ms} / ${gatewayLoad.http.cancelToAbortMs.maxMs}`,
        ],
        ['calls in flight at the end (`mcs_grpc_gateway_calls_in_flight`)', gatewayLoad.inFlightAtEnd],
        [
          'gateway children: start / end / alive after its SIGTERM',
          `${gatewayLoad.children.start} / ${gatewayLoad.children.end} / ${gatewayLoad.children.leftAfterStop}`,
        ],
        [
          `gateway RSS, MB: start / after each of ${gatewayLoad.rounds} rounds`,
          [gatewayLoad.rssMb.start, ...gatewayLoad.rssMb.afterRound].join(' / '),
        ],
        [
          `gateway after a full GC, MB RSS / heap used / external: start / after each of ${gatewayLoad.rounds} rounds`,
          [gatewayLoad.afterGc.start, ...gatewayLoad.afterGc.afterRound].map(gcCell).join(' / '),
        ],
      ],
    ),
    '### Faults of the HTTP side (each on a fresh stack, mid-traffic)',
    table(
      [
        'fault',
        'clients',
        'outage ms',
        'recovery ms',
        'witness sessions served after / lost',
        'failed with a clear error (in flight)',
        'ended only by the client deadline',
        'unexpected',
        'notifications lost',
      ],
      figures.httpFaults.map((fault) => [
        fault.fault,
        fault.clients,
        fault.outageMs,
        fault.recoveryMs,
        `${fault.witnessesServedAfter}/${fault.witnesses} served, ${fault.witnessesLost} lost${fault.witnessLossMessages.length ? ` (${cell(fault.witnessLossMessages.join('; ').slice(0, 160))})` : ''}`,
        cell(kinds(fault.clearFailures)),
        cell(kinds(fault.unansweredFailures)),
        cell(kinds(fault.unexpectedFailures)),
        fault.lostNotifications,
      ]),
    ),
    '### Faults of the gateway side (one stack, mid-traffic)',
    table(
      [
        'fault',
        'clients',
        'callTimeoutMs',
        'outage ms',
        'recovery ms',
        'longest failed call ms',
        'failed with a clear status (in flight)',
        'ended only by the client deadline',
        'unexpected',
        'orphan / children before, after',
      ],
      figures.gatewayFaults.map((fault) => [
        fault.fault,
        fault.clients,
        fault.callTimeoutMs,
        fault.outageMs,
        fault.recoveryMs,
        fault.longestFailedCallMs,
        cell(kinds(fault.clearFailures)),
        cell(kinds(fault.unansweredFailures)),
        cell(kinds(fault.unexpectedFailures)),
        `${fault.orphanLeft ? 'orphan left' : 'none'} / ${fault.childrenBefore}, ${fault.childrenAfter}`,
      ]),
    ),
    '### Fault of the model endpoint (provider-sdk clients and mcs-chat against the scripted model, killed -9 mid-traffic)',
    table(
      [
        'fault',
        'clients',
        'turn deadline ms',
        'outage ms',
        'recovery ms',
        'longest failed turn ms',
        'failed with a clear error (in flight)',
        'ended only by the client deadline',
        'unexpected',
        '`mcs-chat -p` while down: exit code, ms, last line',
        '`mcs-chat -p` after: exit code, ms',
      ],
      [figures.modelFault].map((fault) => [
        fault.fault,
        fault.clients,
        fault.turnDeadlineMs,
        fault.outageMs,
        fault.recoveryMs,
        fault.longestFailedTurnMs,
        cell(kinds(fault.clearFailures)),
        cell(kinds(fault.unansweredFailures)),
        cell(kinds(fault.unexpectedFailures)),
        cell(
          `${fault.cliDuringOutage.exitCode}, ${fault.cliDuringOutage.ms}, ${fault.cliDuringOutage.said.slice(0, 200)}`,
        ),
        `${fault.cliAfterRecovery.exitCode}, ${fault.cliAfterRecovery.ms}`,
      ]),
    ),
    opsTable(figures.modelFault.ops),
    '### Secrets',
    table(
      ['processes whose logs were searched', 'log lines', 'secrets searched', 'found'],
      [
        [
          figures.secrets.processes,
          figures.secrets.logLines,
          figures.secrets.secrets,
          figures.secrets.hits.length === 0
            ? 'none'
            : cell(figures.secrets.hits.map((hit) => `${hit.secret} in ${hit.file}`).join('; ')),
        ],
      ],
    ),
  ];
  return `${sections.join('\n\n')}\n`;
}
