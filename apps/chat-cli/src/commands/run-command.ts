import type { McpClientPool, ProviderConfig } from '@mcs/provider-sdk';
import { z } from 'zod';
import { ChatCliError } from '../chat-cli-error.js';
import type { ChatSession } from '../chat-session.js';
import type { Output } from '../render/output.js';
import { partText } from './part-text.js';
import { redactConfig } from './redact-config.js';

export const replHelp = `commands:
  /tools                       the MCP servers' tools
  /resources, /prompts         (not available yet: the MCP client pool does not list them)
  /prompt <name> [json-args]   adds a server prompt's messages to the next turn, e.g. /prompt everything.args-prompt {"city":"Paris"}
  /read <uri> [backend]        adds a resource's text to the next turn (backend needed with several servers)
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
      case '/prompts':
        throw new ChatCliError(
          'COMMAND_FAILED',
          `${command} is not available yet: the MCP client pool of @mcs/provider-sdk does not list ${command.slice(1)}; ${
            command === '/resources' ? 'use /read <uri>' : 'use /prompt <backend>.<name>'
          } when you know the name`,
        );
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

async function listTools({ pool, output, signal }: CommandContext): Promise<void> {
  const tools = await requirePool(pool).listTools({ signal });
  if (tools.length === 0) {
    output.info('no tools');
    return;
  }
  for (const tool of tools) {
    const description = tool.description?.split('\n')[0]?.trim();
    output.info(description ? `${tool.name}  ${description}` : tool.name);
  }
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
