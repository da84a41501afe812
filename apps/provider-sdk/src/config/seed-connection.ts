import type { ErrorCategory } from '@mcs/resilience';
import { z } from 'zod';
import { didYouMean } from './did-you-mean.js';

// The seed describes one MCP connection per config (`transport_type`, `stdio_config`, `http_config`,
// `timeout_seconds`, ...). People bring such files; this module reads that layout and turns it into
// one backend of our pool config, so the rest of the SDK knows a single shape.

const nonEmpty = z.string().trim().min(1);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });
const seconds = z.number().nonnegative();

/** The seed's retry codes and our error categories, both accepted in `retry.retry_codes`. */
const retryCodeCategories: Readonly<Record<string, ErrorCategory>> = {
  RATE_LIMIT_EXCEEDED: 'rate_limited',
  SERVICE_UNAVAILABLE: 'unavailable',
  CONNECTION_ERROR: 'unavailable',
  TIMEOUT: 'timeout',
  DEADLINE_EXCEEDED: 'timeout',
  INTERNAL_ERROR: 'internal',
  rate_limited: 'rate_limited',
  unavailable: 'unavailable',
  timeout: 'timeout',
  internal: 'internal',
};

const retryCode = z.string().superRefine((code, context) => {
  if (Object.hasOwn(retryCodeCategories, code)) return;
  const hint = didYouMean(code, Object.keys(retryCodeCategories));
  context.addIssue({
    code: 'custom',
    message: `unknown retry code${hint ? ` (did you mean "${hint}"?)` : ''}; use one of ${Object.keys(retryCodeCategories).join(', ')}`,
  });
});

/** The seed's connection fields, in our spelling (the snake_case of the seed is accepted too). */
export const connectionShape = {
  /** Name of the pool backend the connection becomes (default `mcp`). */
  providerId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 letters, digits, _ or - (it prefixes tool names)')
    .optional(),
  transportType: z.enum(['stdio', 'http', 'sse', 'grpc']).optional(),
  stdioConfig: z
    .object({
      command: nonEmpty,
      args: z.array(z.string()).default([]),
      env: z.record(z.string(), z.string()).default({}),
      cwd: nonEmpty.optional(),
    })
    .strict()
    .optional(),
  httpConfig: z
    .object({
      baseUrl: httpUrl,
      headers: z.record(z.string(), z.string()).default({}),
      verifySsl: z
        .literal(true, {
          error: 'only true: certificates are always verified (add a private CA with NODE_EXTRA_CA_CERTS)',
        })
        .optional(),
    })
    .strict()
    .optional(),
  grpcConfig: z
    .object({ endpoint: nonEmpty, useTls: z.boolean().default(false) })
    .strict()
    .optional(),
  enableStreaming: z
    .literal(true, { error: 'only true: the provider always streams (generate() collects the stream for you)' })
    .optional(),
  /** Inactivity timeout of one tool call, seconds (our `callTimeoutMs`). */
  timeoutSeconds: z.number().positive().optional(),
  maxRetries: z.number().int().min(0).max(100).optional(),
  /**
   * The environment variable holding the connection's API key (http/sse: bearer token; grpc: token).
   * There is no `api_key` field: at the top level `apiKey` is the model's key.
   */
  apiKeyEnvVar: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name')
    .optional(),
  circuitBreaker: z
    .object({
      enabled: z.boolean().optional(),
      failureThreshold: z.number().int().min(1).optional(),
      /** Seconds. */
      recoveryTimeout: seconds.optional(),
      halfOpenMaxCalls: z.number().int().min(1).optional(),
    })
    .strict()
    .optional(),
  retry: z
    .object({
      maxRetries: z.number().int().min(0).max(100).optional(),
      /** Seconds. */
      baseDelay: seconds.optional(),
      /** Seconds. */
      maxDelay: seconds.optional(),
      jitterFactor: z.number().min(0).max(1).optional(),
      retryCodes: z.array(retryCode).min(1).optional(),
    })
    .strict()
    .optional(),
};

export const connectionKeys = Object.keys(connectionShape) as (keyof typeof connectionShape)[];
const ConnectionSchema = z.object(connectionShape).strict();
type Connection = z.output<typeof ConnectionSchema>;

export interface FoldIssue {
  path: PropertyKey[];
  message: string;
  /** Set for zod issues passed through (`unrecognized_keys` gets a "did you mean"). */
  code?: string;
  keys?: string[];
}

export interface FoldResult {
  /** The config with the connection replaced by `mcp.backends.<providerId>`. */
  value: Record<string, unknown>;
  issues: FoldIssue[];
  /** Where connection fields went (`httpConfig.baseUrl` -> `mcp.backends.mcp.url`), for sources. */
  moves: [from: string, to: string][];
}

const ms = (value: number | undefined): number | undefined =>
  value === undefined ? undefined : Math.round(value * 1000);

const defined = (entries: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(entries).filter(([, value]) => value !== undefined));

/**
 * Replaces the seed's connection fields of `document` (already in our spelling) by one backend of
 * `mcp.backends`. A document without them is returned as it is.
 */
export function foldConnection(document: Record<string, unknown>, env: Record<string, string | undefined>): FoldResult {
  const present = connectionKeys.filter((key) => Object.hasOwn(document, key));
  if (present.length === 0) return { value: document, issues: [], moves: [] };
  const rest = Object.fromEntries(Object.entries(document).filter(([key]) => !present.includes(key as never)));
  const written = Object.fromEntries(present.map((key) => [key, document[key]]));
  const parsed = ConnectionSchema.safeParse(written);
  if (!parsed.success) {
    return { value: rest, issues: parsed.error.issues, moves: [] };
  }
  return build(parsed.data, rest, env);
}

function build(
  connection: Connection,
  rest: Record<string, unknown>,
  env: Record<string, string | undefined>,
): FoldResult {
  const issues: FoldIssue[] = [];
  const name = connection.providerId ?? 'mcp';
  const to = `mcp.backends.${name}`;
  const moves: [string, string][] = [];
  const transport = connection.transportType;
  if (transport === undefined) {
    issues.push({
      path: ['transport_type'],
      message: 'required with the other connection fields (stdio, http, sse or grpc)',
    });
    return { value: rest, issues, moves };
  }
  moves.push(['transportType', `${to}.transport`]);
  const sections = { stdioConfig: 'stdio_config', httpConfig: 'http_config', grpcConfig: 'grpc_config' } as const;
  const section = ({ stdio: 'stdioConfig', http: 'httpConfig', sse: 'httpConfig', grpc: 'grpcConfig' } as const)[
    transport
  ];
  for (const other of Object.keys(sections) as (keyof typeof sections)[]) {
    if (other !== section && connection[other] !== undefined) {
      issues.push({
        path: [other],
        message: `does not apply to transport_type ${transport} (it uses ${sections[section]})`,
      });
    }
  }
  let backend: Record<string, unknown>;
  let apiKeyField: string | undefined;
  if (transport === 'stdio') {
    const stdio = connection.stdioConfig;
    if (stdio === undefined) {
      issues.push({ path: ['stdio_config'], message: 'required for transport_type stdio ({ command, args, env })' });
      return { value: rest, issues, moves };
    }
    backend = { transport, ...defined(stdio) };
    moves.push(['stdioConfig', to]);
  } else if (transport === 'grpc') {
    const grpc = connection.grpcConfig;
    if (grpc === undefined) {
      issues.push({ path: ['grpc_config'], message: 'required for transport_type grpc ({ endpoint, use_tls })' });
      return { value: rest, issues, moves };
    }
    backend = { transport, address: grpc.endpoint, ...(grpc.useTls ? { tls: {} } : {}) };
    apiKeyField = 'token';
    moves.push(['grpcConfig.endpoint', `${to}.address`], ['grpcConfig.useTls', `${to}.tls`]);
  } else {
    const http = connection.httpConfig;
    if (http === undefined) {
      issues.push({
        path: ['http_config'],
        message: `required for transport_type ${transport} ({ base_url, headers })`,
      });
      return { value: rest, issues, moves };
    }
    backend = { transport, url: http.baseUrl, headers: http.headers };
    apiKeyField = 'bearerToken';
    moves.push(['httpConfig.baseUrl', `${to}.url`], ['httpConfig.headers', `${to}.headers`]);
  }
  const apiKey = apiKeyOf(connection, env, issues);
  if (apiKey !== undefined) {
    if (apiKeyField === undefined) {
      issues.push({
        path: ['apiKeyEnvVar'],
        message: 'a stdio server gets no API key from the provider: pass it in stdio_config.env',
      });
    } else {
      backend[apiKeyField] = apiKey;
      moves.push(['apiKeyEnvVar', `${to}.${apiKeyField}`]);
    }
  }
  if (connection.timeoutSeconds !== undefined) {
    backend.callTimeoutMs = ms(connection.timeoutSeconds);
    moves.push(['timeoutSeconds', `${to}.callTimeoutMs`]);
  }
  const policy = policyOf(connection, moves, to);
  if (policy !== undefined) backend.policy = policy;

  const mcp = (rest.mcp ?? {}) as Record<string, unknown>;
  const backends = (mcp.backends ?? {}) as Record<string, unknown>;
  if (Object.hasOwn(backends, name)) {
    issues.push({
      path: ['provider_id'],
      message: `mcp.backends already has a backend "${name}": name the connection with provider_id`,
    });
  }
  return { value: { ...rest, mcp: { ...mcp, backends: { ...backends, [name]: backend } } }, issues, moves };
}

function apiKeyOf(
  connection: Connection,
  env: Record<string, string | undefined>,
  issues: FoldIssue[],
): string | undefined {
  const variable = connection.apiKeyEnvVar;
  if (variable === undefined) return undefined;
  const value = env[variable];
  if (value === undefined || value.trim() === '') {
    issues.push({
      path: ['apiKeyEnvVar'],
      message: `names ${variable}, which is not set: set it or remove api_key_env_var`,
    });
    return undefined;
  }
  return value;
}

function policyOf(connection: Connection, moves: [string, string][], to: string): Record<string, unknown> | undefined {
  const retry = defined({
    maxRetries: connection.retry?.maxRetries ?? connection.maxRetries,
    baseDelayMs: ms(connection.retry?.baseDelay),
    maxDelayMs: ms(connection.retry?.maxDelay),
    jitterFactor: connection.retry?.jitterFactor,
    retryCategories: connection.retry?.retryCodes
      ? [...new Set(connection.retry.retryCodes.map((code) => retryCodeCategories[code]))]
      : undefined,
  });
  const breaker = connection.circuitBreaker;
  const circuitBreaker = defined({
    enabled: breaker?.enabled,
    failureThreshold: breaker?.failureThreshold,
    recoveryTimeoutMs: ms(breaker?.recoveryTimeout),
    halfOpenMaxCalls: breaker?.halfOpenMaxCalls,
  });
  const policy = defined({
    retry: Object.keys(retry).length > 0 ? retry : undefined,
    circuitBreaker: Object.keys(circuitBreaker).length > 0 ? circuitBreaker : undefined,
  });
  if (connection.maxRetries !== undefined) moves.push(['maxRetries', `${to}.policy.retry.maxRetries`]);
  if (connection.retry !== undefined) moves.push(['retry', `${to}.policy.retry`]);
  if (breaker !== undefined) moves.push(['circuitBreaker', `${to}.policy.circuitBreaker`]);
  return Object.keys(policy).length > 0 ? policy : undefined;
}
