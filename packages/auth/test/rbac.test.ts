import { describe, expect, it } from 'vitest';
import { AuthError, createRbac, hasScopes, parseScopes } from '../src/index.js';

const rbac = createRbac({
  rules: {
    'scope:tools:everything': ['everything.*'],
    'role:admin': ['*'],
    echo: ['native.echo'],
    '*': ['public.*'],
  },
});
const principal = (scopes: string[], roles: string[] = []) => ({ scopes, roles });
const tools = ['everything.echo', 'everything.add', 'native.echo', 'native.time', 'public.ping', 'secret.x'];

describe('createRbac', () => {
  it('allows what a scope grants and denies what no rule matches', () => {
    const user = principal(['tools:everything']);
    expect(rbac.isAllowed(user, 'everything.echo')).toBe(true);
    expect(rbac.isAllowed(user, 'native.echo')).toBe(false);
    expect(rbac.filterAllowed(user, tools)).toEqual(['everything.echo', 'everything.add', 'public.ping']);
  });

  it('keeps scope: and role: grants apart', () => {
    expect(rbac.isAllowed(principal([], ['tools:everything']), 'everything.echo')).toBe(false);
    expect(rbac.isAllowed(principal(['admin']), 'secret.x')).toBe(false);
    expect(rbac.filterAllowed(principal([], ['admin']), tools)).toEqual(tools);
  });

  it('lets a bare grant match a scope or a role of that name', () => {
    expect(rbac.isAllowed(principal(['echo']), 'native.echo')).toBe(true);
    expect(rbac.isAllowed(principal([], ['echo']), 'native.echo')).toBe(true);
    expect(rbac.isAllowed(principal([], ['echo']), 'native.echoes')).toBe(false);
  });

  it('gives "*" rules to every principal, and nothing else to one without grants', () => {
    expect(rbac.filterAllowed(principal([]), tools)).toEqual(['public.ping']);
  });

  it('treats pattern characters other than * literally', () => {
    const literal = createRbac({ rules: { x: ['a.b', 'c+d*'] } });
    expect(literal.isAllowed(principal(['x']), 'a.b')).toBe(true);
    expect(literal.isAllowed(principal(['x']), 'aXb')).toBe(false);
    expect(literal.isAllowed(principal(['x']), 'c+d.anything.here')).toBe(true);
  });

  it('denies everything with empty rules', () => {
    expect(createRbac({ rules: {} }).filterAllowed(principal(['a'], ['b']), tools)).toEqual([]);
  });

  it('throws ACCESS_DENIED naming the tool', () => {
    let caught: unknown;
    try {
      rbac.assertAllowed(principal([]), 'secret.x');
    } catch (error) {
      caught = error;
    }
    expect(AuthError.isInstance(caught) && caught.code).toBe('ACCESS_DENIED');
    expect((caught as AuthError).grpcStatus).toBe('PERMISSION_DENIED');
    expect((caught as AuthError).message).toContain('"secret.x"');
  });

  it('validates the rule config', () => {
    expect(() => createRbac({ rules: { 'has space': ['x'] } })).toThrow(/Invalid RBAC rules/);
    expect(() => createRbac({ rules: { ok: ['bad pattern'] } })).toThrow(/Invalid RBAC rules/);
    expect(() => createRbac({ rules: { ok: 'x' as unknown as string[] } })).toThrow(/Invalid RBAC rules/);
  });
});

describe('scopes', () => {
  it('parses space-separated and array scopes', () => {
    expect(parseScopes('a  b a')).toEqual(['a', 'b']);
    expect(parseScopes(['a', 'b c', 3])).toEqual(['a', 'b', 'c']);
    expect(parseScopes(undefined)).toEqual([]);
  });

  it('returns the missing scopes', () => {
    expect(hasScopes(['a', 'b'], ['a', 'c', 'd'])).toEqual(['c', 'd']);
    expect(hasScopes(['a'], [])).toEqual([]);
  });
});
