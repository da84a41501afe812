import type { PoolBackendConfigInput } from '@mcs/provider-sdk';
import { z } from 'zod';
import type { ConfigProblem } from './config-problem.js';
import {
  discriminatorError,
  httpUrl,
  nonEmpty,
  serverMap,
  stdioAliases,
  stdioFields,
  strictObject,
  stringMap,
  trustFlag,
} from './schema-parts.js';
import type { ServerInfo } from './server-info.js';

// The seed's config.json (fastchat-mcp): { "app_name", "mcp_servers": { <key>: { "transport", ... } } }.
// Transports "httpstream" and "stdio" as the seed documents them, plus "sse" and "grpc" (our gateway).

export const seedTransports = ['httpstream', 'stdio', 'sse', 'grpc'] as const;

/** Names other formats use for the seed's keys: hints for a config half-copied from elsewhere. */
const serverAliases = {
  protocol: 'transport',
  type: 'transport',
  url: 'httpstream-url',
  command: 'config',
  args: 'config',
  env: 'config',
  label: 'name',
};

const labels = {
  name: nonEmpty.optional(),
  description: z.string({ error: 'must be a string' }).optional(),
  /** mcs-chat's own key: this server's tools run without asking (see ServerInfo.trust). */
  trust: trustFlag,
};

const AuthSchema = strictObject({
  /** `true`: the server needs a sign-in (OAuth) before it answers. */
  required: z.boolean({ error: 'must be true or false' }).default(false),
  /** The seed's scripted sign-in: these fields complete the authorization server's login form. */
  post_body: stringMap('post_body').optional(),
});

const remoteFields = {
  ...labels,
  /** `{placeholder}` values are filled from the environment and .env. */
  headers: stringMap('header').optional(),
  auth: AuthSchema.optional(),
};

const HttpStreamServerSchema = strictObject(
  { transport: z.literal('httpstream'), 'httpstream-url': httpUrl, ...remoteFields },
  serverAliases,
);

const SseServerSchema = strictObject(
  { transport: z.literal('sse'), 'sse-url': httpUrl, ...remoteFields },
  { ...serverAliases, url: 'sse-url', 'httpstream-url': 'sse-url' },
);

const StdioServerSchema = strictObject(
  {
    transport: z.literal('stdio'),
    ...labels,
    /** Claude Desktop's syntax: `command`, `args`, `env` (and `cwd`). */
    config: strictObject(stdioFields, stdioAliases),
  },
  serverAliases,
);

const GrpcServerSchema = strictObject(
  {
    transport: z.literal('grpc'),
    /** `host:port` of a grpc-gateway. */
    'grpc-address': nonEmpty,
    ...labels,
    /** Sent as `authorization: Bearer <token>`. */
    token: nonEmpty.optional(),
    /** Only this gateway backend's tools. */
    'gateway-backend': nonEmpty.optional(),
  },
  { ...serverAliases, address: 'grpc-address', url: 'grpc-address' },
);

const SeedServerSchema = z.discriminatedUnion(
  'transport',
  [HttpStreamServerSchema, SseServerSchema, StdioServerSchema, GrpcServerSchema],
  { error: discriminatorError('transport', seedTransports) },
);

export const SeedConfigSchema = strictObject(
  {
    /** The application's name: sent to the servers as the MCP client name. */
    app_name: nonEmpty.optional(),
    mcp_servers: serverMap(SeedServerSchema),
  },
  // `roots` is taken out before this schema (root-dirs.ts): named here for a misspelt `root`.
  { mcpservers: 'mcp_servers', servers: 'mcp_servers', appname: 'app_name', name: 'app_name', root: 'roots' },
);

export type SeedConfig = z.output<typeof SeedConfigSchema>;
type SeedServer = z.output<typeof SeedServerSchema>;

/** The seed's header placeholders, `{name}`; `${name}` (and `${name:-default}`) work too. */
const PLACEHOLDER = /(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Turns the seed's `{placeholder}` header values into `${placeholder}` references (done on the raw
 * file, before interpolation, so a missing variable is reported with the header's path).
 */
export function seedPlaceholdersToReferences(json: Record<string, unknown>): Record<string, unknown> {
  const servers = json.mcp_servers;
  if (typeof servers !== 'object' || servers === null || Array.isArray(servers)) return json;
  const mapped = Object.fromEntries(
    Object.entries(servers).map(([name, server]) => {
      const headers = (server as { headers?: unknown } | null)?.headers;
      if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return [name, server];
      const filled = Object.fromEntries(
        Object.entries(headers).map(([key, value]) => [
          key,
          typeof value === 'string' ? value.replace(PLACEHOLDER, (_, variable: string) => `\${${variable}}`) : value,
        ]),
      );
      return [name, { ...(server as object), headers: filled }];
    }),
  );
  return { ...json, mcp_servers: mapped };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** `auth.post_body` sends a password: only over https, or to this machine. */
export function seedProblems(config: SeedConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const [name, server] of Object.entries(config.mcp_servers)) {
    if ((server.transport !== 'httpstream' && server.transport !== 'sse') || !server.auth?.post_body) continue;
    const url = new URL(server.transport === 'httpstream' ? server['httpstream-url'] : server['sse-url']);
    if (url.protocol === 'https:' || LOOPBACK_HOSTS.has(url.hostname)) continue;
    problems.push({
      path: ['mcp_servers', name, 'auth', 'post_body'],
      message:
        'sends credentials: allowed only to an https:// URL or a loopback address (127.0.0.1, ::1, localhost); use https',
    });
  }
  return problems;
}

function backendOf(server: SeedServer): PoolBackendConfigInput {
  switch (server.transport) {
    case 'httpstream':
      return { transport: 'http', url: server['httpstream-url'], headers: server.headers ?? {} };
    case 'sse':
      return { transport: 'sse', url: server['sse-url'], headers: server.headers ?? {} };
    case 'stdio': {
      const { command, args, env, cwd } = server.config;
      return { transport: 'stdio', command, args: args ?? [], env: env ?? {}, ...(cwd !== undefined ? { cwd } : {}) };
    }
    case 'grpc':
      return {
        transport: 'grpc',
        address: server['grpc-address'],
        ...(server.token !== undefined ? { token: server.token } : {}),
        ...(server['gateway-backend'] !== undefined ? { gatewayBackend: server['gateway-backend'] } : {}),
      };
  }
}

/** The provider config (pool backends keyed like `mcp_servers`; `app_name` as the MCP client name) and each server's labels and auth. */
export function seedToProvider(
  config: SeedConfig,
  clientVersion: string,
): { input: Record<string, unknown>; servers: Record<string, ServerInfo> } {
  const entries = Object.entries(config.mcp_servers);
  const servers = Object.fromEntries(
    entries.map(([name, server]): [string, ServerInfo] => {
      const auth = 'auth' in server ? server.auth : undefined;
      return [
        name,
        {
          ...(server.name !== undefined ? { label: server.name } : {}),
          ...(server.description !== undefined ? { description: server.description } : {}),
          ...(server.trust !== undefined ? { trust: server.trust } : {}),
          ...(auth !== undefined
            ? { auth: { required: auth.required, ...(auth.post_body ? { postBody: auth.post_body } : {}) } }
            : {}),
        },
      ];
    }),
  );
  if (entries.length === 0) return { input: {}, servers };
  const backends = Object.fromEntries(entries.map(([name, server]) => [name, backendOf(server)]));
  const clientInfo =
    config.app_name !== undefined ? { clientInfo: { name: config.app_name, version: clientVersion } } : {};
  return { input: { mcp: { backends, ...clientInfo } }, servers };
}
