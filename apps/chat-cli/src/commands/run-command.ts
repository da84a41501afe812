import type { McpClientPool, ProviderConfig, Usage } from '@mcs/provider-sdk';
import type { ServerAuth } from '../auth/server-auth.js';
import { ChatCliError } from '../chat-cli-error.js';
import type { ChatSession } from '../chat-session.js';
import type { ServerInfo } from '../config/server-info.js';
import type { Output } from '../render/output.js';
import type { ServerFailures } from '../server-failures.js';
import { type ConversationStore, messagesOf } from './conversation-file.js';
import {
  addPrompt,
  addResource,
  callTool,
  listPrompts,
  listResources,
  listTools,
  loginCommand,
  serversCommand,
} from './mcp-commands.js';
import { redactConfig } from './redact-config.js';

export interface CommandContext {
  session: ChatSession;
  pool: McpClientPool | undefined;
  /** The validated config (interpolated: `/config` redacts it). */
  config: ProviderConfig;
  output: Output;
  conversations: ConversationStore;
  signal: AbortSignal;
  /** The servers' sign-in: `/servers` shows each one's auth state. */
  auth?: ServerAuth | undefined;
  /** The config's word on each server (`/servers` shows its `trust`). */
  servers?: Readonly<Record<string, ServerInfo>> | undefined;
  /** Why a server is down (`/servers` shows it beside "unavailable"). */
  failures?: ServerFailures | undefined;
}

/** What the REPL does after a command. */
export type CommandResult = 'continue' | 'exit';

interface Command {
  name: string;
  usage: string;
  summary: string;
  /** `undefined`: the REPL goes on. */
  run(argument: string, context: CommandContext): Promise<CommandResult | undefined> | CommandResult | undefined;
}

const commands: readonly Command[] = [
  {
    name: '/help',
    usage: '/help',
    summary: 'these commands and keys',
    run: (_, { output }) => {
      output.info(helpText());
      return undefined;
    },
  },
  {
    name: '/servers',
    usage: '/servers [reconnect <server>]',
    summary:
      'each MCP server: transport, status, auth (none, headers, signed in, signed-out, failed), tool count (or why it is unavailable); reconnect: start one over now',
    run: (argument, context) => serversCommand(argument, context),
  },
  {
    name: '/login',
    usage: '/login <server>',
    summary: 'signs in to a server that needs it (again after a refused or unfinished sign-in)',
    run: (argument, context) => loginCommand(argument, context),
  },
  { name: '/tools', usage: '/tools', summary: "the MCP servers' tools", run: (_, context) => listTools(context) },
  {
    name: '/resources',
    usage: '/resources',
    summary: "the MCP servers' resources (URI, server) and resource templates",
    run: (_, context) => listResources(context),
  },
  {
    name: '/prompts',
    usage: '/prompts',
    summary: "the MCP servers' prompts and their arguments",
    run: (_, context) => listPrompts(context),
  },
  {
    name: '/prompt',
    usage: '/prompt <server>.<name> [key=value ...]',
    summary:
      "adds a server prompt's messages to the next turn (e.g. /prompt everything.args-prompt city=Paris; a JSON object works too)",
    run: (argument, context) => addPrompt(argument, context),
  },
  {
    name: '/read',
    usage: '/read <uri> [server]',
    summary: "adds a resource's text to the next turn (server needed with several unless /resources listed the URI)",
    run: (argument, context) => addResource(argument, context),
  },
  {
    name: '/call',
    usage: '/call <server>.<tool> [key=value ...]',
    summary:
      "calls a tool yourself, no model involved (values typed by the tool's schema; quote text with spaces; or one JSON object)",
    run: (argument, context) => callTool(argument, context),
  },
  {
    name: '/usage',
    usage: '/usage',
    summary: 'tokens used per turn and in total',
    run: (_, context) => showUsage(context),
  },
  {
    name: '/model',
    usage: '/model [name]',
    summary: 'shows the model, or switches to another model of the same API from the next turn',
    run: (argument, { session, output }) => {
      if (argument !== '') {
        session.model = argument;
        output.info(`model: ${argument} (from the next turn)`);
      } else {
        output.info(`model: ${session.model ?? '(not set: OPENAI_MODEL or --model)'}`);
      }
      return undefined;
    },
  },
  {
    name: '/save',
    usage: '/save [name|path]',
    summary: 'saves the conversation as JSON (a bare name goes to the conversations directory)',
    run: async (argument, { session, conversations, output }) => {
      const file = await conversations.save(session, argument === '' ? undefined : argument);
      output.info(`saved ${session.history.length} message(s) to ${file}`);
      return undefined;
    },
  },
  {
    name: '/load',
    usage: '/load <name|path>',
    summary: 'replaces the conversation with a saved one (checked before it is used)',
    run: async (argument, { session, conversations, output }) => {
      if (argument === '') throw new ChatCliError('COMMAND_FAILED', 'usage: /load <name|path>');
      const { file, conversation } = await conversations.load(argument);
      session.replaceHistory(messagesOf(conversation));
      output.info(`loaded ${conversation.messages.length} message(s) from ${file}`);
      return undefined;
    },
  },
  {
    name: '/clear',
    usage: '/clear',
    summary: 'forgets the conversation',
    run: (_, { session, output }) => {
      session.clear();
      output.info('conversation cleared');
      return undefined;
    },
  },
  {
    name: '/config',
    usage: '/config',
    summary: 'the config in use (secrets redacted)',
    run: (_, { config, output }) => {
      output.info(JSON.stringify(redactConfig(config), null, 2));
      return undefined;
    },
  },
  { name: '/exit', usage: '/exit', summary: 'closes the MCP connections and quits (also Ctrl-D)', run: () => 'exit' },
];

const aliases: Record<string, string> = { '/quit': '/exit', '/?': '/help' };

const KEYS = `keys:
  Enter          sends the line; a trailing \\ continues it on the next line (a paste is one turn)
  Ctrl-C         cancels the answer being written; clears a half-typed line; twice on an empty line quits
  Ctrl-D         quits (on an empty line)
  Up/Down        earlier lines (kept between runs)      Tab  completes commands, tool and prompt names`;

export function helpText(): string {
  const width = Math.max(...commands.map((command) => command.usage.length)) + 2;
  const lines = commands.map((command) => `  ${command.usage.padEnd(width)}${command.summary}`);
  return `commands:\n${lines.join('\n')}\n${KEYS}`;
}

/** Runs one `/command` line; a failure is reported to `output` and the REPL goes on. */
export async function runCommand(line: string, context: CommandContext): Promise<CommandResult> {
  const trimmed = line.trim();
  const space = trimmed.search(/\s/);
  const word = space === -1 ? trimmed : trimmed.slice(0, space);
  const argument = space === -1 ? '' : trimmed.slice(space).trim();
  const name = aliases[word] ?? word;
  try {
    const command = commands.find((candidate) => candidate.name === name);
    if (!command) throw new ChatCliError('COMMAND_FAILED', `unknown command ${word}; /help lists the commands`);
    return (await command.run(argument, context)) ?? 'continue';
  } catch (error) {
    context.output.error(error);
    return 'continue';
  }
}

function showUsage({ session, output }: CommandContext): undefined {
  const turns = session.usage;
  const sampling = session.samplingUsage;
  if (turns.length === 0 && sampling.length === 0) {
    output.info('no tokens used yet');
    return undefined;
  }
  const total = { prompt: 0, completion: 0, all: 0 };
  const line = (label: string, model: string, usage: Usage) => {
    total.prompt += usage.promptTokens;
    total.completion += usage.completionTokens;
    total.all += usage.totalTokens;
    output.info(
      `${label}  ${model}  prompt ${usage.promptTokens}  completion ${usage.completionTokens}  total ${usage.totalTokens}`,
    );
  };
  for (const { turn, model, usage } of turns) line(`turn ${turn}`, model, usage);
  // Sampling requests of the servers: the model's tokens too, outside the conversation.
  for (const { server, model, usage } of sampling) line(`sampling (${server})`, model, usage);
  const requests = sampling.length > 0 ? ` + ${sampling.length} sampling request(s)` : '';
  output.info(
    `all ${turns.length} turn(s)${requests}  prompt ${total.prompt}  completion ${total.completion}  total ${total.all}`,
  );
  return undefined;
}

/** Tab completion: command names, then tool names after `/call`, prompt names after `/prompt`, URIs after `/read`. */
export async function completeCommand(line: string, pool: McpClientPool | undefined): Promise<string[]> {
  if (!line.startsWith('/')) return [];
  const space = line.indexOf(' ');
  if (space === -1) {
    return [...commands.map((command) => command.name), ...Object.keys(aliases)].filter((name) =>
      name.startsWith(line),
    );
  }
  const word = line.slice(0, space);
  const rest = line.slice(space + 1);
  if (pool === undefined || rest.includes(' ')) return [];
  // Short waits: a completion must not hang on a server that is down.
  if (word === '/login') return pool.backends.filter((name) => name.startsWith(rest)).map((name) => `${word} ${name}`);
  const listed =
    word === '/call'
      ? (await pool.listTools({ waitMs: 1000 })).tools.map((tool) => tool.name)
      : word === '/prompt'
        ? (await pool.listPrompts({ waitMs: 1000 })).prompts.map((prompt) => prompt.name)
        : word === '/read'
          ? (await pool.listResources({ waitMs: 1000 })).resources.map((resource) => resource.uri)
          : [];
  return listed.filter((name) => name.startsWith(rest)).map((name) => `${word} ${name}`);
}
