// The REPL commands that ask the MCP servers: listings, /prompt, /read and /call.
import type { McpClientPool, PoolUnavailable } from '@mcs/provider-sdk';
import { ChatCliError } from '../chat-cli-error.js';
import type { Output } from '../render/output.js';
import { promptArguments, toolArguments } from './key-value-args.js';
import { partText } from './part-text.js';
import type { CommandContext } from './run-command.js';

function requirePool(pool: McpClientPool | undefined): McpClientPool {
  if (pool === undefined) {
    throw new ChatCliError(
      'COMMAND_FAILED',
      'no MCP servers are configured (add "mcp": { "backends": ... } to the config)',
    );
  }
  return pool;
}

/** First line of a description, after two spaces; nothing when there is none. */
const describe = (description: string | undefined) => {
  const line = description?.split('\n')[0]?.trim();
  return line ? `  ${line}` : '';
};

/** `name rest`: the first word and what follows it. */
function firstWord(argument: string): [string, string] {
  const space = argument.search(/\s/);
  return space === -1 ? [argument, ''] : [argument.slice(0, space), argument.slice(space).trim()];
}

/** Names the servers a listing left out (down, restarting, or not answering in time). */
function reportUnavailable(unavailable: PoolUnavailable[], output: Output): void {
  for (const { backend, status, error } of unavailable) {
    output.info(`(MCP server "${backend}" is unavailable (${status}): ${error.message})`);
  }
}

/** The error of a command aimed at a server a listing just left out (down, restarting, not answering). */
function unavailableError({ backend, status, error }: PoolUnavailable): ChatCliError {
  return new ChatCliError('COMMAND_FAILED', `MCP server "${backend}" is unavailable (${status}): ${error.message}`);
}

/**
 * Before a request to one server that is not ready: a listing (bounded like /tools: a server
 * starting or restarting is waited for at most the pool's list bound) tells whether it is up. The
 * request itself would wait for the server's reconnection (60 s per attempt, with retries: minutes).
 */
async function requireUp(
  pool: McpClientPool,
  backend: string,
  list: (options: { signal: AbortSignal }) => Promise<{ unavailable: PoolUnavailable[] }>,
  signal: AbortSignal,
): Promise<void> {
  if (pool.statuses().find((status) => status.backend === backend)?.status === 'ready') return;
  const down = (await list({ signal })).unavailable.find((entry) => entry.backend === backend);
  if (down) throw unavailableError(down);
}

/** `/servers [reconnect <name>]`: the list, or one server started over now. */
export async function serversCommand(argument: string, context: CommandContext): Promise<undefined> {
  if (argument === '') return listServers(context);
  const [verb, name] = firstWord(argument);
  if (verb !== 'reconnect' || name === '' || name.includes(' ')) {
    throw new ChatCliError('COMMAND_FAILED', 'usage: /servers, or /servers reconnect <server>');
  }
  await reconnectServer(name, context, 'reconnected');
  return undefined;
}

/** `/login <server>`: signs in to a server that needs it (again, after a refused or unfinished sign-in). */
export async function loginCommand(argument: string, context: CommandContext): Promise<undefined> {
  const ready = requirePool(context.pool);
  const name = argument.trim();
  if (name === '' || name.includes(' ')) throw new ChatCliError('COMMAND_FAILED', 'usage: /login <server>');
  knownServer(ready, name);
  const { auth, output } = context;
  if (!auth?.signsIn(name)) {
    throw new ChatCliError(
      'COMMAND_FAILED',
      `MCP server "${name}" does not sign in here (its auth: ${authOf(context, name)}): stdio servers need none, and a server configured with headers or a token uses them`,
    );
  }
  const status = ready.statuses().find((entry) => entry.backend === name);
  if (status?.status === 'ready' && auth.signedIn(name)) {
    output.info(
      `MCP server "${name}" is signed in already (mcs-chat logout ${name} forgets the sign-in, after this run)`,
    );
    return undefined;
  }
  auth.retry(name);
  await reconnectServer(name, context, 'signed in');
  return undefined;
}

function knownServer(pool: McpClientPool, name: string): void {
  if (!pool.backends.includes(name)) {
    throw new ChatCliError('COMMAND_FAILED', `no MCP server named "${name}" (servers: ${pool.backends.join(', ')})`);
  }
}

const authOf = ({ auth, pool }: CommandContext, name: string) => {
  const status = pool?.statuses().find((entry) => entry.backend === name);
  return auth && status ? auth.state(name, { status: status.status }) : 'none';
};

/**
 * Starts one server over now and says how it is; a sign-in it needs is asked for (and waited for,
 * up to the sign-in timeout; Ctrl-C stops waiting). A legacy SSE server opens its stream again with
 * the new tokens: it gets a second attempt once signed in.
 */
async function reconnectServer(name: string, context: CommandContext, done: string): Promise<void> {
  const { output, signal, auth } = context;
  const ready = requirePool(context.pool);
  knownServer(ready, name);
  const attempt = async () => {
    try {
      await ready.reconnect(name);
    } catch (error) {
      if (!auth?.signedIn(name)) throw error;
      await ready.reconnect(name);
    }
  };
  await untilAborted(attempt(), signal);
  const { tools } = await ready.listTools({ signal });
  const count = tools.filter((tool) => tool.backend === name).length;
  output.info(`MCP server "${name}" ${done}: ready, auth: ${authOf(context, name)}, ${count} tool(s)`);
}

const lastFailure = (failures: CommandContext['failures'], backend: string) => {
  const last = failures?.last(backend);
  return last ? ` (last failure: ${last})` : '';
};

/** `work`, or a CANCELLED error as soon as `signal` aborts (the work itself goes on in the background). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ChatCliError('COMMAND_FAILED', 'cancelled'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(new ChatCliError('COMMAND_FAILED', 'cancelled: the server goes on connecting in the background'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * One line per server: name, transport, status, auth state, `trust` (yes: under `--approve ask` its
 * tools run without asking), then its tool count or why it is unavailable, and the stdio details.
 */
export async function listServers({
  pool,
  output,
  signal,
  auth,
  servers,
  failures,
}: CommandContext): Promise<undefined> {
  const ready = requirePool(pool);
  const { tools, unavailable } = await ready.listTools({ signal });
  for (const status of ready.statuses()) {
    const down = unavailable.find((entry) => entry.backend === status.backend);
    const count = tools.filter((tool) => tool.backend === status.backend).length;
    const details = [
      status.pid !== undefined ? `pid ${status.pid}` : '',
      status.restarts ? `${status.restarts} restart(s)` : '',
    ].filter(Boolean);
    const authState = auth
      ? `  auth: ${auth.state(status.backend, { status: status.status, error: down?.error })}`
      : '';
    const trust = `  trust: ${servers?.[status.backend]?.trust === true ? 'yes' : 'no'}`;
    output.info(
      `${status.backend}  ${status.transport}  ${status.status}${authState}${trust}  ${down ? `unavailable: ${down.error.message}${lastFailure(failures, status.backend)}` : `${count} tool(s)`}${
        details.length > 0 ? `  (${details.join(', ')})` : ''
      }`,
    );
  }
  return undefined;
}

export async function listTools({ pool, output, signal }: CommandContext): Promise<undefined> {
  const { tools, unavailable } = await requirePool(pool).listTools({ signal });
  if (tools.length === 0) output.info('no tools');
  for (const tool of tools) output.info(`${tool.name}${describe(tool.description)}`);
  reportUnavailable(unavailable, output);
  return undefined;
}

export async function listResources({ pool, output, signal }: CommandContext): Promise<undefined> {
  const ready = requirePool(pool);
  const [{ resources, unavailable }, { resourceTemplates }] = await Promise.all([
    ready.listResources({ signal }),
    ready.listResourceTemplates({ signal }),
  ]);
  if (resources.length === 0 && resourceTemplates.length === 0) output.info('no resources');
  for (const resource of resources) output.info(`${resource.uri}  [${resource.backend}]${describe(resource.name)}`);
  for (const template of resourceTemplates) {
    output.info(`${template.uriTemplate}  [${template.backend}, template]${describe(template.name)}`);
  }
  reportUnavailable(unavailable, output);
  return undefined;
}

export async function listPrompts({ pool, output, signal }: CommandContext): Promise<undefined> {
  const { prompts, unavailable } = await requirePool(pool).listPrompts({ signal });
  if (prompts.length === 0) output.info('no prompts');
  for (const prompt of prompts) {
    const args = (prompt.arguments ?? []).map((argument) => (argument.required ? argument.name : `${argument.name}?`));
    output.info(`${prompt.name}${args.length > 0 ? ` {${args.join(', ')}}` : ''}${describe(prompt.description)}`);
  }
  reportUnavailable(unavailable, output);
  return undefined;
}

export async function addPrompt(
  argument: string,
  { pool, session, output, signal }: CommandContext,
): Promise<undefined> {
  const [name, rawArgs] = firstWord(argument);
  if (name === '') throw new ChatCliError('COMMAND_FAILED', 'usage: /prompt <server>.<name> [key=value ...]');
  const ready = requirePool(pool);
  const server = name.includes('.') ? name.slice(0, name.indexOf('.')) : '';
  if (server === '' || name.endsWith('.')) {
    throw new ChatCliError('COMMAND_FAILED', `prompt names are <server>.<prompt> (got "${name}"); /prompts lists them`);
  }
  const { prompts, unavailable } = await ready.listPrompts({ signal });
  const down = unavailable.find((entry) => entry.backend === server);
  if (down) throw unavailableError(down);
  const declared = prompts.find((prompt) => prompt.name === name);
  const args =
    rawArgs === '' && !declared?.arguments?.some((a) => a.required)
      ? undefined
      : promptArguments(rawArgs, declared?.arguments);
  const prompt = await ready.getPrompt(name, args, { signal });
  session.addPending(
    prompt.messages.map((message) =>
      message.role === 'assistant'
        ? { role: 'assistant' as const, content: partText(message.part) }
        : { role: 'user' as const, content: partText(message.part) },
    ),
  );
  output.info(`added ${prompt.messages.length} message(s) of prompt ${name} to the next turn`);
  return undefined;
}

export async function addResource(
  argument: string,
  { pool, session, output, signal }: CommandContext,
): Promise<undefined> {
  const [uri, backend] = firstWord(argument);
  if (uri === '') throw new ChatCliError('COMMAND_FAILED', 'usage: /read <uri> [server]');
  const ready = requirePool(pool);
  // With one server, or one named, a server that is down is said at once (see requireUp).
  const servers = ready.statuses().map((status) => status.backend);
  const target = backend || (servers.length === 1 ? servers[0] : undefined);
  if (target !== undefined && servers.includes(target)) {
    await requireUp(ready, target, (options) => ready.listResources(options), signal);
  }
  const resource = await ready.readResource(uri, { signal, ...(backend ? { backend } : {}) });
  const text = resource.parts.map(partText).join('\n');
  session.addPending([{ role: 'user', content: `Contents of the resource ${uri}:\n${text}` }]);
  output.info(`added resource ${uri} (${resource.byteLength} bytes) to the next turn`);
  return undefined;
}

/** `/call <tool> [args]`: the user's own call (no model, no approval asked: typing it is the approval). */
export async function callTool(argument: string, { pool, output, signal }: CommandContext): Promise<undefined> {
  const [name, rawArgs] = firstWord(argument);
  if (name === '') throw new ChatCliError('COMMAND_FAILED', 'usage: /call <server>.<tool> [key=value ...]');
  const ready = requirePool(pool);
  const { tools, unavailable } = await ready.listTools({ signal });
  const tool = tools.find((candidate) => candidate.name === name);
  if (!tool) {
    const down = unavailable.find((entry) => name.startsWith(`${entry.backend}.`));
    throw down ? unavailableError(down) : new ChatCliError('COMMAND_FAILED', `no tool ${name}; /tools lists them`);
  }
  const args = toolArguments(rawArgs, tool.inputSchema as Record<string, unknown>);
  const result = await ready.callTool(name, args, {
    signal,
    onProgress: (update) => output.event({ type: 'tool-progress', step: 0, id: 'call', name, ...update }),
  });
  const content = result.parts.map(partText).join('\n');
  // JSONL gets the result as a step; a person gets all of it (a status line would be cut short).
  if (output.json) output.event({ type: 'tool-result', step: 0, id: 'call', name, isError: result.isError, content });
  else output.info(result.isError ? `✗ ${content}` : content);
  return undefined;
}
