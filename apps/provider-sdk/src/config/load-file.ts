import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { quoteValue } from '@mcs/resilience';
import { ProviderError } from '../provider-error.js';
import { MAX_CONFIG_DEPTH, nestedTooDeep } from './nesting-depth.js';
import { isPlainObject } from './schema-walk.js';

/** A config is a few kilobytes; anything this large is a mistake (a log, a binary) and not read. */
const MAX_CONFIG_BYTES = 1024 * 1024;

// Parser messages quote the text around a syntax error, and that text may be a secret: messages
// here give the file, line, column and the kind of error only.

interface Position {
  line: number;
  column: number;
}

const at = (file: string, position: Position | undefined) =>
  position === undefined ? file : `${file}:${position.line}:${position.column}`;

// The YAML parser (about 70 modules) is imported only for a YAML file or a JSON file that does not
// parse: a process that reads no config file, or a valid JSON one, does not load it.
type YamlParser = typeof import('yaml');
const loadYaml = (): Promise<YamlParser> => import('yaml');

/** The first error of `text` read as YAML: its kind and position, never the text. */
function yamlProblem(
  { parseDocument }: YamlParser,
  text: string,
  schema: 'core' | 'json' = 'core',
): { code: string; position: Position | undefined } | undefined {
  const document = parseDocument(text, { uniqueKeys: true, merge: schema === 'core', prettyErrors: true, schema });
  const error = document.errors[0];
  if (error === undefined) return undefined;
  const start = error.linePos?.[0];
  return { code: error.code, position: start === undefined ? undefined : { line: start.line, column: start.col } };
}

async function parseYaml(file: string, text: string): Promise<unknown> {
  const yaml = await loadYaml();
  const problem = yamlProblem(yaml, text);
  if (problem !== undefined) {
    const kind = problem.code.toLowerCase().replaceAll('_', ' ');
    throw new ProviderError(
      'CONFIG_INVALID',
      `${at(file, problem.position)}: not valid YAML (${kind}): fix the syntax there`,
    );
  }
  // maxAliasCount bounds "billion laughs" alias expansion; the yaml package throws a plain
  // ReferenceError past it.
  try {
    return yaml.parseDocument(text, { uniqueKeys: true, merge: true }).toJS({ maxAliasCount: 100 });
  } catch (cause) {
    throw new ProviderError('CONFIG_INVALID', `${file}: YAML aliases expand too far (more than 100): not read`, {
      cause,
    });
  }
}

async function parseJson(file: string, text: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch {
    // JSON is YAML 1.2, so the YAML parser can point at the error without quoting the text.
    const position = yamlProblem(await loadYaml(), text, 'json')?.position;
    throw new ProviderError('CONFIG_INVALID', `${at(file, position)}: not valid JSON: fix the syntax there`);
  }
}

/** Which parser a file gets: by extension; without one, JSON when it starts with `{`. */
function formatOf(file: string, text: string): 'json' | 'yaml' {
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return 'json';
  if (extension === '.yaml' || extension === '.yml') return 'yaml';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/** A path as messages show it: as given, unless it is long enough to be a mistake (then quoted, shortened). */
export const shownPath = (file: string): string => (file.length > 200 ? quoteValue(file, 200) : file);

/** Reads a JSON or YAML config file into plain data; every error names the file (and line). */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const file = shownPath(path);
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    if (info.size > MAX_CONFIG_BYTES) {
      throw new ProviderError('CONFIG_INVALID', `${file}: larger than 1 MiB, not read (is it the config file?)`);
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (ProviderError.isInstance(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new ProviderError('CONFIG_NOT_FOUND', `${file}: config file not found (check the path)`, { cause: error });
    }
    throw new ProviderError('CONFIG_INVALID', `${file}: cannot read the config file (${code ?? 'read error'})`, {
      cause: error,
    });
  }
  const data = formatOf(path, text) === 'json' ? await parseJson(file, text) : await parseYaml(file, text);
  if (data === null || data === undefined) return {};
  if (!isPlainObject(data)) {
    throw new ProviderError('CONFIG_INVALID', `${file}: the file must hold one object (keys and values) at its top`);
  }
  if (nestedTooDeep(data)) {
    throw new ProviderError(
      'CONFIG_INVALID',
      `${file}: nested more than ${MAX_CONFIG_DEPTH} levels deep (is it the config file?)`,
    );
  }
  return data;
}
