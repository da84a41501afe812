import { z } from 'zod';
import { AuthError } from './auth-error.js';
import { parseConfig } from './internal/parse-config.js';
import type { PrincipalGrants } from './principal.js';

/**
 * RBAC config: grant -> tool name patterns. A grant key is `scope:<name>` (a scope only),
 * `role:<name>` (a role only), a bare `<name>` (a scope or a role of that name), or `*` (every
 * authenticated principal). A pattern matches a whole tool name; `*` stands for any run of
 * characters (dots included), everything else is literal and case-sensitive.
 */
export const rbacConfigSchema = z.object({
  rules: z.record(
    z.string().min(1).max(256).regex(/^\S+$/, 'a grant has no spaces'),
    z.array(
      z
        .string()
        .min(1)
        .max(256)
        .regex(/^[\x21-\x7e]+$/, 'a tool pattern is printable ASCII without spaces'),
    ),
  ),
});
export type RbacConfig = z.input<typeof rbacConfigSchema>;

export interface Rbac {
  /** True when some grant of the principal has a pattern matching `toolName`. No matching rule = denied. */
  isAllowed(principal: PrincipalGrants, toolName: string): boolean;
  /** The names the principal may use, in their original order (for hiding tools from listings). */
  filterAllowed<T extends string>(principal: PrincipalGrants, names: readonly T[]): T[];
  /** Throws ACCESS_DENIED (HTTP 403 / PERMISSION_DENIED) when the tool is not allowed. */
  assertAllowed(principal: PrincipalGrants, toolName: string): void;
}

export function createRbac(config: RbacConfig): Rbac {
  const { rules } = parseConfig(rbacConfigSchema, config, 'RBAC rules');
  const everyone: RegExp[] = [];
  const byScope = new Map<string, RegExp[]>();
  const byRole = new Map<string, RegExp[]>();
  const push = (map: Map<string, RegExp[]>, key: string, patterns: RegExp[]) =>
    map.set(key, [...(map.get(key) ?? []), ...patterns]);

  for (const [grant, patterns] of Object.entries(rules)) {
    const compiled = patterns.map(compilePattern);
    if (grant === '*') everyone.push(...compiled);
    else if (grant.startsWith('scope:')) push(byScope, grant.slice('scope:'.length), compiled);
    else if (grant.startsWith('role:')) push(byRole, grant.slice('role:'.length), compiled);
    else {
      push(byScope, grant, compiled);
      push(byRole, grant, compiled);
    }
  }

  const patternsFor = (principal: PrincipalGrants): RegExp[] => [
    ...everyone,
    ...principal.scopes.flatMap((scope) => byScope.get(scope) ?? []),
    ...principal.roles.flatMap((role) => byRole.get(role) ?? []),
  ];
  const matches = (patterns: readonly RegExp[], name: string) => patterns.some((pattern) => pattern.test(name));

  return {
    isAllowed: (principal, toolName) => matches(patternsFor(principal), toolName),
    filterAllowed: (principal, names) => {
      const patterns = patternsFor(principal);
      return names.filter((name) => matches(patterns, name));
    },
    assertAllowed(principal, toolName) {
      if (matches(patternsFor(principal), toolName)) return;
      throw new AuthError(
        'ACCESS_DENIED',
        `Tool "${toolName}" is not allowed for this token's scopes and roles; ask for a role or scope that grants it.`,
      );
    },
  };
}

function compilePattern(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 's');
}
