// Fixtures of the tasks-extension scenarios (SEP-2663, `tasks-*`) of `@modelcontextprotocol/conformance`
// 0.2.0-alpha: a sync tool and task tools that sleep, fail as a tool, fail as a protocol, wait for one
// or two elicitations, and gather input (multi round trip) before becoming a task.
import { MemorySessionStore } from '@mcs/session-store';
import {
  acceptedContent,
  type InputRequest,
  inputRequired,
  ProtocolError,
  ProtocolErrorCode,
} from '@modelcontextprotocol/server';
import * as z from 'zod';
import { TaskStore } from '../../mcp/stateless/tasks/task-store.js';
import { registerTaskTools, type TaskToolDefinition } from '../../mcp/stateless/tasks/tasks-extension.js';
import type { PackContext } from '../../pack-framework/pack-context.js';
import type { PackModule } from '../../pack-framework/pack-module.js';
import { delay } from './fixtures.js';

function text(value: string) {
  return { content: [{ type: 'text' as const, text: value }] };
}

function confirmRequest(message: string): InputRequest {
  return inputRequired.elicit({
    message,
    requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } }, required: ['confirm'] },
  });
}

const slowCompute: TaskToolDefinition<{ seconds: number; label?: string }> = {
  name: 'slow_compute',
  description: 'Sleeps `seconds` seconds, then answers (a task when the client negotiated tasks)',
  inputSchema: z.object({ seconds: z.number().min(0).max(3600), label: z.string().max(256).optional() }),
  support: 'optional',
  async step({ seconds, label }, _inputs, signal) {
    await delay(seconds * 1000, signal);
    return { kind: 'result', result: text(`slow_compute${label ? ` ${label}` : ''}: done after ${seconds}s`) };
  },
};

const failingJob: TaskToolDefinition = {
  name: 'failing_job',
  description: 'A task (required) that reports a tool error after about a second',
  inputSchema: z.object({}),
  support: 'required',
  async step(_args, _inputs, signal) {
    await delay(1000, signal);
    return {
      kind: 'result',
      result: { isError: true, content: [{ type: 'text', text: 'failing_job failed, as designed' }] },
    };
  },
};

const protocolErrorJob: TaskToolDefinition = {
  name: 'protocol_error_job',
  description: 'A task that fails with a protocol-level error',
  inputSchema: z.object({}),
  support: 'optional',
  async step(_args, _inputs, signal) {
    await delay(100, signal);
    throw new ProtocolError(ProtocolErrorCode.InternalError, 'protocol_error_job failed, as designed');
  },
};

const confirmDelete: TaskToolDefinition<{ filename: string }> = {
  name: 'confirm_delete',
  description: 'Asks for a confirmation (elicitation), then "deletes" the file',
  inputSchema: z.object({ filename: z.string().min(1).max(1024) }),
  support: 'optional',
  async step({ filename }, inputs) {
    const answer = inputs.confirm;
    if (answer === undefined) {
      return { kind: 'input', inputRequests: { confirm: confirmRequest(`Delete ${filename}?`) } };
    }
    const confirmed = acceptedContent({ confirm: answer }, 'confirm') !== undefined;
    return { kind: 'result', result: text(confirmed ? `Deleted ${filename}` : `Kept ${filename}`) };
  },
};

const multiInput: TaskToolDefinition = {
  name: 'multi_input',
  description: 'Waits for two elicitations at once, answered in any order',
  inputSchema: z.object({}),
  support: 'optional',
  async step(_args, inputs) {
    const missing: Record<string, InputRequest> = {};
    if (inputs.first === undefined) missing.first = confirmRequest('First confirmation?');
    if (inputs.second === undefined) missing.second = confirmRequest('Second confirmation?');
    if (Object.keys(missing).length > 0) return { kind: 'input', inputRequests: missing };
    return { kind: 'result', result: text('multi_input: both inputs received') };
  },
};

const toolWithTask: TaskToolDefinition<{ user_name?: string }> = {
  name: 'test_tool_with_task',
  description: 'Asks for a name (input-required round), then runs as a task (required) greeting it',
  inputSchema: z.object({ user_name: z.string().max(256).optional() }),
  support: 'required',
  gather(args, ctx) {
    const name = acceptedContent(ctx.mcpReq.inputResponses, 'user_name')?.name;
    if (typeof name !== 'string') {
      return {
        ask: inputRequired({
          inputRequests: {
            user_name: inputRequired.elicit({
              message: 'What is your name?',
              requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
            }),
          },
        }),
      };
    }
    return { args: { ...args, user_name: name } };
  },
  async step({ user_name }, _inputs, signal) {
    await delay(200, signal);
    return { kind: 'result', result: text(`Hello from the task, ${user_name ?? 'stranger'}!`) };
  },
};

const TASK_TOOLS = [
  slowCompute,
  failingJob,
  protocolErrorJob,
  confirmDelete,
  multiInput,
  toolWithTask,
] as TaskToolDefinition[];

const fallbackStores = new WeakMap<PackContext, TaskStore>();

function taskStoreOf(context: PackContext): TaskStore {
  if (context.tasks !== undefined) return context.tasks;
  let store = fallbackStores.get(context);
  if (store === undefined) {
    store = new TaskStore(new MemorySessionStore());
    fallbackStores.set(context, store);
  }
  return store;
}

/** `greet` (sync only) and the task tools, with `tasks/get`, `tasks/update` and `tasks/cancel`. */
export const taskFixtures: PackModule = {
  name: 'tasks',
  register(server, context) {
    server.registerTool(
      'greet',
      { description: 'Greets synchronously (never a task)', inputSchema: z.object({ name: z.string().max(256) }) },
      ({ name }) => text(`Hello, ${name}!`),
    );
    registerTaskTools(server, TASK_TOOLS, { store: taskStoreOf(context), logger: context.logger });
  },
};
