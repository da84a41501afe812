import { isIP } from 'node:net';
import { type SecretBoxConfig, secretBoxConfigSchema } from '@mcs/auth';
import { z } from 'zod';
import { HttpMcpServerError } from '../http-mcp-server-error.js';

/** Environment variables of the upstream login flow (merged into the app's env schema). */
export const upstreamEnvSchema = z.object({
  MCS_UPSTREAM_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  MCS_UPSTREAM_CLIENT_ID: z.string().min(1).optional(),
  MCS_UPSTREAM_CLIENT_SECRET: z.string().min(1).optional(),
  MCS_UPSTREAM_SCOPES: z.string().default('openid offline_access'),
  MCS_UPSTREAM_REDIRECT_URI: z.url({ protocol: /^https?$/ }).optional(),
  MCS_SECRET_KEYS: z.string().min(1).optional(),
  NODE_ENV: z.string().optional(),
});

export type UpstreamEnv = z.infer<typeof upstreamEnvSchema>;

/** Settings of the upstream login flow; `undefined` in AppConfig when no issuer is configured. */
export interface UpstreamLoginConfig {
  /** OpenID provider issuer URL (discovery: `<issuer>/.well-known/openid-configuration`). */
  readonly issuer: string;
  readonly clientId: string;
  /** Unset: a public client (PKCE only, no client authentication). */
  readonly clientSecret: string | undefined;
  readonly scopes: readonly string[];
  /** Where the provider sends the browser back: `<PUBLIC_URL>/oauth/upstream/callback` by default. */
  readonly redirectUri: string;
  /** Secret box keys sealing the stored upstream tokens; `undefined`: an ephemeral key (development only). */
  readonly secretKeys: SecretBoxConfig | undefined;
  /** Secrets stay out of logs: pino serializes through toJSON. */
  toJSON(): Record<string, unknown>;
}

/** Path of the callback route; the default redirect URI is this path under PUBLIC_URL. */
export const UPSTREAM_CALLBACK_PATH = '/oauth/upstream/callback';

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/** Plain http is accepted for loopback issuers only (tests, a provider on the same host). */
export function isInsecureLoopback(url: URL): boolean {
  return url.protocol === 'http:' && isLoopback(url.hostname);
}

function invalid(message: string, cause?: unknown): HttpMcpServerError {
  return new HttpMcpServerError('INVALID_CONFIG', message, { cause });
}

/** `MCS_SECRET_KEYS`: the secret box key ring (upstream logins, input-required `requestState`). */
export function parseSecretKeys(json: string | undefined): SecretBoxConfig | undefined {
  if (json === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw invalid('MCS_SECRET_KEYS must be JSON: {"keys":[{"id":"k1","key":"<32 bytes, base64>"}]}', error);
  }
  const parsed = secretBoxConfigSchema.safeParse(value);
  if (!parsed.success) throw invalid(`MCS_SECRET_KEYS: ${z.prettifyError(parsed.error)}`, parsed.error);
  return parsed.data;
}

/**
 * Reads the upstream login settings. Nothing set: `undefined` (the login tools answer "not
 * configured"). Throws INVALID_CONFIG for half a configuration, a plain-http non-loopback issuer,
 * bad keys, or no keys in production.
 */
export function parseUpstreamConfig(env: UpstreamEnv, publicUrl: string): UpstreamLoginConfig | undefined {
  const secretKeys = parseSecretKeys(env.MCS_SECRET_KEYS);
  if (env.MCS_UPSTREAM_ISSUER === undefined) {
    if (env.MCS_UPSTREAM_CLIENT_ID !== undefined) {
      throw invalid('MCS_UPSTREAM_CLIENT_ID is set without MCS_UPSTREAM_ISSUER: set both, or neither.');
    }
    return undefined;
  }
  if (env.MCS_UPSTREAM_CLIENT_ID === undefined) {
    throw invalid('MCS_UPSTREAM_ISSUER is set without MCS_UPSTREAM_CLIENT_ID: set the client id registered upstream.');
  }
  const issuer = new URL(env.MCS_UPSTREAM_ISSUER);
  if (issuer.protocol === 'http:' && !isLoopback(issuer.hostname)) {
    throw invalid('MCS_UPSTREAM_ISSUER must be https (plain http is accepted on loopback addresses only).');
  }
  if (secretKeys === undefined && env.NODE_ENV === 'production') {
    throw invalid('MCS_SECRET_KEYS is required in production with MCS_UPSTREAM_ISSUER (it seals stored tokens).');
  }
  const scopes = env.MCS_UPSTREAM_SCOPES.split(/[\s,]+/).filter((scope) => scope.length > 0);
  const clientSecret = env.MCS_UPSTREAM_CLIENT_SECRET;
  const config = {
    issuer: env.MCS_UPSTREAM_ISSUER,
    clientId: env.MCS_UPSTREAM_CLIENT_ID,
    clientSecret,
    scopes,
    redirectUri: env.MCS_UPSTREAM_REDIRECT_URI ?? `${publicUrl}${UPSTREAM_CALLBACK_PATH}`,
    secretKeys,
  };
  return {
    ...config,
    toJSON: () => ({
      ...config,
      clientSecret: clientSecret === undefined ? undefined : '***',
      secretKeys: secretKeys === undefined ? 'ephemeral' : `${secretKeys.keys.length} key(s)`,
    }),
  };
}
