import { relative, sep } from 'node:path';
import type { z } from 'zod';
import { ChatCliError } from '../chat-cli-error.js';

/** A JSON path inside a config file, as zod reports it. */
export type ConfigPath = readonly PropertyKey[];

/** One thing wrong with a config file: where (JSON path) and what to do about it. */
export interface ConfigProblem {
  path: ConfigPath;
  message: string;
}

/** At most this many problems are listed in one error (the rest are counted), so the line stays readable. */
const MAX_PROBLEMS = 5;
const MAX_MESSAGE = 300;

/**
 * `mcp_servers.weather.httpstream-url`, `mcpServers["my.server"].args[0]`: plain keys joined by dots,
 * other keys quoted, array indices in brackets.
 */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && key.length <= MAX_KEY && /^[A-Za-z0-9_-]+$/.test(key)) {
      out += out === '' ? key : `.${key}`;
    } else {
      // A key is outside input: a long one is shortened, so that the path stays a path.
      const text = String(key);
      out += `[${JSON.stringify(text.length > MAX_KEY ? text.slice(0, MAX_KEY) : text)}${text.length > MAX_KEY ? `… (${text.length} characters)` : ''}]`;
    }
  }
  return out === '' ? '(top level)' : out;
}

const MAX_KEY = 64;

/** The file as the user would type it: relative to the working directory when inside it. */
export function displayFile(file: string, cwd: string): string {
  const shown = relative(cwd, file);
  return shown === '' || shown.startsWith(`..${sep}`) || shown === '..' || shown.startsWith(sep) ? file : shown;
}

const clip = (text: string) => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text);

/**
 * The CLI error for config problems: `<file>: <path>: <message>` for each (at most five, joined by
 * "; "). Messages never carry a config value, only paths, key names and what would be valid, so a
 * secret in the file cannot end up on the terminal or in a log.
 */
export function configProblems(file: string, problems: readonly ConfigProblem[], cause?: unknown): ChatCliError {
  const shown = problems
    .slice(0, MAX_PROBLEMS)
    .map(({ path, message }) => `${file}: ${formatPath(path)}: ${clip(message)}`);
  const more = problems.length > MAX_PROBLEMS ? ` (and ${problems.length - MAX_PROBLEMS} more)` : '';
  return new ChatCliError('CONFIG_INVALID', `${shown.join('; ')}${more}`, cause === undefined ? undefined : { cause });
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/**
 * zod issues as problems. zod's own wording ("Invalid input: expected string, received undefined")
 * becomes "is required (a string)" / "must be a string"; messages the schemas set themselves are kept.
 */
export function issuesToProblems(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.map((issue) => {
    if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input: expected')) {
      const missing = issue.message.endsWith('received undefined');
      return {
        path: issue.path,
        message: missing ? `is required (${article(issue.expected)})` : `must be ${article(issue.expected)}`,
      };
    }
    if (issue.code === 'unrecognized_keys' && issue.message.startsWith('Unrecognized key')) {
      const keys = issue.keys.map((key) => JSON.stringify(key)).join(', ');
      return { path: issue.path, message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}: remove it` };
    }
    return { path: issue.path, message: issue.message };
  });
}
