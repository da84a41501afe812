import { z } from 'zod';
import { connectionShape, foldConnection } from './config/seed-connection.js';
import { PolicyOverrideSchema } from './policy-override.js';
import { PoolConfigSchema } from './pool-config.js';
import { type ConfigKind, type ResolveConfigOptions, resolveConfigOf } from './resolve-config.js';

const nonEmpty = z.string().trim().min(1);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

/** A model asked when the ones before it stay unavailable; unset fields are the main model's. */
const FallbackModelSchema = z.union([
  nonEmpty,
  z
    .object({
      model: nonEmpty,
      baseURL: httpUrl.optional(),
      apiKey: nonEmpty.optional(),
      /** Merged over the main `modelPolicy` (its own breaker, so its own cooldown). */
      modelPolicy: PolicyOverrideSchema.optional(),
    })
    .strict(),
]);

const logLevel = z.preprocess(
  (value) => (typeof value === 'string' ? value.toLowerCase() : value),
  z.enum(['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal', 'critical', 'silent']),
);

/**
 * The seed's `observability` block (see README "Observability"). The provider never registers an
 * OpenTelemetry SDK globally (a library must not): its spans go to whichever one the application
 * registered, or, with `otlpEndpoint`, to that collector through a tracer provider of its own.
 */
const ObservabilitySchema = z
  .object({
    /** Record Prometheus metrics (on the caller's `metricsRegistry`, else on the provider's own); `false`: none. */
    enableMetrics: z.boolean().optional(),
    /** `false`: no spans even when an OpenTelemetry SDK is registered (default: spans whenever one is). */
    enableTracing: z.boolean().optional(),
    /** Metrics on, and with `prometheusPort` served at `http://<prometheusHost>:<port>/metrics`. */
    enablePrometheus: z.boolean().optional(),
    prometheusPort: z.number().int().min(1).max(65_535).optional(),
    /** Interface the metrics endpoint listens on; default `127.0.0.1` (`0.0.0.0` to be scraped from elsewhere). */
    prometheusHost: nonEmpty.optional(),
    /**
     * `host:port` or http(s) URL of an OTLP/HTTP collector (no path: `/v1/traces`): the provider exports
     * its spans there itself (checked in createProvider: see observability/otlp-tracing.ts).
     */
    otlpEndpoint: nonEmpty.optional(),
    /** Name of the default logger's lines and `service.name` of the spans exported to `otlpEndpoint`. */
    serviceName: nonEmpty.optional(),
    /** Level of the default logger (JSON lines on stderr); unset and no `logger` given: silent. */
    logLevel: logLevel.optional(),
    structuredLogging: z
      .literal(true, { error: 'only true: logs are JSON lines (pino); pipe them through pino-pretty to read them' })
      .optional(),
  })
  .strict();

export const ProviderConfigSchema = z
  .object({
    /** Model name; default `OPENAI_MODEL`. */
    model: nonEmpty.optional(),
    /** OpenAI-compatible API root (e.g. `http://127.0.0.1:11434/v1`); default `OPENAI_BASE_URL`, then OpenAI. */
    baseURL: httpUrl.optional(),
    /** API key; default `OPENAI_API_KEY`. */
    apiKey: nonEmpty.optional(),
    /** System message put before every request's messages. */
    system: z.string().optional(),
    /** Model calls per request (each tool round is one); more is a `MAX_STEPS_EXCEEDED` error. */
    maxSteps: z.number().int().min(1).max(100).default(8),
    temperature: z.number().min(0).max(2).optional(),
    maxTokens: z.number().int().positive().optional(),
    /** Let the model ask for several tool calls at once (they run in parallel). */
    parallelToolCalls: z.boolean().default(true),
    /** Time the model API may take to start answering one request, ms (the OpenAI client's timeout). */
    requestTimeoutMs: z.number().int().positive().default(120_000),
    /** A streamed answer's first token (text or tool call) must come within this, ms; else retried. */
    firstTokenTimeoutMs: z.number().int().positive().default(120_000),
    /** Longest silence between two chunks once the first token came, ms. */
    idleTimeoutMs: z.number().int().positive().default(60_000),
    /** Models asked in order when the ones before stay unavailable / rate limited after their retries. */
    fallbackModels: z.array(FallbackModelSchema).max(8).default([]),
    /** Extra request-body fields sent with every model request (a request's own are merged over them). */
    providerOptions: z.record(z.string(), z.unknown()).optional(),
    /** @mcs/resilience policy fields for model calls, merged over the defaults (see README). */
    modelPolicy: PolicyOverrideSchema.optional(),
    /** The MCP client pool whose tools the model may call; absent: no tools. */
    mcp: PoolConfigSchema.optional(),
    /** Logs, traces and metrics (the seed's block; see README "Observability"). */
    observability: ObservabilitySchema.optional(),
  })
  .strict();

/**
 * The config as a file may write it: our fields plus the seed's single-connection fields
 * (`transport_type`, `stdio_config`, `http_config`, ...), which become `mcp.backends.<provider_id>`.
 */
export const ProviderConfigDocumentSchema = ProviderConfigSchema.extend(connectionShape).strict();

/** How provider configs are read (`parseProviderConfig`, `loadProviderConfig`). */
export const providerConfigKind: ConfigKind<typeof ProviderConfigSchema> = {
  what: 'provider config',
  schema: ProviderConfigSchema,
  documentSchema: ProviderConfigDocumentSchema,
  fold: foldConnection,
};

export type ProviderConfig = z.output<typeof ProviderConfigSchema>;
/** A provider config as written: may also hold `profiles` (name -> partial config) and `profile`. */
export type ProviderConfigInput = z.input<typeof ProviderConfigDocumentSchema> & {
  profile?: string;
  profiles?: Record<string, unknown>;
};

/**
 * Validates a provider config (profiles, snake_case keys, the seed's connection fields, `${VAR}`, zod);
 * throws `ProviderError` naming every bad field. `secret:` references need `loadProviderConfig`.
 */
export function parseProviderConfig(input: unknown, options?: ResolveConfigOptions): ProviderConfig {
  return resolveConfigOf(providerConfigKind, input, options);
}
