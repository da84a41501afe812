import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SecretBoxConfig } from '@mcs/auth';
import { quoteValue } from '@mcs/resilience';
import { z } from 'zod';
import { listConfigIssues } from './config-issues.js';
import { HttpMcpServerError } from './http-mcp-server-error.js';
import { SERVER_CACHE_DEFAULTS } from './mcp/shared/session-server-cache.js';
import { parseToolPacks, type ToolPackName } from './packs/index.js';
import {
  parseSecretKeys,
  parseUpstreamConfig,
  type UpstreamLoginConfig,
  upstreamEnvSchema,
} from './upstream/upstream-settings.js';

const onOff = z.enum(['on', 'off']);
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The environment the app reads. Names are a contract (CONTRACTS.md): keep them. */
const EnvSchema = z.object({
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'REDIS_URL must be a redis:// or rediss:// URL' }).optional(),
  MCS_AUTH: onOff.default('on'),
  MCS_TOOL_PACKS: z.string().default('default'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Hostnames (no port) accepted in `Host`; empty: localhost names, HOST and PUBLIC_URL's host. */
  MCS_ALLOWED_HOSTS: csv.default([]),
  /** Hostnames (no scheme/port) accepted in a browser's `Origin`; empty: localhost names and PUBLIC_URL's host. */
  MCS_ALLOWED_ORIGINS: csv.default([]),
  MCS_DNS_REBINDING_PROTECTION: onOff.default('on'),
  MCS_BODY_LIMIT_BYTES: positiveInt(4 * 1024 * 1024),
  MCS_SESSION_IDLE_TTL_MS: positiveInt(3_600_000),
  MCS_SSE_RETRY_MS: positiveInt(1_000),
  /** Idle per-session servers kept per transport (0: none); see src/mcp/shared/session-server-cache.ts. */
  MCS_SERVER_CACHE_MAX_SERVERS: z.coerce.number().int().min(0).default(SERVER_CACHE_DEFAULTS.maxServers),
  MCS_SERVER_CACHE_MAX_BYTES: z.coerce.number().int().min(0).default(SERVER_CACHE_DEFAULTS.maxBytes),
  MCS_SERVER_CACHE_TTL_MS: positiveInt(SERVER_CACHE_DEFAULTS.ttlMs),
  MCS_SSE_KEEPALIVE_MS: positiveInt(15_000),
  MCS_SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  MCS_DIRECT_TOOL_CALLS: onOff.default('on'),
  MCS_SESSION_LANES: onOff.default('on'),
  MCS_SERVICE_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** `service` asks the user first (input-required elicitation): `off`, `writes` (non-GET/HEAD), `all`. */
  MCS_SERVICE_CONFIRM: z.enum(['off', 'writes', 'all']).default('off'),
  // Upstream login (src/upstream): MCS_UPSTREAM_*, MCS_SECRET_KEYS.
  ...upstreamEnvSchema.shape,
  // Authorization server (src/auth): see the README's settings table.
  MCS_SIGNING_KEYS: z.string().min(1).optional(),
  MCS_USERS: z.string().min(1).optional(),
  MCS_USERS_FILE: z.string().min(1).optional(),
  MCS_AUTH_SCOPES: csv.default(['mcp']),
  MCS_ACCESS_TOKEN_TTL_S: positiveInt(900),
  MCS_REFRESH_TOKEN_TTL_S: positiveInt(30 * 24 * 3600),
  MCS_AUTH_RATE_LIMIT_PER_MIN: positiveInt(60),
  MCS_CIMD_ALLOW_LOOPBACK: onOff.default('off'),
  MCS_AUTH_OIDC_ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  MCS_AUTH_OIDC_CLIENT_ID: z.string().min(1).optional(),
  MCS_AUTH_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
});

export interface AppConfig {
  host: string;
  port: number;
  publicUrl: string;
  redisUrl: string | undefined;
  auth: 'on' | 'off';
  toolPacks: ToolPackName[];
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  dnsRebindingProtection: boolean;
  allowedHosts: string[];
  allowedOrigins: string[];
  bodyLimitBytes: number;
  sessionIdleTtlMs: number;
  /** Bounds of the idle per-session server cache (`MCS_SERVER_CACHE_*`). */
  serverCache: { maxServers: number; maxBytes: number; ttlMs: number };
  sseRetryMs: number;
  sseKeepAliveMs: number;
  shutdownTimeoutMs: number;
  /** Answer calls of pure tools without building an McpServer (`MCS_DIRECT_TOOL_CALLS`, default on). */
  directToolCalls: boolean;
  /** Serve a 2025 session's `tools/call` on a long-lived server per session (`MCS_SESSION_LANES`, default on). */
  sessionLanes: boolean;
  serviceBaseUrl: string | undefined;
  /** When the `service` tool asks for a confirmation before calling its upstream. */
  serviceConfirm: 'off' | 'writes' | 'all';
  /** Upstream login flow (`login` tool, callback); undefined when MCS_UPSTREAM_ISSUER is unset. Logs redacted (toJSON). */
  upstream: UpstreamLoginConfig | undefined;
  /** `MCS_SECRET_KEYS` (also sealing input-required `requestState`); undefined: ephemeral keys. Logs redacted (toJSON). */
  secretKeys: (SecretBoxConfig & { toJSON(): string }) | undefined;
  /** Authorization server settings (used when `auth` is `on`). */
  oauth: OAuthSettings;
}

export interface OAuthSettings {
  /** `MCS_SIGNING_KEYS`: JSON (a JWK, a list of JWKs, or an `@mcs/auth` key ring config); unset: ephemeral key. */
  signingKeys: string | undefined;
  /** `MCS_USERS`: JSON object username -> password hash (`hash-password`). */
  users: string | undefined;
  /** `MCS_USERS_FILE`: a file with the same JSON. */
  usersFile: string | undefined;
  /** Scopes every MCP request needs. */
  requiredScopes: string[];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Requests per minute and client address on /authorize, /token, /register (each). */
  rateLimitPerMinute: number;
  /** Lets Client ID Metadata Documents live on loopback addresses (tests only). */
  cimdAllowLoopback: boolean;
  /** Sign-in federated to an OpenID provider (`MCS_AUTH_OIDC_*`) instead of the local user store. */
  federation: { issuer: string; clientId: string; clientSecret: string | undefined } | undefined;
}

const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function bracketIpv6(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Reads the settings from `env` (default `process.env`, after loading `./.env` when present; real
 * environment variables win over the file). Throws `INVALID_CONFIG` naming every bad setting.
 */
export function loadConfig(env: NodeJS.ProcessEnv = readProcessEnv()): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = listConfigIssues(parsed.error.issues);
    throw new HttpMcpServerError('INVALID_CONFIG', `Invalid settings: ${problems}. Fix the environment or .env.`, {
      cause: parsed.error,
    });
  }
  const e = parsed.data;
  let toolPacks: ToolPackName[];
  try {
    toolPacks = parseToolPacks(e.MCS_TOOL_PACKS);
  } catch (error) {
    throw new HttpMcpServerError('INVALID_CONFIG', `MCS_TOOL_PACKS: ${(error as Error).message}`, { cause: error });
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://${bracketIpv6(e.HOST)}:${e.PORT}`).replace(/\/$/, '');
  let publicHost: string;
  try {
    publicHost = bracketIpv6(new URL(publicUrl).hostname);
  } catch (cause) {
    // HOST is any non-empty string to zod; `http://<HOST>:<PORT>` must still be a URL.
    throw new HttpMcpServerError(
      'INVALID_CONFIG',
      `HOST: ${quoteValue(e.HOST)} is not a host name or address (set PUBLIC_URL when the public address differs).`,
      { cause },
    );
  }
  const listenHost = bracketIpv6(e.HOST);
  const wildcard = e.HOST === '0.0.0.0' || e.HOST === '::';
  const defaultHosts = [...new Set([...LOCALHOST_NAMES, publicHost, ...(wildcard ? [] : [listenHost])])];
  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    redisUrl: e.REDIS_URL,
    auth: e.MCS_AUTH,
    toolPacks,
    logLevel: e.LOG_LEVEL,
    dnsRebindingProtection: e.MCS_DNS_REBINDING_PROTECTION === 'on',
    allowedHosts: e.MCS_ALLOWED_HOSTS.length > 0 ? e.MCS_ALLOWED_HOSTS : defaultHosts,
    allowedOrigins:
      e.MCS_ALLOWED_ORIGINS.length > 0 ? e.MCS_ALLOWED_ORIGINS : [...new Set([...LOCALHOST_NAMES, publicHost])],
    bodyLimitBytes: e.MCS_BODY_LIMIT_BYTES,
    sessionIdleTtlMs: e.MCS_SESSION_IDLE_TTL_MS,
    serverCache: {
      maxServers: e.MCS_SERVER_CACHE_MAX_SERVERS,
      maxBytes: e.MCS_SERVER_CACHE_MAX_BYTES,
      ttlMs: e.MCS_SERVER_CACHE_TTL_MS,
    },
    sseRetryMs: e.MCS_SSE_RETRY_MS,
    sseKeepAliveMs: e.MCS_SSE_KEEPALIVE_MS,
    shutdownTimeoutMs: e.MCS_SHUTDOWN_TIMEOUT_MS,
    directToolCalls: e.MCS_DIRECT_TOOL_CALLS === 'on',
    sessionLanes: e.MCS_SESSION_LANES === 'on',
    serviceBaseUrl: e.MCS_SERVICE_BASE_URL,
    serviceConfirm: e.MCS_SERVICE_CONFIRM,
    upstream: parseUpstreamConfig(e, publicUrl),
    secretKeys: redactedKeys(parseSecretKeys(e.MCS_SECRET_KEYS)),
    oauth: {
      signingKeys: e.MCS_SIGNING_KEYS,
      users: e.MCS_USERS,
      usersFile: e.MCS_USERS_FILE,
      requiredScopes: e.MCS_AUTH_SCOPES,
      accessTokenTtlSeconds: e.MCS_ACCESS_TOKEN_TTL_S,
      refreshTokenTtlSeconds: e.MCS_REFRESH_TOKEN_TTL_S,
      rateLimitPerMinute: e.MCS_AUTH_RATE_LIMIT_PER_MIN,
      cimdAllowLoopback: e.MCS_CIMD_ALLOW_LOOPBACK === 'on',
      federation: federationSettings(e.MCS_AUTH_OIDC_ISSUER, e.MCS_AUTH_OIDC_CLIENT_ID, e.MCS_AUTH_OIDC_CLIENT_SECRET),
    },
  };
}

/** The key ring with a `toJSON` that names how many keys it holds, never the keys. */
function redactedKeys(keys: SecretBoxConfig | undefined): AppConfig['secretKeys'] {
  if (keys === undefined) return undefined;
  return { ...keys, toJSON: () => `${keys.keys.length} key(s)` };
}

function federationSettings(
  issuer: string | undefined,
  clientId: string | undefined,
  clientSecret: string | undefined,
): OAuthSettings['federation'] {
  if (issuer === undefined) return undefined;
  if (clientId === undefined) {
    throw new HttpMcpServerError('INVALID_CONFIG', 'MCS_AUTH_OIDC_CLIENT_ID is required with MCS_AUTH_OIDC_ISSUER');
  }
  return { issuer, clientId, clientSecret };
}

function readProcessEnv(): NodeJS.ProcessEnv {
  const file = resolve(process.cwd(), '.env');
  if (existsSync(file)) process.loadEnvFile(file);
  return process.env;
}

/** The config as printed at start: passwords in URLs replaced by `***`. */
export function redactConfig(config: AppConfig): Record<string, unknown> {
  const redactUrl = (value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    const url = new URL(value);
    if (url.password) url.password = '***';
    return url.toString();
  };
  const secret = (value: string | undefined) => (value === undefined ? undefined : '***');
  return {
    ...config,
    redisUrl: redactUrl(config.redisUrl),
    serviceBaseUrl: redactUrl(config.serviceBaseUrl),
    oauth: {
      ...config.oauth,
      signingKeys: secret(config.oauth.signingKeys),
      users: secret(config.oauth.users),
      federation: config.oauth.federation && {
        ...config.oauth.federation,
        clientSecret: secret(config.oauth.federation.clientSecret),
      },
    },
  };
}
