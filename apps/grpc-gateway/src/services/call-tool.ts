import { type CallToolRequest, LogLevel, type ToolEvent } from '@mcs/protos';
import { quoteValue } from '@mcs/resilience';
import { contentBlockEvents, resultEvent, toolResultEvents } from '@mcs/transports/grpc';
import type { LoggingLevel } from '@modelcontextprotocol/client';
import type { Catalog, CatalogTool } from '../catalog/catalog.js';
import { describeFailure } from '../error-status.js';
import { GatewayError } from '../gateway-error.js';
import type { AccessControl } from '../interceptors/access-control.js';
import type { CallContext } from '../interceptors/call-context.js';
import { EventQueue } from './event-queue.js';
import { assertName } from './request-limits.js';

export interface CallToolDependencies {
  catalog: Catalog;
  access: AccessControl;
  chunkBytes: number;
  /** Inactivity timeout when neither the request nor the backend config sets one. */
  defaultTimeoutMs: number;
  /** Per-backend inactivity timeouts from the config. */
  backendTimeoutMs: ReadonlyMap<string, number>;
}

const logLevels: Record<LoggingLevel, LogLevel> = {
  debug: LogLevel.LOG_LEVEL_DEBUG,
  info: LogLevel.LOG_LEVEL_INFO,
  notice: LogLevel.LOG_LEVEL_NOTICE,
  warning: LogLevel.LOG_LEVEL_WARNING,
  error: LogLevel.LOG_LEVEL_ERROR,
  critical: LogLevel.LOG_LEVEL_CRITICAL,
  alert: LogLevel.LOG_LEVEL_ALERT,
  emergency: LogLevel.LOG_LEVEL_EMERGENCY,
};

const progressEvent = (progress: { progress: number; total?: number; message?: string }): ToolEvent => ({
  event: {
    $case: 'progress',
    value: {
      progress: progress.progress,
      message: progress.message ?? '',
      ...(progress.total === undefined ? {} : { total: progress.total }),
    },
  },
});

const logEvent = (log: { level: LoggingLevel; logger?: string; data: unknown }): ToolEvent => ({
  event: { $case: 'log', value: { level: logLevels[log.level], logger: log.logger ?? '', data: log.data } },
});

/**
 * Resolves, authorizes and validates a CallTool request before anything runs, so that these failures
 * end the RPC with a plain status (NOT_FOUND, PERMISSION_DENIED, INVALID_ARGUMENT) and no events.
 */
export function prepareToolCall(request: CallToolRequest, context: CallContext, deps: CallToolDependencies) {
  assertName('tool name', request.name);
  const header = context.metadata.get('mcp-tool');
  if (header.length > 0 && (header.length > 1 || String(header[0]) !== request.name)) {
    throw new GatewayError(
      'INVALID_ARGUMENT',
      `The "mcp-tool" metadata (${header.map((value) => quoteValue(String(value))).join(', ')}) does not match the requested tool ${quoteValue(request.name)}; send the same name in both or omit the header.`,
    );
  }
  const tool = deps.catalog.tool(request.name);
  if (tool === undefined) {
    const hint = request.name.includes('.') ? '' : ' Tool names are "<backend>.<tool>".';
    throw new GatewayError(
      'NOT_FOUND',
      `Unknown tool ${quoteValue(request.name)}.${hint} ListTools shows the tools you may call.`,
    );
  }
  deps.access.assertToolAllowed(context.principal, tool.name);
  context.tool = tool.name;
  context.backend = tool.backend;
  const args = request.arguments ?? {};
  const problem = tool.validateArguments?.(args);
  if (problem !== undefined) {
    throw new GatewayError('INVALID_ARGUMENT', `Arguments of "${tool.name}" break its input schema: ${problem}.`);
  }
  return { tool, args };
}

/**
 * Runs a prepared call and yields its events as they happen: progress and logs while it runs, then the
 * result's parts (through the one ToolEvent codec of @mcs/transports/grpc, large ones chunked), then `result`. A failure after the
 * start yields an `error` event and rethrows, so the RPC ends with the matching status.
 */
export async function* runToolCall(
  prepared: { tool: CatalogTool; args: Record<string, unknown> },
  request: CallToolRequest,
  context: CallContext,
  deps: CallToolDependencies,
): AsyncGenerator<ToolEvent> {
  try {
    if (prepared.tool.native) yield* runNative(prepared.tool, prepared.args, context, deps);
    else yield* runBackend(prepared.tool, prepared.args, request, context, deps);
  } catch (error) {
    const failure = describeFailure(error);
    yield {
      event: {
        $case: 'error',
        value: {
          code: failure.code,
          category: failure.category,
          message: failure.message,
          jsonrpcCode: failure.jsonRpcCode,
        },
      },
    };
    throw error;
  }
}

async function* runBackend(
  tool: CatalogTool,
  args: Record<string, unknown>,
  request: CallToolRequest,
  context: CallContext,
  deps: CallToolDependencies,
): AsyncGenerator<ToolEvent> {
  const connection = deps.catalog.connection(tool.backend);
  if (connection === undefined) throw new GatewayError('UNAVAILABLE', `Backend "${tool.backend}" is not configured.`);
  const timeoutMs = request.timeoutMs || deps.backendTimeoutMs.get(tool.backend) || deps.defaultTimeoutMs;
  const queue = new EventQueue<ToolEvent>();
  // MCP does not tie log messages to a request: a call sees the backend's logs sent while it runs.
  const stopLogs = connection.on('log', (log) => queue.push(logEvent(log)));
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown } | undefined;
  connection
    .callTool(tool.definition.name, args, {
      signal: context.signal,
      timeoutMs,
      resetTimeoutOnProgress: true,
      onProgress: (progress) => queue.push(progressEvent(progress)),
    })
    .then(
      (value) => {
        outcome = { ok: true, value };
      },
      (error: unknown) => {
        outcome = { ok: false, error };
      },
    )
    .finally(() => queue.close());
  try {
    yield* queue;
  } finally {
    stopLogs();
  }
  if (outcome === undefined || !outcome.ok) {
    const error = outcome?.error;
    const failure = describeFailure(error);
    if (failure.category === 'unavailable' || failure.category === 'timeout') {
      const timedOut = failure.category === 'timeout';
      const what = timedOut ? `sent nothing for ${timeoutMs} ms during` : 'failed during';
      throw new GatewayError(
        timedOut ? 'TIMEOUT' : 'UNAVAILABLE',
        `Backend "${tool.backend}" ${what} "${tool.name}": ${failure.message}`,
        { cause: error },
      );
    }
    throw error;
  }
  yield* toolResultEvents(outcome.value, deps.chunkBytes);
}

async function* runNative(
  tool: CatalogTool,
  args: Record<string, unknown>,
  context: CallContext,
  deps: CallToolDependencies,
): AsyncGenerator<ToolEvent> {
  const native = tool.native!;
  // A getter: the call's AbortSignal is only made for a tool that looks at it (echo does not).
  const run = native.run(args, {
    get signal() {
      return context.signal;
    },
    subject: context.principal?.subject,
  });
  let index = 0;
  while (true) {
    const step = await run.next();
    if (step.done) {
      const outcome = step.value;
      yield resultEvent(outcome?.isError ?? false, index, outcome?.structuredContent);
      return;
    }
    const item = step.value;
    if (item.kind === 'progress') yield progressEvent(item);
    else if (item.kind === 'log') yield logEvent(item);
    else {
      yield* contentBlockEvents(item.block, deps.chunkBytes, index);
      index++;
    }
  }
}
