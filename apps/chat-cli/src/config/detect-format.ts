import { ChatCliError } from '../chat-cli-error.js';

/**
 * The config formats mcs-chat reads: the seed's (`app_name`, `mcp_servers`), the `mcpServers` one
 * (Claude Desktop, Claude Code, Cursor, mcphost) and the provider-sdk's own (`model`, `mcp.backends`, ...).
 */
export type ConfigFormat = 'seed' | 'mcpServers' | 'provider';

const SEED_KEYS = ['app_name', 'mcp_servers'];
const MCP_SERVERS_KEY = 'mcpServers';

/** Detects the format from the top-level keys; a file mixing them is an error naming the keys of each. */
export function detectFormat(
  json: Record<string, unknown>,
  shown: string,
  providerKeys: readonly string[],
): ConfigFormat {
  const keys = Object.keys(json);
  const seed = keys.filter((key) => SEED_KEYS.includes(key));
  const mcpServers = keys.filter((key) => key === MCP_SERVERS_KEY);
  const provider = keys.filter((key) => providerKeys.includes(key));
  const found = [
    seed.length > 0 ? `the seed format (${seed.join(', ')})` : undefined,
    mcpServers.length > 0 ? 'the mcpServers format (mcpServers)' : undefined,
    provider.length > 0 ? `the provider format (${provider.join(', ')})` : undefined,
  ].filter((item) => item !== undefined);
  if (found.length > 1) {
    throw new ChatCliError(
      'CONFIG_INVALID',
      `${shown}: (top level): mixes ${found.join(' and ')}: use one format per file (model settings of the seed and mcpServers formats come from OPENAI_MODEL, OPENAI_BASE_URL, OPENAI_API_KEY or --model)`,
    );
  }
  if (seed.length > 0) return 'seed';
  if (mcpServers.length > 0) return 'mcpServers';
  return 'provider';
}
