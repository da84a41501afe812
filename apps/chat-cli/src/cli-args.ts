import { parseArgs } from 'node:util';
import { ChatCliError } from './chat-cli-error.js';
import { DEFAULT_LOG_LEVEL, type LogLevel, logLevels } from './log-level.js';
import { type ApprovalMode, approvalModes } from './tool-approval.js';

export interface CliArgs {
  /** Config file; `undefined` = the default `./config.json`, which may be absent. */
  config: string | undefined;
  model: string | undefined;
  /** `--root <dir>` (repeatable), as typed (cli.ts resolves and checks them); `undefined`: none given. */
  roots: string[] | undefined;
  /** One-shot prompt (`-` = stdin); absent: the REPL, or stdin's text when stdin is not a terminal. */
  prompt: string | undefined;
  /** `-i`, `--interactive`: the REPL even when stdin is not a terminal (its lines one by one). */
  interactive: boolean;
  json: boolean;
  /** `--require-servers`: an MCP server that cannot be reached at start ends the run (exit 3) instead of a warning. */
  requireServers: boolean;
  /** `--resume`: the REPL continues the last saved conversation. */
  resume: boolean;
  /** `--approve <mode>` (`--yes` = `auto`): when the model's calls of tools not annotated read-only run. */
  approve: ApprovalMode;
  /** `--log-level <level>`: the servers' log messages at this MCP level and above are shown (default warning). */
  logLevel: LogLevel;
  help: boolean;
  version: boolean;
  /** `mcs-chat logout <server>` (or `--all`): forget cached sign-ins instead of chatting. */
  logout: { server: string | undefined; all: boolean } | undefined;
}

export const usage = `usage: mcs-chat [--config <file>] [--model <name>] [-p <prompt>] [--json]
       mcs-chat logout <server> [--config <file>] | mcs-chat logout --all

  -c, --config <file>   config file (default ./config.json; optional when it does not exist)
  -m, --model <name>    model name (wins over the config's "model" and OPENAI_MODEL)
  -p, --prompt <text>   answer one prompt and exit; without it mcs-chat starts an interactive chat
                        (-p - reads the prompt from stdin, as a piped stdin without -p does)
  -i, --interactive     the interactive chat even when stdin is a pipe (read line by line)
      --json            one JSON object per line on stdout for every step
      --require-servers an MCP server that cannot be reached at start is an error (exit 3),
                        not a warning
      --root <dir>      offer this directory to the servers as an MCP root (repeatable; wins over
                        the config's "roots"; default: the working directory)
      --resume          continue the last conversation (saved after every answer)
      --approve <mode>  tool calls not annotated read-only: ask (default; refused when there is
                        no terminal to ask), auto (run them), never (refuse them)
  -y, --yes             same as --approve auto
      --log-level <level> server log messages shown (and asked for) at this level and above:
                        debug, info, notice, warning (default), error, critical, alert, emergency
  -h, --help            this help
  -v, --version         the version

  logout <server>       forget the cached sign-in (OAuth tokens) of a server of the config;
                        --all forgets every cached sign-in

environment (or ./.env): OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL; MCS_CHAT_KEY (or
CRIPTOGRAFY_KEY): key that keeps sign-ins encrypted between runs (openssl rand -base64 32; without
it they stay in memory)`;

/** Parses argv strictly: an unknown flag, a missing value or a stray argument is a `USAGE` error. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  if (argv[0] === 'logout') return parseLogout(argv.slice(1));
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new ChatCliError('USAGE', `${parseArgsMessage(error)} (mcs-chat --help lists the flags)`, {
      cause: error,
    });
  }
  if (values.interactive && values.prompt !== undefined) {
    throw new ChatCliError('USAGE', '--interactive and -p exclude each other: -p answers one prompt and exits');
  }
  for (const name of ['config', 'model', 'prompt'] as const) {
    if (values[name] !== undefined && values[name].trim() === '') {
      throw new ChatCliError('USAGE', `--${name} needs a non-empty value`);
    }
  }
  return {
    config: values.config,
    model: values.model,
    roots: values.root,
    prompt: values.prompt,
    interactive: values.interactive ?? false,
    json: values.json ?? false,
    requireServers: values['require-servers'] ?? false,
    resume: values.resume ?? false,
    approve: approveMode(values.approve, values.yes ?? false),
    logLevel: logLevel(values['log-level']),
    help: values.help ?? false,
    version: values.version ?? false,
    logout: undefined,
  };
}

/** parseArgs quotes the refused argument as given (twice): an argument can be megabytes, the message not. */
function parseArgsMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > 300 ? `${message.slice(0, 300)}… (${message.length} characters)` : message;
}

/** `logout <server> [--config <file>]` or `logout --all`. */
function parseLogout(argv: readonly string[]): CliArgs {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof logoutOptions; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: logoutOptions, strict: true, allowPositionals: true });
  } catch (error) {
    throw new ChatCliError('USAGE', `${parseArgsMessage(error)} (mcs-chat --help)`, {
      cause: error,
    });
  }
  const { values, positionals } = parsed;
  const all = values.all ?? false;
  if (!values.help && (positionals.length > 1 || (positionals.length === 1) === all)) {
    throw new ChatCliError('USAGE', 'logout takes one server name (as in the config), or --all');
  }
  if (values.config !== undefined && values.config.trim() === '') {
    throw new ChatCliError('USAGE', '--config needs a non-empty value');
  }
  return {
    config: values.config,
    model: undefined,
    roots: undefined,
    prompt: undefined,
    interactive: false,
    json: false,
    requireServers: false,
    resume: false,
    approve: 'ask',
    logLevel: DEFAULT_LOG_LEVEL,
    help: values.help ?? false,
    version: false,
    logout: { server: positionals[0], all },
  };
}

const logoutOptions = {
  config: { type: 'string', short: 'c' },
  all: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function approveMode(value: string | undefined, yes: boolean): ApprovalMode {
  if (value === undefined) return yes ? 'auto' : 'ask';
  const mode = approvalModes.find((candidate) => candidate === value);
  if (mode === undefined) throw new ChatCliError('USAGE', `--approve must be one of ${approvalModes.join(', ')}`);
  if (yes && mode !== 'auto') throw new ChatCliError('USAGE', `--yes contradicts --approve ${mode}`);
  return mode;
}

function logLevel(value: string | undefined): LogLevel {
  if (value === undefined) return DEFAULT_LOG_LEVEL;
  const level = logLevels.find((candidate) => candidate === value.trim().toLowerCase());
  if (level === undefined) throw new ChatCliError('USAGE', `--log-level must be one of ${logLevels.join(', ')}`);
  return level;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string', short: 'c' },
      model: { type: 'string', short: 'm' },
      root: { type: 'string', multiple: true },
      prompt: { type: 'string', short: 'p' },
      interactive: { type: 'boolean', short: 'i' },
      json: { type: 'boolean' },
      'require-servers': { type: 'boolean' },
      resume: { type: 'boolean' },
      approve: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
    strict: true,
    allowPositionals: false,
  });
}
