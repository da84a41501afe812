import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ChatCliError } from '../chat-cli-error.js';
import type { ConfigProblem } from './config-problem.js';
import { nonEmpty } from './schema-parts.js';

// The MCP roots mcs-chat offers the servers (`roots/list`): `--root <dir>` (repeatable), else the
// config's top-level `roots`, else the working directory. Checked at start, so a typo is an error
// there, not a server quietly working on a folder that is not there.

/** The config's `roots`: directory paths, relative ones against the config file's folder. */
export const RootsSchema = z.array(nonEmpty, {
  error: 'must be an array of directory paths, e.g. ["./src", "/srv/data"] (relative to the config file)',
});

/** Why `dir` cannot be a root, or `undefined` when it is an existing directory. */
function rootDirProblem(dir: string): string | undefined {
  try {
    return statSync(dir).isDirectory() ? undefined : 'is not a directory';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'does not exist' : `cannot be read (${code ?? 'error'})`;
  }
}

/**
 * The top-level `roots` of a config document, taken out of it (no format's schema knows the key):
 * validated, resolved against `base` (the config file's folder) and checked to be directories, every
 * problem with its JSON path. `roots: undefined` when the document has none.
 */
export function takeRoots(
  document: Record<string, unknown>,
  base: string,
): { document: Record<string, unknown>; roots: string[] | undefined; problems: ConfigProblem[] } {
  if (!('roots' in document)) return { document, roots: undefined, problems: [] };
  const { roots: value, ...rest } = document;
  const parsed = RootsSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => ({ path: ['roots', ...issue.path], message: issue.message }));
    return { document: rest, roots: undefined, problems };
  }
  const roots = parsed.data.map((dir) => resolve(base, dir));
  // Paths only in the messages: config messages never repeat a value of the file.
  const problems = roots.flatMap((dir, index): ConfigProblem[] => {
    const problem = rootDirProblem(dir);
    return problem === undefined
      ? []
      : [{ path: ['roots', index], message: `${problem}: each root must be an existing directory` }];
  });
  return { document: rest, roots: [...new Set(roots)], problems };
}

/** `--root <dir>` values resolved against the working directory; a missing or non-directory one is a `USAGE` error. */
export function resolveRootFlags(dirs: readonly string[], cwd: string): string[] {
  const roots = dirs.map((dir) => {
    if (dir.trim() === '') throw new ChatCliError('USAGE', '--root needs a non-empty directory path');
    const absolute = resolve(cwd, dir);
    const problem = rootDirProblem(absolute);
    if (problem !== undefined) {
      const shown = absolute === dir ? dir : `${dir} (${absolute})`;
      throw new ChatCliError('USAGE', `--root ${shown} ${problem}: --root takes an existing directory`);
    }
    return absolute;
  });
  return [...new Set(roots)];
}

/** The MCP roots for the pool: the directories given, else the working directory. */
export function mcpRoots(dirs: readonly string[] | undefined, cwd: string): { uri: string; name: string }[] {
  if (dirs === undefined) return [{ uri: pathToFileURL(cwd).href, name: 'working directory' }];
  return dirs.map((dir) => ({ uri: pathToFileURL(dir).href, name: basename(dir) || dir }));
}
