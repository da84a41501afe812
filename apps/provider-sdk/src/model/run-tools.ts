import type { McpClientPool } from '../mcp-client-pool.js';
import { ProviderError } from '../provider-error.js';
import type { ToolCallPart, ToolErrorPart, ToolProgressPart, ToolResultPart, ToolRetryPart } from '../stream-part.js';
import { toolMessageContent } from '../tool-message.js';
import { providerFailure } from './provider-failure.js';

/** The model's arguments text as an object, or why it is not one (sent back to the model). */
export function parseToolArguments(text: string): { args: Record<string, unknown>; error?: string } {
  if (text.trim() === '') return { args: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return { args: value as Record<string, unknown> };
    return { args: {}, error: `must be a JSON object, got: ${text}` };
  } catch (error) {
    return { args: {}, error: `are not valid JSON (${(error as Error).message}): ${text}` };
  }
}

/** A tool call to run: its part, and why its arguments could not be used (then it is not run). */
export interface PendingToolCall {
  part: ToolCallPart;
  argumentsError: string | undefined;
}

type RunningPart = ToolProgressPart | ToolRetryPart | ToolErrorPart;

/** Runs `fn` in the context of the tool call's span (observability). */
type Within = <T>(fn: () => T, toolCallId: string) => T;

/** The fields every part of one call repeats: step, id, names, backend and transport. */
function callFields({ step, id, name, backend, transport }: ToolCallPart) {
  return {
    step,
    id,
    name,
    ...(backend === undefined ? {} : { backend }),
    ...(transport === undefined ? {} : { transport }),
  };
}

async function runTool(
  pool: McpClientPool | undefined,
  { part: call, argumentsError }: PendingToolCall,
  signal: AbortSignal,
  report: (part: RunningPart) => void,
  within: Within,
): Promise<ToolResultPart> {
  const base = { type: 'tool-result' as const, ...callFields(call) };
  const failed = (error: ProviderError): ToolResultPart => {
    report({ type: 'tool-error', ...callFields(call), error });
    return { ...base, isError: true, parts: [], content: `Error: ${error.message}`, error };
  };
  if (argumentsError !== undefined) {
    return failed(
      new ProviderError('TOOL_ARGUMENTS_INVALID', `the arguments of ${call.modelToolName} ${argumentsError}`),
    );
  }
  if (!pool) return failed(new ProviderError('UNKNOWN_BACKEND', `no MCP pool is configured for tool ${call.name}`));
  // Only what this request offered runs: a name the model made up, or a pool tool the request's
  // `tools` left out (named the pool's way, `<backend>.<tool>`), must not reach a backend.
  if (call.backend === undefined) {
    return failed(
      new ProviderError(
        'UNKNOWN_BACKEND',
        `"${call.modelToolName}" is not one of the tools offered to the model in this request; call one of those`,
      ),
    );
  }
  try {
    // In the call's span context: what the pool and its transport do for it nests under the span.
    const result = await within(
      () =>
        pool.callTool(call.name, call.args, {
          signal,
          onProgress: (update) => report({ type: 'tool-progress', ...callFields(call), ...update }),
          onRetry: ({ attempt, delayMs, error }) =>
            report({
              type: 'retry',
              target: 'tool',
              ...callFields(call),
              backend: error.backend ?? call.backend ?? '',
              attempt,
              delayMs,
              category: error.category,
              error,
            }),
        }),
      call.id,
    );
    return { ...base, isError: result.isError, parts: result.parts, content: toolMessageContent(result.parts) };
  } catch (error) {
    // A cancelled request stops the loop; any other failure is the model's to handle.
    if (signal.aborted) throw error;
    return failed(providerFailure(error, signal));
  }
}

/**
 * Runs one step's tool calls at once and yields their progress, retries and failures as they come,
 * then returns their results in the order the model asked for them.
 */
export async function* runTools(
  pool: McpClientPool | undefined,
  calls: PendingToolCall[],
  signal: AbortSignal,
  within: Within = (fn) => fn(),
): AsyncGenerator<RunningPart, ToolResultPart[], undefined> {
  const queue: RunningPart[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const running = Promise.all(
    calls.map((call) =>
      runTool(
        pool,
        call,
        signal,
        (part) => {
          queue.push(part);
          notify();
        },
        within,
      ),
    ),
  );
  const settle = () => {
    done = true;
    notify();
  };
  running.then(settle, settle);
  for (;;) {
    while (queue.length > 0) yield queue.shift()!;
    if (done) break;
    await new Promise<void>((resolve) => {
      wake = resolve;
    });
  }
  return running;
}
