// The tool packs of the app: which tools, resources and prompts an McpServer serves.
import { type McpServer, mergeCapabilities, type ServerCapabilities } from '@modelcontextprotocol/server';
import type { PackContext } from '../pack-framework/pack-context.js';
import { PackError } from '../pack-framework/pack-error.js';
import type { PackModule } from '../pack-framework/pack-module.js';
import type { PureTool } from '../pack-framework/pure-tool.js';
import type { ToolPack } from '../pack-framework/tool-pack.js';
import { conformancePack } from './conformance-pack.js';
import { defaultPack } from './default-pack.js';

export type {
  CallerIdentity,
  IdentityResolver,
  PackContext,
  ServiceMethod,
  ServiceToolSettings,
  UpstreamCredentialProvider,
  UpstreamCredentialRequest,
  UpstreamCredentials,
} from '../pack-framework/pack-context.js';
export { PackError, type PackErrorCode } from '../pack-framework/pack-error.js';
export type { PackModule } from '../pack-framework/pack-module.js';
export { definePureTool, type PureTool, type PureToolDefinition } from '../pack-framework/pure-tool.js';
export type { ToolPack } from '../pack-framework/tool-pack.js';
export {
  InMemoryResourceSubscriptions,
  type ResourceSubscriptionStore,
} from '../resources/resource-subscriptions.js';
export { maskSecrets, SECRET_MASK } from '../tools/service/mask-secrets.js';

/** Names accepted in `MCS_TOOL_PACKS`. */
export const TOOL_PACK_NAMES = ['default', 'conformance'] as const;
export type ToolPackName = (typeof TOOL_PACK_NAMES)[number];

const PACKS: Readonly<Record<ToolPackName, ToolPack>> = { default: defaultPack, conformance: conformancePack };

function isToolPackName(name: string): name is ToolPackName {
  return (TOOL_PACK_NAMES as readonly string[]).includes(name);
}

interface ResolvedPacks {
  readonly packs: readonly ToolPack[];
  readonly modules: readonly PackModule[];
  readonly capabilities: ServerCapabilities;
}

/** Resolved pack lists by their comma form: the app registers the same packs on every request's server. */
const resolvedCache = new Map<string, ResolvedPacks>();

function resolvePacks(names: readonly string[]): ResolvedPacks {
  const key = names.join(',');
  let resolved = resolvedCache.get(key);
  if (resolved === undefined) {
    const packs = parseToolPacks(key).map((name) => PACKS[name]);
    resolved = {
      packs,
      modules: uniqueModules(packs),
      capabilities: packs.reduce<ServerCapabilities>((all, pack) => mergeCapabilities(all, pack.capabilities), {}),
    };
    // Bounded: only valid lists are cached, and there are few of them.
    if (resolvedCache.size < 64) resolvedCache.set(key, resolved);
  }
  return resolved;
}

/**
 * Parses a comma list such as `MCS_TOOL_PACKS` ("default,conformance"): trims, drops empty items
 * and duplicates, keeps the order. Throws {@link PackError} on an unknown name or an empty list.
 */
export function parseToolPacks(csv: string): ToolPackName[] {
  const names = [
    ...new Set(
      csv
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    ),
  ];
  if (names.length === 0) {
    throw new PackError('EMPTY_TOOL_PACKS', `No tool pack given; set one or more of: ${TOOL_PACK_NAMES.join(', ')}`);
  }
  const unknown = names.filter((name) => !isToolPackName(name));
  if (unknown.length > 0) {
    throw new PackError(
      'UNKNOWN_TOOL_PACK',
      `Unknown tool pack ${unknown.map((name) => `"${name}"`).join(', ')}; valid packs are: ${TOOL_PACK_NAMES.join(', ')}`,
    );
  }
  return names as ToolPackName[];
}

/**
 * Server capabilities the given packs need. Pass them to the McpServer constructor
 * (`new McpServer(info, { capabilities: serverCapabilitiesFor(packs) })`); {@link registerToolPacks}
 * also registers them, so either order works as long as it runs before `connect()`.
 */
export function serverCapabilitiesFor(packs: readonly string[]): ServerCapabilities {
  return structuredClone(resolvePacks(packs).capabilities);
}

/**
 * Registers every tool, resource and prompt of `packs` on `server`. Call it once per McpServer
 * instance, before `server.connect(...)`. A name registered by two packs is registered once.
 */
export function registerToolPacks(
  server: McpServer,
  options: { packs: readonly string[]; context: PackContext },
): void {
  const { modules, capabilities } = resolvePacks(options.packs);
  // Validate everything first so that a bad setting leaves the server untouched.
  for (const module of modules) module.validate?.(options.context);
  server.server.registerCapabilities(capabilities);
  for (const module of modules) module.register(server, options.context);
}

/** The tools, resources and prompts of `packs`, each name of each kind once, in pack order. */
function uniqueModules(packs: readonly ToolPack[]): PackModule[] {
  const seen = new Set<string>();
  const modules: PackModule[] = [];
  for (const pack of packs) {
    for (const [kind, list] of [
      ['tool', pack.tools],
      ['resource', pack.resources],
      ['prompt', pack.prompts],
    ] as const) {
      for (const module of list) {
        const key = `${kind}:${module.name}`;
        if (seen.has(key)) continue;
        seen.add(key);
        modules.push(module);
      }
    }
  }
  return modules;
}

/** The pure tools of `packs` by name: their calls may be answered without an McpServer (`definePureTool`). */
export function pureToolsOf(packs: readonly string[]): ReadonlyMap<string, PureTool> {
  const tools = new Map<string, PureTool>();
  for (const module of resolvePacks(packs).modules) if (module.pure !== undefined) tools.set(module.name, module.pure);
  return tools;
}
