import type { Transport } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { TransportError } from './transport-error.js';

const nonEmpty = z.string().trim().min(1);

/** A local MCP server started as a child process, spoken to over stdin/stdout. */
export const StdioBackendConfigSchema = z.object({
  transport: z.literal('stdio'),
  command: nonEmpty,
  args: z.array(z.string()).default([]),
  /**
   * Added to a small safe default environment (HOME, PATH, USER, SHELL, TERM, LOGNAME); the parent's
   * full environment is not inherited, so secrets do not leak into backends by accident.
   */
  env: z.record(z.string(), z.string()).default({}),
  cwd: nonEmpty.optional(),
});

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const remoteFields = {
  url: httpUrl,
  /** Sent on every request (e.g. an API key header). */
  headers: z.record(z.string(), z.string()).default({}),
  /** A static bearer token (`Authorization: Bearer <token>`); see also the `tokenProvider` option. */
  bearerToken: nonEmpty.optional(),
};

/** A remote MCP server over Streamable HTTP (protocol 2025-03-26 and later). */
export const HttpBackendConfigSchema = z.object({ transport: z.literal('http'), ...remoteFields });

/** A remote MCP server over the legacy HTTP+SSE transport (protocol 2024-11-05). */
export const SseBackendConfigSchema = z.object({ transport: z.literal('sse'), ...remoteFields });

/** Anything an SDK server (`McpServer` or `Server`) offers to attach to a transport. */
export interface InMemoryServer {
  connect(transport: Transport): Promise<void>;
  close?(): Promise<void>;
}

/** An SDK server in the same process, linked by an in-memory transport pair (tests, embedding). */
export const InMemoryBackendConfigSchema = z.object({
  transport: z.literal('in-memory'),
  server: z.custom<InMemoryServer>(
    (value) => typeof value === 'object' && value !== null && typeof Reflect.get(value, 'connect') === 'function',
    { message: 'must be an MCP SDK server (an object with connect(transport))' },
  ),
});

/** One backend, as in the gateway's config file (`CONTRACTS.md`), plus the in-memory kind. */
export const BackendConfigSchema = z.discriminatedUnion('transport', [
  StdioBackendConfigSchema,
  HttpBackendConfigSchema,
  SseBackendConfigSchema,
  InMemoryBackendConfigSchema,
]);

export type BackendConfig = z.output<typeof BackendConfigSchema>;
export type BackendConfigInput = z.input<typeof BackendConfigSchema>;
export type StdioBackendConfig = z.output<typeof StdioBackendConfigSchema>;
export type HttpBackendConfig = z.output<typeof HttpBackendConfigSchema>;
export type SseBackendConfig = z.output<typeof SseBackendConfigSchema>;
export type InMemoryBackendConfig = z.output<typeof InMemoryBackendConfigSchema>;
/** What carries a backend: an MCP transport, or a grpc-gateway (`@mcs/transports/grpc`). */
export type BackendTransportKind = BackendConfig['transport'] | 'grpc';

/** Validates one backend's config; throws `TransportError` `CONFIG_INVALID` naming each bad field. */
export function parseBackendConfig(backend: string, input: unknown): BackendConfig {
  const result = BackendConfigSchema.safeParse(input);
  if (result.success) return result.data;
  throw configError(backend, 'backend config', result.error);
}

export function configError(backend: string, what: string, error: z.ZodError): TransportError {
  const problems = error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  return new TransportError('CONFIG_INVALID', `invalid ${what} for backend "${backend}": ${problems}`, {
    backend,
    cause: error,
  });
}
