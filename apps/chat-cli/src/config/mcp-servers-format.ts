import type { PoolBackendConfigInput } from '@mcs/provider-sdk';
import { z } from 'zod';
import { unknownKeysMessage } from './did-you-mean.js';
import { httpUrl, serverMap, stdioAliases, stdioFields, strictObject, stringMap, trustFlag } from './schema-parts.js';
import type { ServerInfo } from './server-info.js';

// The `mcpServers` format of Claude Desktop, Claude Code (.mcp.json), Cursor and mcphost:
// { "mcpServers": { <name>: { "command", "args", "env" } | { "type": "http" | "sse", "url", "headers" } } }.
// Without `type`, `command` means a local (stdio) server and `url` a Streamable HTTP one.

export const mcpServersTypes = ['stdio', 'http', 'streamable-http', 'sse'] as const;

const common = {
  type: z
    .enum(mcpServersTypes, { error: `must be one of ${mcpServersTypes.map((t) => `"${t}"`).join(', ')}` })
    .optional(),
  /** Cline / Roo / Windsurf: a server kept in the file but not started. */
  disabled: z.boolean({ error: 'must be true or false' }).optional(),
  /** Gemini CLI's key (also mcs-chat's): its tools run without asking (see ServerInfo.trust). */
  trust: trustFlag,
};

const aliases = { ...stdioAliases, transport: 'type', serverurl: 'url', httpurl: 'url', endpoint: 'url' };

const StdioEntrySchema = strictObject({ ...common, ...stdioFields }, aliases);
const RemoteEntrySchema = strictObject({ ...common, url: httpUrl, headers: stringMap('header').optional() }, aliases);

const ENTRY_KEYS = [...new Set([...Object.keys(StdioEntrySchema.shape), ...Object.keys(RemoteEntrySchema.shape)])];

type StdioEntry = z.output<typeof StdioEntrySchema>;
type RemoteEntry = z.output<typeof RemoteEntrySchema>;
type Entry = ({ kind: 'stdio' } & StdioEntry) | ({ kind: 'remote' } & RemoteEntry);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Which shape an entry has: `type` decides, else `command` (stdio) or `url` (remote); both or neither is an error. */
const EntrySchema = z.unknown().transform((value, context): Entry => {
  const fail = (message: string, path: PropertyKey[] = []) => {
    context.addIssue({ code: 'custom', message, path });
    return z.NEVER;
  };
  if (!isObject(value)) return fail('must be an object: { "command", "args", "env" } or { "type", "url", "headers" }');
  const type = value.type;
  const remote = type === 'http' || type === 'streamable-http' || type === 'sse';
  if (type === undefined && 'command' in value && 'url' in value) {
    return fail('has both "command" (a local server) and "url" (a remote one): keep one, or set "type"');
  }
  if (type === undefined && !('command' in value) && !('url' in value)) {
    const hints = Object.keys(value)
      .filter((key) => !ENTRY_KEYS.includes(key))
      .map((key) => unknownKeysMessage([key], ENTRY_KEYS, aliases));
    return fail(
      ['needs "command" (a local server started by mcs-chat) or "url" (a remote server)', ...hints].join('; '),
    );
  }
  const stdio = type === 'stdio' || (type === undefined && 'command' in value);
  const schema = stdio ? StdioEntrySchema : remote || 'url' in value ? RemoteEntrySchema : StdioEntrySchema;
  const result = schema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues) context.addIssue({ ...issue, code: 'custom', message: issue.message });
    return z.NEVER;
  }
  return schema === StdioEntrySchema
    ? { kind: 'stdio', ...(result.data as StdioEntry) }
    : { kind: 'remote', ...(result.data as RemoteEntry) };
});

export const McpServersConfigSchema = strictObject(
  { mcpServers: serverMap(EntrySchema) },
  // `roots` is taken out before this schema (root-dirs.ts): named here for a misspelt `root`.
  { mcp_servers: 'mcpServers', servers: 'mcpServers', mcpservers: 'mcpServers', root: 'roots' },
);

export type McpServersConfig = z.output<typeof McpServersConfigSchema>;

function backendOf(entry: Entry): PoolBackendConfigInput {
  if (entry.kind === 'stdio') {
    const { command, args, env, cwd } = entry;
    return { transport: 'stdio', command, args: args ?? [], env: env ?? {}, ...(cwd !== undefined ? { cwd } : {}) };
  }
  return { transport: entry.type === 'sse' ? 'sse' : 'http', url: entry.url, headers: entry.headers ?? {} };
}

/** The provider config: one pool backend per server, same names; `disabled` servers left out. Trusted servers in `servers`. */
export function mcpServersToProvider(config: McpServersConfig): {
  input: Record<string, unknown>;
  servers: Record<string, ServerInfo>;
} {
  const entries = Object.entries(config.mcpServers).filter(([, entry]) => entry.disabled !== true);
  const servers = Object.fromEntries(
    entries.flatMap(([name, entry]) => (entry.trust !== undefined ? [[name, { trust: entry.trust }]] : [])),
  );
  if (entries.length === 0) return { input: {}, servers };
  return {
    input: { mcp: { backends: Object.fromEntries(entries.map(([name, entry]) => [name, backendOf(entry)])) } },
    servers,
  };
}
