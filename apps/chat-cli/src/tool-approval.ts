import type { McpClientPool, PoolToolResult, Tool } from '@mcs/provider-sdk';
import type { PrompterSlot } from './prompter.js';
import { serverLine } from './server-text.js';

/** `ask`: ask before tools not annotated read-only; `auto`: run every call; `never`: refuse those tools. */
export type ApprovalMode = 'ask' | 'auto' | 'never';
export const approvalModes: readonly ApprovalMode[] = ['ask', 'auto', 'never'];

export interface ToolApprovalOptions {
  mode: ApprovalMode;
  prompter: PrompterSlot;
  /** Servers whose tools run without asking under `ask` (the config's `trust: true`). */
  trusted?: (server: string) => boolean;
}

const MAX_SHOWN_ARGS = 300;

/** The result the model gets for a call it may not make: it says who refused and what to do. */
function refused(name: string, reason: string): PoolToolResult {
  const text = `The call of ${name} was not run: ${reason}. Do not call it again unless the user asks for it.`;
  const byteLength = Buffer.byteLength(text);
  return {
    name,
    backend: name.split('.')[0] ?? '',
    isError: true,
    parts: [{ type: 'error', message: text, index: 0, path: ['content', 0], byteLength }],
    errorMessage: text,
    byteLength,
    raw: { content: [{ type: 'text', text }], isError: true },
  };
}

/**
 * The pool the model's tool calls go through: `callTool` asks first (per `mode`) for tools the last
 * listing did not show annotated `readOnlyHint`; everything else is the pool itself. "always" answers
 * allow that tool for the rest of the run; the tools of a trusted server run without asking. Commands (`/call`) use the pool directly.
 */
export function withToolApproval(pool: McpClientPool, options: ToolApprovalOptions): McpClientPool {
  if (options.mode === 'auto') return pool;
  const annotations = new Map<string, Tool['annotations']>();
  const always = new Set<string>();
  const listTools: McpClientPool['listTools'] = async (listOptions) => {
    const listed = await pool.listTools(listOptions);
    for (const tool of listed.tools) annotations.set(tool.name, tool.annotations);
    return listed;
  };
  const decide = async (name: string, args: Record<string, unknown> | undefined, signal?: AbortSignal) => {
    if (annotations.get(name)?.readOnlyHint === true || always.has(name)) return undefined;
    // `trust` spares the question, not the refusal the user asked for on the command line.
    if (options.mode === 'ask' && options.trusted?.(name.split('.')[0] ?? '')) return undefined;
    if (options.mode === 'never') return 'tools that may change something are refused (--approve never)';
    const prompter = options.prompter.current;
    if (!prompter) return 'no terminal to ask for approval (pass --yes or --approve auto to allow such calls)';
    // The name and arguments come from the model (and the tool list from a server): JSON escapes C0
    // controls but not DEL or C1 (U+009B is a CSI to some terminals), so both go through serverLine.
    const shown = serverLine(JSON.stringify(args ?? {}), MAX_SHOWN_ARGS);
    const shownName = serverLine(name, 200);
    // Bounded: a pipe that keeps sending nonsense still ends (as a refusal).
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const answer = await prompter.ask(`Allow ${shownName} ${shown}? [y]es, [n]o, [a]lways for this tool: `, signal);
      if (answer === undefined) return 'the user did not answer';
      const word = answer.trim().toLowerCase();
      if (word === 'y' || word === 'yes') return undefined;
      if (word === 'a' || word === 'always') {
        always.add(name);
        return undefined;
      }
      if (word === 'n' || word === 'no' || word === '') return 'the user denied it';
    }
    return 'the user did not answer y, n or a';
  };
  const callTool: McpClientPool['callTool'] = async (name, args, callOptions) => {
    const reason = await decide(name, args, callOptions?.signal);
    if (callOptions?.signal?.aborted) throw callOptions.signal.reason;
    // The refusal is the call's result: the model reads why, the user sees it as the result line.
    if (reason !== undefined) return refused(name, reason);
    return pool.callTool(name, args, callOptions);
  };
  return new Proxy(pool, {
    get(target, key) {
      if (key === 'callTool') return callTool;
      if (key === 'listTools') return listTools;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
