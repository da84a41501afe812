import type { McpClientPool, PoolUnavailable, ProviderConfig } from '@mcs/provider-sdk';
import { z } from 'zod';
import { ChatCliError } from '../chat-cli-error.js';
import type { ChatSession } from '../chat-session.js';
import type { Output } from '../render/output.js';
import { partText } from './part-text.js';
import { redactConfig } from './redact-config.js';

export const replHelp = `commands:
  /tools                       the MCP servers' tools
  /resources                   the MCP servers' resources (URI, backend) and resource templates
  /prompts                     the MCP servers' prompts and their arguments
  /prompt <name> [json-args]   adds a server prompt's messages to the next turn, e.g. /prompt everything.args-prompt {"city":"Paris"}
  /read <uri> [backend]        adds a resource's text to the next turn (backend needed with several servers unless /resources listed the URI)
  /config                      the config in use (secrets redacted)
  /clear                       forgets the conversation
  /exit                        closes the MCP connections and quits (also Ctrl-D)
Ctrl-C cancels the answer being written.`;

const PromptArgsSchema = z.record(z.string(), z.string(), {
  error: 'prompt arguments must be a JSON object of strings',
});

export interface CommandContext {
  session: ChatSession;
  pool: McpClientPool | undefined;
  /** The validated config (interpolated: `/config` redacts it). */
  config: ProviderConfig;
  output: Output;
  signal: AbortSignal;
}

/** What the REPL does after a command. */
export type CommandResult = 'continue' | 'exit';

/** Runs one `/command` line; a failure is reported to `output` and the REPL goes on. */
export async function runCommand(line: string, context: CommandContext): Promise<CommandResult> {
  const [command = '', ...rest] = line.trim().split(/\s+/);
  const argument = line.trim().slice(command.length).trim();
  const { output } = context;
  try {
    switch (command) {
      case '/exit':
      case '/quit':
        return 'exit';
      case '/help':
        output.info(replHelp);
        return 'continue';
      case '/config':
        output.info(JSON.stringify(redactConfig(context.config), null, 2));
        return 'continue';
      case '/clear':
        context.session.clear();
        output.info('conversation cleared');
        return 'continue';
      case '/tools':
        await listTools(context);
        return 'continue';
      case '/resources':
        await listResources(context);
        return 'continue';
      case '/prompts':
        await listPrompts(context);
        return 'continue';
      case '/prompt':
        await addPrompt(argument, context);
        return 'continue';
      case '/read':
        await addResource(rest, context);
        return 'continue';
      default:
        throw new ChatCliError('COMMAND_FAILED', `unknown command ${command}; /help lists the commands`);
    }
  } catch (error) {
    output.error(error);
    return 'continue';
  }
}

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

/** Names the servers a listing left out (down, restarting, or not answering in time). */
function reportUnavailable(unavailable: PoolUnavailable[], output: Output): void {
  for (const { backend, status, error } of unavailable) {
    output.info(`(MCP server "${backend}" is unavailable (${status}): ${error.message})`);
  }
}

async function listTools({ pool, output, signal }: CommandContext): Promise<void> {
  const { tools, unavailable } = await requirePool(pool).listTools({ signal });
  if (tools.length === 0) output.info('no tools');
  for (const tool of tools) output.info(`${tool.name}${describe(tool.description)}`);
  reportUnavailable(unavailable, output);
}

async function listResources({ pool, output, signal }: CommandContext): Promise<void> {
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
}

async function listPrompts({ pool, output, signal }: CommandContext): Promise<void> {
  const { prompts, unavailable } = await requirePool(pool).listPrompts({ signal });
  if (prompts.length === 0) output.info('no prompts');
  for (const prompt of prompts) {
    const args = (prompt.arguments ?? []).map((argument) => (argument.required ? argument.name : `${argument.name}?`));
    output.info(`${prompt.name}${args.length > 0 ? ` {${args.join(', ')}}` : ''}${describe(prompt.description)}`);
  }
  reportUnavailable(unavailable, output);
}

async function addPrompt(argument: string, { pool, session, output, signal }: CommandContext): Promise<void> {
  const space = argument.search(/\s/);
  const name = space === -1 ? argument : argument.slice(0, space);
  const rawArgs = space === -1 ? '' : argument.slice(space).trim();
  if (name === '') throw new ChatCliError('COMMAND_FAILED', 'usage: /prompt <backend>.<name> [json-args]');
  let args: Record<string, string> | undefined;
  if (rawArgs !== '') {
    let json: unknown;
    try {
      json = JSON.parse(rawArgs);
    } catch (error) {
      throw new ChatCliError('COMMAND_FAILED', `prompt arguments are not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const parsed = PromptArgsSchema.safeParse(json);
    if (!parsed.success) throw new ChatCliError('COMMAND_FAILED', parsed.error.issues[0]?.message ?? 'bad arguments');
    args = parsed.data;
  }
  const prompt = await requirePool(pool).getPrompt(name, args, { signal });
  session.addPending(
    prompt.messages.map((message) =>
      message.role === 'assistant'
        ? { role: 'assistant' as const, content: partText(message.part) }
        : { role: 'user' as const, content: partText(message.part) },
    ),
  );
  output.info(`added ${prompt.messages.length} message(s) of prompt ${name} to the next turn`);
}

async function addResource(words: string[], { pool, session, output, signal }: CommandContext): Promise<void> {
  const [uri, backend] = words;
  if (uri === undefined || uri === '') throw new ChatCliError('COMMAND_FAILED', 'usage: /read <uri> [backend]');
  const resource = await requirePool(pool).readResource(uri, { signal, ...(backend ? { backend } : {}) });
  const text = resource.parts.map(partText).join('\n');
  session.addPending([{ role: 'user', content: `Contents of the resource ${uri}:\n${text}` }]);
  output.info(`added resource ${uri} (${resource.byteLength} bytes) to the next turn`);
}
