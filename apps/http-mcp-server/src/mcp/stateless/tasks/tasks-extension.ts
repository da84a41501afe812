import {
  type CallToolResult,
  type InputRequest,
  type InputRequiredResult,
  type McpServer,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import * as z from 'zod';
import { STOPPED, type TaskOutcome, type TaskState, type TaskStore } from './task-store.js';

/** The extension id a client declares under `clientCapabilities.extensions` (SEP-2663). */
export const TASKS_EXTENSION_ID = 'io.modelcontextprotocol/tasks';

export const DEFAULT_TASK_TTL_MS = 10 * 60_000;
export const DEFAULT_TASK_POLL_INTERVAL_MS = 500;

/** One step of a task: its result, or the input it waits for (keys chosen by the tool). */
export type TaskStep =
  | { readonly kind: 'result'; readonly result: CallToolResult }
  | { readonly kind: 'input'; readonly inputRequests: Record<string, InputRequest> };

/**
 * A tool that runs as a task when the request's client negotiated the tasks extension (the server
 * decides; the client sends no hint). `step` is re-entrant: it runs with every input response the
 * task received so far, on whichever replica received the last one, so nothing but the stored task
 * is needed between steps. Throwing fails the task (`failed`, the error inlined); a tool error is a
 * `result` with `isError` (`completed`).
 */
export interface TaskToolDefinition<Args extends Record<string, unknown> = Record<string, unknown>> {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: z.ZodType<Args>;
  /** `required`: without the extension the call is refused (-32021); `optional`: it runs synchronously. */
  readonly support: 'optional' | 'required';
  /**
   * Before a task exists: a multi-round-trip round gathering what the task needs (`ask`), or the
   * arguments the task runs with, completed by the answers (`args`).
   */
  gather?(args: Args, ctx: ServerContext): { readonly ask: InputRequiredResult } | { readonly args: Args };
  step(args: Args, inputs: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<TaskStep>;
}

export interface TasksRuntime {
  readonly store: TaskStore;
  readonly logger: Logger;
  readonly ttlMs?: number;
  readonly pollIntervalMs?: number;
}

function negotiated(server: McpServer): boolean {
  const extensions = (server.server.getClientCapabilities() as { extensions?: Record<string, unknown> } | undefined)
    ?.extensions;
  return extensions?.[TASKS_EXTENSION_ID] !== undefined;
}

function requireNegotiated(server: McpServer): void {
  if (!negotiated(server)) {
    throw new MissingRequiredClientCapabilityError(
      { requiredCapabilities: { extensions: { [TASKS_EXTENSION_ID]: {} } } },
      `This request needs the client capability extensions["${TASKS_EXTENSION_ID}"]`,
    );
  }
}

/** Who a task belongs to: the authenticated subject and client, or the session, or nobody (open). */
function ownerOf(ctx: ServerContext): string {
  const auth = ctx.http?.authInfo;
  const subject = typeof auth?.extra?.sub === 'string' ? auth.extra.sub : '';
  return [subject, auth?.clientId ?? '', ctx.sessionId ?? ''].join('\0');
}

function taskInfo(state: TaskState, outcome: TaskOutcome | undefined) {
  return {
    taskId: state.taskId,
    status: outcome?.status ?? state.status,
    createdAt: state.createdAt,
    lastUpdatedAt: outcome?.lastUpdatedAt ?? state.lastUpdatedAt,
    ttlMs: state.ttlMs,
    pollIntervalMs: state.pollIntervalMs,
  };
}

function stoppedError(): ProtocolError {
  return new ProtocolError(
    ProtocolErrorCode.InternalError,
    'The server replica running this task stopped; start it again',
  );
}

function unknownTask(taskId: string): ProtocolError {
  return new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown task: ${taskId.slice(0, 128)}`);
}

function errorOf(error: unknown): { code: number; message: string } {
  if (error instanceof ProtocolError) return { code: error.code, message: error.message.slice(0, 1024) };
  return {
    code: ProtocolErrorCode.InternalError,
    message: (error instanceof Error ? error.message : String(error)).slice(0, 1024),
  };
}

/**
 * Runs one step of `state` in the background and records what came of it: a result or a failure
 * settles the task (unless a cancellation settled it first), input requests park it.
 */
function runStep(definition: TaskToolDefinition, state: TaskState, runtime: TasksRuntime): void {
  const store = runtime.store;
  const controller = new AbortController();
  const done = (async () => {
    try {
      const step = await definition.step(state.args, state.inputs, controller.signal);
      if (controller.signal.aborted) throw controller.signal.reason;
      if (step.kind === 'result') {
        await store.finish(state, { status: 'completed', result: step.result as Record<string, unknown> });
      } else {
        const pending = Object.fromEntries(
          Object.entries(step.inputRequests).filter(([key]) => !(key in state.inputs)),
        );
        await store.update(state, { status: 'input_required', inputRequests: pending });
      }
    } catch (error) {
      // Cancelled: the cancellation is the outcome already. Stopped with the replica: say so.
      if (controller.signal.aborted && controller.signal.reason !== STOPPED) return;
      await store.finish(state, {
        status: 'failed',
        error: errorOf(controller.signal.aborted ? stoppedError() : error),
      });
    }
  })().catch((error: unknown) => runtime.logger.warn({ err: error, taskId: state.taskId }, 'task step not recorded'));
  store.track(state.taskId, controller, done);
}

/** The parts of the SDK's Protocol this module reaches into (see {@link refuseRequiredWithoutTasks}). */
interface RequestHandlerTable {
  _requestHandlers: Map<string, (request: { params?: { name?: unknown } }, ctx: ServerContext) => Promise<unknown>>;
}

/**
 * A `required` task tool called without the extension must be refused with the protocol error
 * -32021 (HTTP 400), but McpServer turns whatever a tool callback throws into a tool error result.
 * So the server's `tools/call` handler (McpServer's, already wrapped by the SDK's result and
 * input-required seams) is put behind a check of the tool name, in the SDK's handler table itself:
 * registering it again through `setRequestHandler` would wrap it a second time, and the second
 * input-required seam refuses the requestState the first one already verified. The table is a
 * private field of SDK 2.4's Protocol; the conformance test (`tasks-required-task-error`) notices
 * if a later SDK moves it.
 */
function refuseRequiredWithoutTasks(server: McpServer, required: ReadonlySet<string>): void {
  if (required.size === 0) return;
  const table = (server.server as unknown as RequestHandlerTable)._requestHandlers;
  const toolsCall = table?.get('tools/call');
  if (toolsCall === undefined) throw new Error('the tasks extension needs the SDK handler table (SDK 2.4)');
  table.set('tools/call', (request, ctx) => {
    const name = request.params?.name;
    if (typeof name === 'string' && required.has(name)) requireNegotiated(server);
    return toolsCall(request, ctx);
  });
}

// The store's id rules (1..512 characters, no control characters): anything else is invalid params.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const taskIdParams = z.looseObject({ taskId: z.string().regex(/^[^\u0000-\u001f\u007f]{1,512}$/u) });

/**
 * The tasks extension on one McpServer (SEP-2663, protocol revision 2026-07-28): `tools` are listed
 * and called like any tool; with the extension negotiated a call creates a task in the store and
 * answers the flat `CreateTaskResult` (`resultType: "task"`) once the task is stored, and
 * `tasks/get` (status, inlined `result` / `error` / `inputRequests`), `tasks/update` (input
 * responses) and `tasks/cancel` answer on any replica. Without the extension those methods are
 * refused with -32021 and `optional` tools run synchronously (input through input-required rounds).
 */
export function registerTaskTools(
  server: McpServer,
  tools: readonly TaskToolDefinition[],
  runtime: TasksRuntime,
): void {
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const ttlMs = runtime.ttlMs ?? DEFAULT_TASK_TTL_MS;
  const pollIntervalMs = runtime.pollIntervalMs ?? DEFAULT_TASK_POLL_INTERVAL_MS;

  for (const definition of tools) {
    server.registerTool(
      definition.name,
      { description: definition.description, inputSchema: definition.inputSchema as z.ZodObject },
      // biome-ignore lint/suspicious/noExplicitAny: CallToolResult, an input-required result or a CreateTaskResult
      async (args: Record<string, unknown>, ctx): Promise<any> => {
        if (!negotiated(server)) {
          if (definition.support === 'required') {
            // McpServer turns a thrown error into a tool error result; the message says what is missing.
            throw new Error(
              `${definition.name} runs as a task only: declare the client capability extensions["${TASKS_EXTENSION_ID}"]`,
            );
          }
          const gathered = definition.gather?.(args, ctx) ?? { args };
          if ('ask' in gathered) return gathered.ask;
          const step = await definition.step(gathered.args, ctx.mcpReq.inputResponses ?? {}, ctx.mcpReq.signal);
          return step.kind === 'result'
            ? step.result
            : { resultType: 'input_required', inputRequests: step.inputRequests };
        }
        const gathered = definition.gather?.(args, ctx) ?? { args };
        if ('ask' in gathered) return gathered.ask;
        // Durable before it is announced: a tasks/get right after this answer finds it, on any replica.
        const state = await runtime.store.create({
          owner: ownerOf(ctx),
          tool: definition.name,
          args: gathered.args,
          ttlMs,
          pollIntervalMs,
        });
        runStep(definition, state, runtime);
        return { resultType: 'task', ...taskInfo(state, undefined) };
      },
    );
  }

  refuseRequiredWithoutTasks(
    server,
    new Set(tools.filter((tool) => tool.support === 'required').map((tool) => tool.name)),
  );

  const load = async (taskId: string, ctx: ServerContext) => {
    const view = await runtime.store.get(taskId);
    if (view === undefined || view.state.owner !== ownerOf(ctx)) throw unknownTask(taskId);
    return view;
  };

  server.server.setRequestHandler('tasks/get', { params: taskIdParams }, async ({ taskId }, ctx) => {
    requireNegotiated(server);
    const { state, outcome } = await load(taskId, ctx);
    return {
      resultType: 'complete',
      ...taskInfo(state, outcome),
      ...(outcome === undefined && state.status === 'input_required'
        ? { inputRequests: state.inputRequests ?? {} }
        : {}),
      ...(outcome?.result !== undefined ? { result: outcome.result } : {}),
      ...(outcome?.error !== undefined ? { error: outcome.error } : {}),
    };
  });

  server.server.setRequestHandler('tasks/update', { params: taskIdParams }, async ({ taskId }, ctx) => {
    requireNegotiated(server);
    // The SDK lifts `inputResponses` out of the params (bare response objects only).
    const inputResponses = ctx.mcpReq.inputResponses ?? {};
    const { state, outcome } = await load(taskId, ctx);
    const definition = byName.get(state.tool);
    if (outcome !== undefined || state.status !== 'input_required' || definition === undefined) {
      return { resultType: 'complete' };
    }
    const pending = state.inputRequests ?? {};
    const answered = Object.fromEntries(Object.entries(inputResponses).filter(([key]) => key in pending));
    const inputs = { ...state.inputs, ...answered };
    const stillPending = Object.fromEntries(Object.entries(pending).filter(([key]) => !(key in answered)));
    if (Object.keys(stillPending).length > 0) {
      await runtime.store.update(state, { inputs, inputRequests: stillPending });
    } else {
      runStep(definition, await runtime.store.update(state, { status: 'working', inputs }), runtime);
    }
    return { resultType: 'complete' };
  });

  server.server.setRequestHandler('tasks/cancel', { params: taskIdParams }, async ({ taskId }, ctx) => {
    requireNegotiated(server);
    const { state, outcome } = await load(taskId, ctx);
    if (outcome === undefined && (await runtime.store.finish(state, { status: 'cancelled' }))) {
      // Running here: stop it now. Running on another replica: its late result loses to this outcome.
      runtime.store.abort(taskId);
    }
    return { resultType: 'complete' };
  });
}
