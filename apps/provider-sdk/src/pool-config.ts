import { StdioBackendConfigSchema, SupervisionOptionsSchema } from '@mcs/transports';
import { z } from 'zod';
import { BackendAuthConfigSchema } from './auth/backend-auth-config.js';
import { PolicyOverrideSchema } from './policy-override.js';
import { type ResolveConfigOptions, resolveConfig } from './resolve-config.js';

const nonEmpty = z.string().trim().min(1);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/** Settings every backend may have, whatever its transport. */
const commonFields = {
  /**
   * Resilience policy around every request to this backend (@mcs/resilience `createPolicy` fields),
   * merged over the pool's defaults; each field checked when the config is read.
   */
  policy: PolicyOverrideSchema.optional(),
  /** Inactivity timeout of one tool call (restarted by progress), ms. */
  callTimeoutMs: z.number().int().positive().default(60_000),
  /**
   * Which tool calls the policy may retry (a tool may have side effects): `annotated` only tools
   * annotated `readOnlyHint` or `idempotentHint`; `always`; `never`; or tool names (as the backend
   * names them) retried besides the annotated ones.
   */
  retryToolCalls: z.union([z.enum(['annotated', 'always', 'never']), z.array(nonEmpty)]).default('annotated'),
  /**
   * How long (ms) a tool/resource/prompt list is kept for a backend that does not announce changes
   * (no `listChanged` capability); `0` asks on every listing. Default 30 000 for stdio/HTTP/SSE,
   * 0 for gRPC. A backend that announces changes keeps its lists until it does.
   */
  listCacheTtlMs: z.number().int().min(0).optional(),
};

/**
 * Which MCP revision to speak: `auto` probes with `server/discover` (2026-07-28) and falls back to
 * the 2025 `initialize` handshake; `2026-07-28` only that revision; `legacy` only `initialize`.
 */
const protocolField = z.enum(['auto', 'legacy', '2026-07-28']);

const stdioBackend = StdioBackendConfigSchema.extend({
  ...commonFields,
  // stdio `auto` costs one more process per start (the SDK probes on a sibling): opt in.
  protocol: protocolField.default('legacy'),
  supervision: SupervisionOptionsSchema.optional(),
}).strict();

const remoteFields = {
  url: httpUrl,
  headers: z.record(z.string(), z.string()).default({}),
  bearerToken: nonEmpty.optional(),
  /** OAuth (MCP authorization); wins over `bearerToken`. See README, Authorization. */
  auth: BackendAuthConfigSchema.optional(),
  supervision: SupervisionOptionsSchema.optional(),
  ...commonFields,
};

const httpBackend = z
  .object({ transport: z.literal('http'), ...remoteFields, protocol: protocolField.default('auto') })
  .strict();
// The HTTP+SSE transport predates 2026-07-28: `initialize` unless told otherwise.
const sseBackend = z
  .object({ transport: z.literal('sse'), ...remoteFields, protocol: protocolField.default('legacy') })
  .strict();

const grpcBackend = z
  .object({
    transport: z.literal('grpc'),
    /** `host:port` of a grpc-gateway. */
    address: nonEmpty,
    /** Sent as `authorization: Bearer <token>`. */
    token: nonEmpty.optional(),
    /** PEM contents (not paths). Absent: plaintext. */
    tls: z
      .object({
        ca: nonEmpty.optional(),
        cert: nonEmpty.optional(),
        key: nonEmpty.optional(),
        serverName: nonEmpty.optional(),
      })
      .strict()
      .optional(),
    /** Only this gateway backend's tools (the gateway's `backend` filter). */
    gatewayBackend: nonEmpty.optional(),
    /** Entries per page of ListTools/ListResources/ListResourceTemplates/ListPrompts; every page is fetched. */
    listPageSize: z.number().int().min(1).max(1000).default(500),
    ...commonFields,
  })
  .strict();

export const PoolBackendConfigSchema = z.discriminatedUnion('transport', [
  stdioBackend,
  httpBackend,
  sseBackend,
  grpcBackend,
]);

/** Backend names become the prefix of tool names (`<backend>.<tool>`), so no dots. */
const backendName = /^[A-Za-z0-9_-]{1,64}$/;

export const PoolConfigSchema = z
  .object({
    backends: z.record(z.string(), PoolBackendConfigSchema).superRefine((backends, context) => {
      if (Object.keys(backends).length === 0)
        context.addIssue({ code: 'custom', message: 'configure at least one backend' });
      for (const name of Object.keys(backends)) {
        if (backendName.test(name)) continue;
        const message = `backend name "${name}": use 1-64 letters, digits, _ or - (no dots: names prefix tool names)`;
        context.addIssue({ code: 'custom', path: [name], message });
      }
    }),
    /** Sent in MCP `initialize`. */
    clientInfo: z
      .object({ name: nonEmpty, version: nonEmpty })
      .strict()
      .default({ name: 'mcs-provider-sdk', version: '0.1.0' }),
  })
  .strict();

export type PoolBackendConfig = z.output<typeof PoolBackendConfigSchema>;
export type PoolBackendConfigInput = z.input<typeof PoolBackendConfigSchema>;
export type PoolConfig = z.output<typeof PoolConfigSchema>;
/** A pool config as written: may also hold `profiles` (name -> partial config) and `profile`. */
export type PoolConfigInput = z.input<typeof PoolConfigSchema> & {
  profile?: string;
  profiles?: Record<string, unknown>;
};

/** Validates a pool config (profiles, `${VAR}`, zod); throws `ProviderError` naming every bad field. */
export function parsePoolConfig(input: unknown, options?: ResolveConfigOptions): PoolConfig {
  return resolveConfig(PoolConfigSchema, input, 'pool config', options);
}
