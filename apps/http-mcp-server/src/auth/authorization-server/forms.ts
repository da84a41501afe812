import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { OAuthError } from '../oauth-error.js';

/** Store namespace of authorization requests waiting for consent (one-time, taken on submit). */
export const AUTHZ_REQUEST_NS = 'oauth-authz';
/** Store namespace of consented requests waiting for the upstream provider's callback. */
export const FEDERATION_NS = 'oauth-federation';
export const FEDERATION_CALLBACK_PATH = '/authorize/callback';
export const AUTHZ_REQUEST_TTL_MS = 10 * 60 * 1000;
export const CSRF_COOKIE = 'mcs_authz_csrf';

const optionalText = z.string().max(2048).optional();
export const AuthorizeQuery = z.object({
  client_id: z.string().min(1).max(2048),
  redirect_uri: optionalText,
  response_type: optionalText,
  code_challenge: optionalText,
  code_challenge_method: optionalText,
  scope: optionalText,
  state: optionalText,
  resource: optionalText,
});
export const ConsentForm = z.object({
  request_id: z.string().min(1).max(100),
  csrf_token: z.string().min(1).max(100),
  decision: z.enum(['approve', 'deny']),
  username: z.string().max(200).optional(),
  password: z.string().max(1000).optional(),
});
export const TokenForm = z.object({
  grant_type: z.string().max(100),
  client_id: z.string().min(1).max(2048),
  code: optionalText,
  redirect_uri: optionalText,
  code_verifier: optionalText,
  refresh_token: optionalText,
  scope: optionalText,
  resource: optionalText,
});
export const RevokeForm = z.object({
  token: z.string().min(1).max(16_384),
  token_type_hint: optionalText,
  client_id: optionalText,
});

/** An authorization request shown to the user, saved until the consent form comes back. */
export interface PendingAuthorization {
  clientId: string;
  clientName: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  resource: string;
  state: string | null;
  csrfHash: string;
}

/** A validated request the user has not yet consented to (no CSRF token issued yet). */
export type AuthorizationRequest = Omit<PendingAuthorization, 'csrfHash'>;

export const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

/** Validates a query or form body; every problem named in one `invalid_request`. */
export function parseForm<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
      .join('; ');
    throw new OAuthError('invalid_request', `Bad parameters: ${problems}`);
  }
  return parsed.data;
}

export function cookieValue(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
