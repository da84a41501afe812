/**
 * Configs are a few levels deep. Data read from a file is refused past this depth, so that every
 * later walk over it (validation, interpolation, redaction: recursive) stays far from the stack
 * limit; 3,000 levels of `[` overflowed it.
 */
export const MAX_CONFIG_DEPTH = 64;

/**
 * Whether `data` nests objects or arrays `maxDepth` levels deep or deeper (the top value is level 0).
 * Walks with its own stack, so any depth is safe to check; stops at the first node that deep.
 */
export function nestedTooDeep(data: unknown, maxDepth: number = MAX_CONFIG_DEPTH): boolean {
  const stack: [unknown, number][] = [[data, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    if (depth >= maxDepth) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}
