import type {
  ElicitationAnswer,
  ElicitationContent,
  ElicitationHandler,
  FormElicitationRequest,
} from '@mcs/provider-sdk';
import type { Prompter, PrompterSlot } from './prompter.js';
import { serverBlock, serverLine } from './server-text.js';
import { askUrl, type UrlElicitationOptions } from './url-elicitation.js';

/** Tries per field (and for the whole form) before the form is cancelled: a pipe may send nonsense forever. */
const MAX_TRIES = 5;
/** Characters of the server's message, and of one field's question, shown at most. */
const MAX_MESSAGE = 1000;
const MAX_QUESTION = 500;

interface FieldSchema {
  type?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  oneOf?: { const?: unknown; title?: string }[];
  enumNames?: string[];
  items?: { enum?: unknown[]; anyOf?: { const?: unknown; title?: string }[] };
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
}

type FieldValue = string | number | boolean | string[];

/** The choices of an enum field: values with their labels. */
function choicesOf(field: FieldSchema): { value: string; label: string }[] | undefined {
  const labelled = field.oneOf ?? field.items?.anyOf;
  if (labelled)
    return labelled.map((choice) => ({ value: String(choice.const), label: choice.title ?? String(choice.const) }));
  const values = field.enum ?? field.items?.enum;
  if (!values) return undefined;
  return values.map((value, index) => ({ value: String(value), label: field.enumNames?.[index] ?? String(value) }));
}

/** Reads one typed answer: the value, or a message saying what is wrong with it. */
function parseField(field: FieldSchema, text: string): { value: FieldValue } | { problem: string } {
  const choices = choicesOf(field);
  const pick = (word: string) => {
    const number = Number(word);
    if (choices && Number.isInteger(number) && number >= 1 && number <= choices.length)
      return choices[number - 1]!.value;
    return choices?.find((choice) => choice.value === word || choice.label === word)?.value;
  };
  if (field.type === 'array') {
    const words = text
      .split(',')
      .map((word) => word.trim())
      .filter(Boolean);
    const values = words.map(pick);
    if (values.some((value) => value === undefined))
      return { problem: 'pick from the list (numbers or values, comma-separated)' };
    if (field.minItems !== undefined && values.length < field.minItems)
      return { problem: `pick at least ${field.minItems}` };
    if (field.maxItems !== undefined && values.length > field.maxItems)
      return { problem: `pick at most ${field.maxItems}` };
    return { value: values as string[] };
  }
  if (field.type === 'boolean') {
    const word = text.trim().toLowerCase();
    if (['y', 'yes', 'true'].includes(word)) return { value: true };
    if (['n', 'no', 'false'].includes(word)) return { value: false };
    return { problem: 'answer y or n' };
  }
  if (field.type === 'number' || field.type === 'integer') {
    const number = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(number)) return { problem: 'a number is needed' };
    if (field.type === 'integer' && !Number.isInteger(number)) return { problem: 'a whole number is needed' };
    if (field.minimum !== undefined && number < field.minimum) return { problem: `at least ${field.minimum}` };
    if (field.maximum !== undefined && number > field.maximum) return { problem: `at most ${field.maximum}` };
    return { value: number };
  }
  if (choices) {
    const value = pick(text.trim());
    return value === undefined ? { problem: 'pick one from the list (its number or value)' } : { value };
  }
  if (field.minLength !== undefined && text.length < field.minLength)
    return { problem: `at least ${field.minLength} characters` };
  if (field.maxLength !== undefined && text.length > field.maxLength)
    return { problem: `at most ${field.maxLength} characters` };
  return { value: text };
}

const show = (value: unknown) => (Array.isArray(value) ? value.join(',') : String(value));

/** The line asking for one field: title, type, choices, default, whether it may be left empty. */
function fieldQuestion(name: string, field: FieldSchema, required: boolean): string {
  const choices = choicesOf(field);
  const kind =
    field.type === 'boolean'
      ? 'y/n'
      : choices
        ? choices.map((choice, index) => `${index + 1}) ${choice.label}`).join('  ')
        : [field.type ?? 'string', field.format].filter(Boolean).join(', ');
  const details = [
    kind,
    field.default !== undefined ? `default ${show(field.default)}` : '',
    required ? '' : 'optional',
  ]
    .filter(Boolean)
    .join('; ');
  const title = field.title && field.title !== name ? `${field.title} (${name})` : name;
  // All of it is the server's text (names, titles, descriptions, choices): one line, no control character.
  return `  ${serverLine(`${title}${field.description ? ` - ${field.description}` : ''} [${details}]`, MAX_QUESTION)}: `;
}

async function askForm(request: FormElicitationRequest, prompter: Prompter): Promise<ElicitationAnswer> {
  const { signal } = request;
  const start = await prompter.ask(
    `MCP server "${request.backend}" asks: ${serverBlock(request.message, MAX_MESSAGE)}\nFill in the form? [y]es, [n]o (decline), [c]ancel: `,
    signal,
  );
  const word = start?.trim().toLowerCase();
  if (word === undefined || word === 'c' || word === 'cancel') return { action: 'cancel' };
  if (word === 'n' || word === 'no') return { action: 'decline' };
  const required = new Set(request.requestedSchema.required ?? []);
  for (let round = 0; round < MAX_TRIES; round += 1) {
    const content: ElicitationContent = {};
    for (const [name, schema] of Object.entries(request.requestedSchema.properties)) {
      const field = schema as FieldSchema;
      let answered = false;
      let problem = '';
      for (let tries = 0; tries < MAX_TRIES && !answered; tries += 1) {
        const question = fieldQuestion(name, field, required.has(name));
        const text = await prompter.ask(
          problem ? `  (${serverLine(problem, MAX_QUESTION)})\n${question}` : question,
          signal,
        );
        if (text === undefined) return { action: 'cancel' };
        if (text.trim() === '') {
          // Empty: the default (filled in by the pool), or nothing for an optional field.
          if (field.default !== undefined || !required.has(name)) answered = true;
          else problem = 'this field is required';
          continue;
        }
        const parsed = parseField(field, text);
        if ('value' in parsed) {
          content[name] = parsed.value;
          answered = true;
        } else {
          problem = parsed.problem;
        }
      }
      if (!answered) return { action: 'cancel' };
    }
    const verdict = request.validate(content);
    if (verdict.ok) return { action: 'accept', content };
    const again = await prompter.ask(
      `The answers do not fit the form: ${serverLine(verdict.message, MAX_QUESTION)}\nTry again? [y/N]: `,
      signal,
    );
    if (again?.trim().toLowerCase() !== 'y') return { action: 'cancel' };
  }
  return { action: 'cancel' };
}

/**
 * Answers the servers' `elicitation/create` in the terminal: a form field by field (typed, checked,
 * defaults on Enter, then validated as a whole by the pool's validator), or a URL to open (see
 * url-elicitation.ts). Without anyone to ask (no terminal) the request is cancelled.
 */
export function createElicitationHandler(prompter: PrompterSlot, options: UrlElicitationOptions): ElicitationHandler {
  return (request) => {
    const current = prompter.current;
    if (request.mode === 'url') return askUrl(request, current, options);
    return current ? askForm(request, current) : { action: 'cancel' };
  };
}
