import type { ToolFilterConfig } from '../config.js';

/** `*` any run of characters, `?` exactly one; everything else literal. Case-sensitive, whole name. */
export function globToRegExp(glob: string): RegExp {
  const source = [...glob]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's');
}

/** A predicate over a backend's own tool names: in `allow` (when given) and not in `deny`. */
export function createToolFilter(config: ToolFilterConfig): (toolName: string) => boolean {
  const allow = config.allow?.map(globToRegExp);
  const deny = config.deny.map(globToRegExp);
  return (toolName) =>
    (allow === undefined || allow.some((pattern) => pattern.test(toolName))) &&
    !deny.some((pattern) => pattern.test(toolName));
}
