import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { boundErrorMessage, quoteValue } from '@mcs/resilience';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { GatewayError } from './gateway-error.js';

const nonEmpty = z.string().trim().min(1);
/** Backend names become the first segment of every tool name (`<backend>.<tool>`): no dots. */
const backendName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'a backend name is letters, digits, "_" or "-" (no dots), at most 63');

/** The backend name of tools implemented inside the gateway. */
export const NATIVE_BACKEND = 'native';

/** Glob filters on a backend's own tool names (`*` any run of characters, `?` one character). */
const toolFilterSchema = z
  .object({
    /** Only these tools are exposed (default: all). */
    allow: z.array(nonEmpty).optional(),
    /** These tools are never exposed (wins over `allow`). */
    deny: z.array(nonEmpty).default([]),
  })
  .strict();

const gatewayBackendFields = {
  tools: toolFilterSchema.default({ deny: [] }),
  /** Per-call inactivity timeout for this backend's tools (reset by progress). Default: `limits.callTimeoutMs`. */
  callTimeoutMs: z.number().int().positive().optional(),
  /** Restart/health/breaker settings, passed to @mcs/transports (which validates them and documents defaults). */
  supervision: z.record(z.string(), z.unknown()).optional(),
};

const stdioBackendSchema = z
  .object({
    transport: z.literal('stdio'),
    command: nonEmpty,
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    cwd: nonEmpty.optional(),
    ...gatewayBackendFields,
  })
  .strict();

const remoteBackendFields = {
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  headers: z.record(z.string(), z.string()).default({}),
  bearerToken: nonEmpty.optional(),
  ...gatewayBackendFields,
};
const httpBackendSchema = z.object({ transport: z.literal('http'), ...remoteBackendFields }).strict();
const sseBackendSchema = z.object({ transport: z.literal('sse'), ...remoteBackendFields }).strict();

const backendSchema = z.discriminatedUnion('transport', [stdioBackendSchema, httpBackendSchema, sseBackendSchema]);

/**
 * The shared revocation list: the authorization server's session store (Redis), read by `jti`. Present =
 * on: every call's token needs a `jti`, and is refused once that `jti` is revoked there.
 */
const revocationSchema = z
  .object({
    /** The Redis of the http-mcp-server's session store (its `REDIS_URL`). `REDIS_URL` in the environment wins. */
    redisUrl: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
    /**
     * How long one answer of the store is reused (ms), revoked or not: the longest a revoked token still
     * passes, and how often a running call's token is checked again (at least every 500 ms).
     */
    cacheTtlMs: z.number().int().min(0).max(5_000).default(1_000),
    /** Tokens whose answer is kept at most (oldest dropped first). */
    cacheMaxEntries: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .strict();

const authSchema = z.discriminatedUnion('mode', [
  z
    .object({
      mode: z.literal('on'),
      /** JWKS URL of the token issuer (our http-mcp-server's `/jwks.json`, Keycloak's certs URL, ...). */
      jwksUri: z.url(),
      issuer: nonEmpty,
      audience: z.union([nonEmpty, z.array(nonEmpty).min(1)]),
      /** Default ES256 and EdDSA; add RS256 for Keycloak. */
      algorithms: z.array(nonEmpty).min(1).optional(),
      /** Allow a plain-http JWKS URL on a non-loopback host (compose networks). */
      allowInsecureJwks: z.boolean().default(false),
      revocation: revocationSchema.optional(),
    })
    .strict()
    .refine((auth) => auth.revocation === undefined || auth.revocation.redisUrl !== undefined, {
      message: 'auth.revocation needs the Redis of the authorization server: set "redisUrl" or REDIS_URL',
      path: ['revocation', 'redisUrl'],
    }),
  z.object({ mode: z.literal('off') }).strict(),
]);

const tlsSchema = z
  .object({
    /** PEM certificate chain file. */
    cert: nonEmpty,
    /** PEM private key file. */
    key: nonEmpty,
    /** PEM CA bundle that client certificates must chain to (mutual TLS). */
    ca: nonEmpty.optional(),
    /** Refuse clients without a certificate signed by `ca` (mutual TLS). */
    requireClientCert: z.boolean().default(false),
  })
  .strict()
  .refine((tls) => !tls.requireClientCert || tls.ca !== undefined, {
    message: 'requireClientCert needs "ca" (the CA that signs client certificates)',
    path: ['ca'],
  });

const limitsSchema = z
  .object({
    /** Largest request message the server accepts (bytes); bigger ones get RESOURCE_EXHAUSTED. */
    maxReceiveMessageBytes: z
      .number()
      .int()
      .positive()
      .default(4 * 1024 * 1024),
    /** Largest message the server sends (bytes). */
    maxSendMessageBytes: z
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    /** Content parts above this size (bytes) are sent as several `chunk` events. */
    chunkBytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * 1024),
    /** Default per-call inactivity timeout (ms), reset by every progress notification. */
    callTimeoutMs: z.number().int().positive().default(60_000),
    /** How long shutdown waits for in-flight calls before cancelling them (ms). */
    drainTimeoutMs: z.number().int().nonnegative().default(10_000),
  })
  .strict();

const metricsSchema = z
  .object({
    /** Port of the Prometheus `/metrics` endpoint; unset: metrics are not served. */
    port: z.number().int().min(0).max(65_535).optional(),
    host: nonEmpty.default('127.0.0.1'),
  })
  .strict();

export const gatewayConfigSchema = z
  .object({
    host: nonEmpty.default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(50_051),
    backends: z.record(backendName, backendSchema).default({}),
    /** Native tools (`native.echo`, `native.ticker`): on by default. */
    nativeTools: z.boolean().default(true),
    auth: authSchema,
    tls: tlsSchema.optional(),
    /** Grant (`scope:x`, `role:x`, bare name, or `*`) -> tool name patterns. See @mcs/auth createRbac. */
    rbac: z.record(nonEmpty, z.array(nonEmpty)).default({}),
    limits: limitsSchema.default(limitsSchema.parse({})),
    metrics: metricsSchema.default(metricsSchema.parse({})),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict()
  .refine((config) => !Object.hasOwn(config.backends, NATIVE_BACKEND), {
    message: `the backend name "${NATIVE_BACKEND}" is reserved for the gateway's own tools`,
    path: ['backends', NATIVE_BACKEND],
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
export type RevocationConfig = z.output<typeof revocationSchema>;
export type GatewayBackendConfig = z.output<typeof backendSchema>;
export type ToolFilterConfig = z.output<typeof toolFilterSchema>;

/** Validates a config object; throws GatewayError `CONFIG_INVALID` naming every bad key. */
export function parseGatewayConfig(input: unknown, source = 'config'): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(input);
  if (result.success) return result.data;
  // Keys and messages come from the file (zod quotes unknown keys): each line is bounded, and so is
  // their number, so that a hostile file cannot make the error unbounded.
  const issues = result.error.issues;
  const problems = issues
    .slice(0, MAX_LISTED_ISSUES)
    .map((issue) => boundErrorMessage(`  - ${issuePath(issue.path)}: ${issue.message}`, 300))
    .concat(issues.length > MAX_LISTED_ISSUES ? [`  - ... and ${issues.length - MAX_LISTED_ISSUES} more`] : [])
    .join('\n');
  throw new GatewayError('CONFIG_INVALID', `Invalid gateway ${source}; fix these keys:\n${problems}`, {
    cause: result.error,
  });
}

const MAX_LISTED_ISSUES = 10;

function issuePath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .slice(0, 8)
    .map((segment) => {
      const text = String(segment);
      return text.length > 64 ? quoteValue(text, 64) : text;
    })
    .join('.');
}

/** A file path (from the command line) and a parser's or the file system's message, as errors quote them. */
const quotePath = (file: string) => (file.length > 200 ? quoteValue(file, 200) : file);
const causeText = (cause: unknown) => boundErrorMessage(cause instanceof Error ? cause.message : String(cause), 300);

/**
 * Reads `--config <file.json|file.yaml>`, applies `GRPC_HOST`/`GRPC_PORT` from `env`, and validates.
 * Relative `tls` file paths and stdio `cwd` resolve against the config file's folder.
 */
export async function loadGatewayConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<GatewayConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new GatewayError('CONFIG_INVALID', `Cannot read the config file ${quotePath(file)}: ${causeText(cause)}`, {
      cause,
    });
  }
  let raw: unknown;
  try {
    raw = ['.yaml', '.yml'].includes(extname(file).toLowerCase()) ? parseYaml(text) : JSON.parse(text);
  } catch (cause) {
    throw new GatewayError(
      'CONFIG_INVALID',
      `The config file ${quotePath(file)} is not valid JSON/YAML: ${causeText(cause)}`,
      {
        cause,
      },
    );
  }
  const config = parseGatewayConfig(applyEnvOverrides(raw, env), `config file ${quotePath(file)}`);
  return resolvePaths(config, dirname(resolve(file)));
}

/** `GRPC_HOST` / `GRPC_PORT` win over the file (CONTRACTS.md). */
export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  if (!isObject(raw)) return raw;
  const result: Record<string, unknown> = { ...raw };
  if (env.GRPC_HOST !== undefined && env.GRPC_HOST !== '') result.host = env.GRPC_HOST;
  if (env.GRPC_PORT !== undefined && env.GRPC_PORT !== '') {
    const port = Number(env.GRPC_PORT);
    if (!Number.isInteger(port)) {
      throw new GatewayError(
        'CONFIG_INVALID',
        `GRPC_PORT must be an integer port number, got ${quoteValue(env.GRPC_PORT)}.`,
      );
    }
    result.port = port;
  }
  if (env.LOG_LEVEL !== undefined && env.LOG_LEVEL !== '') result.logLevel = env.LOG_LEVEL;
  // The revocation list's Redis URL may carry a password: the environment (a secret) can supply it, and
  // wins like the other variables. It never turns revocation on by itself.
  const auth = result.auth;
  if (env.REDIS_URL !== undefined && env.REDIS_URL !== '' && isObject(auth) && isObject(auth.revocation)) {
    result.auth = { ...auth, revocation: { ...auth.revocation, redisUrl: env.REDIS_URL } };
  }
  return result;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function resolvePaths(config: GatewayConfig, base: string): GatewayConfig {
  const at = (path: string) => (isAbsolute(path) ? path : resolve(base, path));
  const backends = Object.fromEntries(
    Object.entries(config.backends).map(([name, backend]) => [
      name,
      backend.transport === 'stdio' && backend.cwd !== undefined ? { ...backend, cwd: at(backend.cwd) } : backend,
    ]),
  );
  const tls = config.tls && {
    ...config.tls,
    cert: at(config.tls.cert),
    key: at(config.tls.key),
    ...(config.tls.ca === undefined ? {} : { ca: at(config.tls.ca) }),
  };
  return { ...config, backends, ...(tls ? { tls } : {}) };
}

/** The config with secrets (headers, bearer tokens, backend env values, Redis password) replaced, for the start-up log. */
export function redactConfig(config: GatewayConfig): unknown {
  const backends = Object.fromEntries(
    Object.entries(config.backends).map(([name, backend]) => {
      if (backend.transport === 'stdio') {
        return [
          name,
          { ...backend, env: Object.fromEntries(Object.keys(backend.env).map((key) => [key, '[redacted]'])) },
        ];
      }
      return [
        name,
        {
          ...backend,
          headers: Object.fromEntries(Object.keys(backend.headers).map((key) => [key, '[redacted]'])),
          ...(backend.bearerToken === undefined ? {} : { bearerToken: '[redacted]' }),
        },
      ];
    }),
  );
  const auth =
    config.auth.mode === 'on' && config.auth.revocation?.redisUrl !== undefined
      ? {
          ...config.auth,
          revocation: { ...config.auth.revocation, redisUrl: redactUrlPassword(config.auth.revocation.redisUrl) },
        }
      : config.auth;
  return { ...config, backends, auth };
}

function redactUrlPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = 'redacted';
  return parsed.href;
}
