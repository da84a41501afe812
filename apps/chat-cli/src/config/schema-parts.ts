import { z } from 'zod';
import { unknownKeysMessage } from './did-you-mean.js';

// Pieces shared by the config formats' schemas. Every message says what would be valid and never
// repeats the value found (it may be a secret).

export const nonEmpty = z.string({ error: 'must be a string' }).trim().min(1, { error: 'must not be empty' });

/** A server's `trust` (seed and mcpServers formats; the provider format is checked in chat-config.ts). */
export const trustFlag = z.boolean({ error: 'must be true or false (true: its tools run without asking)' }).optional();

export const httpUrl = z.url({
  protocol: /^https?$/,
  error: 'must be an http:// or https:// URL (e.g. "http://127.0.0.1:8000/mcp")',
});

export const stringMap = (what: string) =>
  z.record(z.string(), z.string({ error: `every ${what} value must be a string` }), {
    error: `must be an object of ${what} name -> string`,
  });

/**
 * A strict object whose unknown keys get a "did you mean" hint from its own keys (and `aliases`:
 * names other formats use for the same thing, e.g. `url` -> `httpstream-url`).
 */
export function strictObject<const Shape extends z.core.$ZodLooseShape>(
  shape: Shape,
  aliases: Readonly<Record<string, string>> = {},
) {
  const keys = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return unknownKeysMessage(issue.keys, keys, aliases);
      if (issue.code === 'invalid_type')
        return issue.input === undefined ? 'is required (an object)' : 'must be an object';
      return undefined;
    },
  });
}

/** Server names prefix tool names (`<server>.<tool>`): the provider-sdk's backend-name rule. */
const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** A map of server name -> server whose names follow the backend-name rule (checked with the name's path). */
export function serverMap<S extends z.ZodType>(server: S) {
  return z
    .record(z.string(), server, {
      error: (issue) =>
        issue.input === undefined
          ? 'is required (an object of server name -> server)'
          : 'must be an object of server name -> server',
    })
    .superRefine((servers, context) => {
      for (const name of Object.keys(servers)) {
        if (SERVER_NAME.test(name)) continue;
        context.addIssue({
          code: 'custom',
          path: [name],
          message: 'server name: use 1-64 letters, digits, _ or - (no dots or spaces: the name prefixes tool names)',
        });
      }
    });
}

/**
 * The error of a discriminated union whose discriminator is missing or unknown: names the valid
 * values (the found one only when it is short: a transport name, not a secret).
 */
export function discriminatorError(field: string, valid: readonly string[]) {
  const list = valid.map((value) => JSON.stringify(value)).join(', ');
  return (issue: z.core.$ZodRawIssue): string | undefined => {
    if (issue.code === 'invalid_type')
      return issue.input === undefined ? 'is required (an object)' : 'must be an object';
    if (issue.code !== 'invalid_union') return undefined;
    const input = issue.input as Record<string, unknown> | undefined;
    const found = input?.[field];
    if (found === undefined) return `is required: one of ${list}`;
    const shown = typeof found === 'string' && found.length <= 40 ? ` ${JSON.stringify(found)}` : '';
    return `unknown ${field}${shown}: use one of ${list}`;
  };
}

/** The command block of a local (stdio) server, Claude Desktop's syntax: `command`, `args`, `env`, `cwd`. */
export const stdioFields = {
  command: nonEmpty,
  args: z
    .array(z.string({ error: 'every argument must be a string' }), { error: 'must be an array of strings' })
    .optional(),
  env: stringMap('environment variable').optional(),
  cwd: nonEmpty.optional(),
};

/** Keys people write for the stdio fields in other tools' configs. */
export const stdioAliases = { cmd: 'command', arguments: 'args', environment: 'env', workingdirectory: 'cwd' };
