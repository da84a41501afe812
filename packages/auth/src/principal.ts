import type { JWTPayload } from 'jose';
import { parseScopes } from './scopes.js';

/** Who a verified access token speaks for, and what it grants. */
export interface Principal {
  /** `sub` */
  readonly subject: string;
  /** From `scope` (space-separated, RFC 9068) and `scp` (array or string). */
  readonly scopes: readonly string[];
  /** From `roles`, Keycloak `realm_access.roles` and `resource_access.<client>.roles` (see README). */
  readonly roles: readonly string[];
  /** `client_id` (RFC 9068), else `azp` (OIDC / Keycloak). */
  readonly clientId: string | undefined;
  /** `aud`, always as a list. */
  readonly audience: readonly string[];
  readonly issuer: string;
  readonly expiresAt: Date;
  readonly issuedAt: Date | undefined;
  readonly jti: string | undefined;
  /** Every claim of the token, verified. */
  readonly claims: JWTPayload;
}

/** The part of a principal that permission checks use. */
export interface PrincipalGrants {
  readonly scopes: readonly string[];
  readonly roles: readonly string[];
}

/**
 * Maps verified claims to a principal. `roleClients` names the Keycloak clients whose
 * `resource_access.<client>.roles` count as roles of this resource (their names are taken as is).
 */
export function principalFromClaims(claims: JWTPayload, roleClients: readonly string[]): Principal {
  const scopes = [...new Set([...parseScopes(claims.scope), ...parseScopes(claims.scp)])];
  const roles = new Set<string>(stringList(claims.roles));
  for (const role of stringList(record(claims.realm_access)?.roles)) roles.add(role);
  const resourceAccess = record(claims.resource_access);
  for (const client of roleClients) {
    for (const role of stringList(record(resourceAccess?.[client])?.roles)) roles.add(role);
  }
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : claims.azp;
  return Object.freeze({
    subject: claims.sub as string,
    scopes,
    roles: [...roles],
    clientId: typeof clientId === 'string' ? clientId : undefined,
    audience: claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud],
    issuer: claims.iss as string,
    expiresAt: new Date((claims.exp as number) * 1000),
    issuedAt: typeof claims.iat === 'number' ? new Date(claims.iat * 1000) : undefined,
    jti: typeof claims.jti === 'string' ? claims.jti : undefined,
    claims,
  });
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : [];
}
