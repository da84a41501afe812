import { z } from 'zod';
import { ChatCliError } from '../chat-cli-error.js';

/** One `key=value` of a command line; `quoted` when the value was written in quotes (then it is text). */
interface Assignment {
  key: string;
  value: string;
  quoted: boolean;
}

const MAX_ARGUMENTS_LENGTH = 100_000;

const fail = (message: string): never => {
  throw new ChatCliError('COMMAND_FAILED', message);
};

/**
 * Splits `a=1 city="New York" note='it''s'` like a shell would: whitespace separates, single or
 * double quotes group (a backslash escapes the next character inside double quotes and outside quotes).
 */
export function splitAssignments(text: string): Assignment[] {
  if (text.length > MAX_ARGUMENTS_LENGTH) fail(`the arguments are longer than ${MAX_ARGUMENTS_LENGTH} characters`);
  const words: { text: string; quoted: boolean }[] = [];
  let word: { text: string; quoted: boolean } | undefined;
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (/\s/.test(char)) {
      if (word) words.push(word);
      word = undefined;
      index += 1;
      continue;
    }
    word ??= { text: '', quoted: false };
    if (char === '"' || char === "'") {
      const close = char;
      index += 1;
      let closed = false;
      while (index < text.length) {
        const inner = text[index]!;
        if (inner === close) {
          closed = true;
          index += 1;
          break;
        }
        if (inner === '\\' && close === '"' && index + 1 < text.length) {
          word.text += text[index + 1];
          index += 2;
          continue;
        }
        word.text += inner;
        index += 1;
      }
      if (!closed) fail(`a ${close} quote is not closed`);
      word.quoted = true;
      continue;
    }
    if (char === '\\' && index + 1 < text.length) {
      word.text += text[index + 1];
      index += 2;
      continue;
    }
    word.text += char;
    index += 1;
  }
  if (word) words.push(word);
  return words.map(({ text: part, quoted }) => {
    const equals = part.indexOf('=');
    if (equals <= 0) fail(`"${part.slice(0, 60)}" is not key=value (quote values with spaces: key="a b")`);
    // `quoted` is about the value: `key="x"` and `"key=x"` both make text of x.
    return { key: part.slice(0, equals), value: part.slice(equals + 1), quoted };
  });
}

type JsonSchema = Record<string, unknown>;

const typesOf = (schema: unknown): string[] => {
  const type = (schema as JsonSchema | undefined)?.type;
  return typeof type === 'string' ? [type] : Array.isArray(type) ? type.filter((t) => typeof t === 'string') : [];
};

/** A value for a property: text when the schema wants only text (or it was quoted), else JSON when it parses. */
function coerce({ value, quoted }: Assignment, property: unknown): unknown {
  const types = typesOf(property);
  const textOnly = types.length > 0 && types.every((type) => type === 'string');
  if (textOnly || (quoted && (types.length === 0 || types.includes('string')))) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/**
 * The arguments of `/call <tool> ...`: a JSON object, or `key=value` pairs whose values are typed by
 * the tool's input schema (`n=3` is a number when `n` is a number, `tags=["a","b"]` an array, quoted
 * values are text). The result is checked against the schema; every problem is a `COMMAND_FAILED`
 * error naming the argument.
 */
export function toolArguments(text: string, inputSchema: JsonSchema | undefined): Record<string, unknown> {
  const properties = (inputSchema?.properties ?? {}) as Record<string, unknown>;
  let args: Record<string, unknown>;
  if (text.trim().startsWith('{')) {
    args = parseJsonObject(text);
  } else {
    args = {};
    for (const assignment of splitAssignments(text)) {
      if (assignment.key in args) fail(`argument ${assignment.key} is given twice`);
      args[assignment.key] = coerce(assignment, properties[assignment.key]);
    }
  }
  if (inputSchema !== undefined) checkAgainstSchema(args, inputSchema);
  return args;
}

/** The arguments of `/prompt <name> ...`: `key=value` text (or a JSON object of strings), checked against the prompt's arguments. */
export function promptArguments(
  text: string,
  declared: readonly { name: string; required?: boolean | undefined }[] | undefined,
): Record<string, string> {
  const args: Record<string, string> = {};
  if (text.trim().startsWith('{')) {
    for (const [key, value] of Object.entries(parseJsonObject(text))) {
      if (typeof value !== 'string') fail(`prompt argument ${key} must be a string`);
      args[key] = value as string;
    }
  } else {
    for (const { key, value } of splitAssignments(text)) {
      if (key in args) fail(`argument ${key} is given twice`);
      args[key] = value;
    }
  }
  if (declared !== undefined) {
    const names = declared.map((argument) => argument.name);
    const unknown = Object.keys(args).filter((key) => !names.includes(key));
    if (unknown.length > 0) {
      fail(`unknown prompt argument ${unknown.join(', ')} (arguments: ${names.join(', ') || 'none'})`);
    }
    const missing = declared.filter((argument) => argument.required && !(argument.name in args));
    if (missing.length > 0) fail(`missing required prompt argument ${missing.map((a) => `${a.name}=...`).join(' ')}`);
  }
  return args;
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(`the arguments are not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('the arguments must be a JSON object');
  return value as Record<string, unknown>;
}

/**
 * Checks arguments against a tool's JSON Schema (converted with zod's `fromJSONSchema`). A schema
 * that zod cannot convert is left to the server, which validates the call itself.
 */
function checkAgainstSchema(args: Record<string, unknown>, inputSchema: JsonSchema): void {
  const properties = Object.keys((inputSchema.properties ?? {}) as object);
  if (properties.length > 0 && inputSchema.additionalProperties !== true) {
    const unknown = Object.keys(args).filter((key) => !properties.includes(key));
    if (unknown.length > 0) fail(`unknown argument ${unknown.join(', ')} (arguments: ${properties.join(', ')})`);
  }
  let schema: z.ZodType;
  try {
    schema = z.fromJSONSchema(inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    return;
  }
  const result = schema.safeParse(args);
  if (result.success) return;
  const problems = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`);
  fail(`invalid arguments: ${problems.join('; ')}`);
}
