import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { prestartStdioProcess, stdioEnvironment } from '@mcs/provider-sdk/stdio-prestart';
import { defaultConfigFiles } from './user-dirs.js';

type Env = Record<string, string | undefined>;

/** Configs are a few KB; a bigger file is left to the chat's own reading (and its errors). */
const MAX_CONFIG_BYTES = 1024 * 1024;

interface StdioEntry {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');
const isStringRecord = (value: unknown): value is Record<string, string> =>
  isObject(value) && Object.values(value).every((item) => typeof item === 'string');

/** `{ command, args?, env?, cwd? }` written out literally: no `${VAR}` / `{name}` to fill in first. */
function literalEntry(value: unknown): StdioEntry | undefined {
  if (!isObject(value) || typeof value.command !== 'string') return undefined;
  const { command, args = [], env = {}, cwd } = value;
  if (!isStringList(args) || !isStringRecord(env) || (cwd !== undefined && typeof cwd !== 'string')) return undefined;
  const strings = [command, ...args, ...Object.keys(env), ...Object.values(env), ...(cwd ? [cwd] : [])];
  if (strings.some((text) => text.includes('$') || text.includes('{'))) return undefined;
  return { command, args, env, ...(cwd !== undefined ? { cwd } : {}) };
}

/** The stdio servers of a config in any of the three formats (see chat-config.ts), taken as written. */
function stdioEntries(config: unknown): StdioEntry[] {
  if (!isObject(config)) return [];
  const servers: unknown[] = [];
  if (isObject(config.mcp_servers)) {
    for (const server of Object.values(config.mcp_servers))
      if (isObject(server) && server.transport === 'stdio') servers.push(server.config);
  } else if (isObject(config.mcpServers)) {
    for (const server of Object.values(config.mcpServers))
      if (isObject(server) && server.disabled !== true && (server.type ?? 'stdio') === 'stdio') servers.push(server);
  } else if (isObject(config.mcp) && isObject(config.mcp.backends) && config.profiles === undefined) {
    // A profile may change any backend: with profiles, nothing is guessed.
    for (const backend of Object.values(config.mcp.backends))
      if (isObject(backend) && backend.transport === 'stdio') servers.push(backend);
  }
  return servers.map(literalEntry).filter((entry) => entry !== undefined);
}

/**
 * Starts the config's stdio MCP servers before the chat's modules (the MCP client, zod, the REPL)
 * are loaded, so their start-up runs beside that loading; the pool then takes each process whose
 * command, arguments, environment and cwd are exactly what it would spawn (else it spawns its own,
 * and the early one is stopped). Best effort and quiet: the file is read without validation (the
 * chat validates and reports it next), and an entry with anything to fill in (`${VAR}`, `{name}`, a
 * profile) is left to the pool. `MCS_CHAT_PRESTART=off` turns it off. Returns how many were started.
 */
export function prestartServers(options: { config: string | undefined; cwd: string; env: Env }): number {
  if (options.env.MCS_CHAT_PRESTART === 'off') return 0;
  try {
    const file =
      options.config !== undefined
        ? resolve(options.cwd, options.config)
        : defaultConfigFiles(options.cwd, options.env).find((candidate) => existsSync(candidate));
    if (file === undefined) return 0;
    // Only a regular file: the chat reads the config again, and a pipe (`--config <(jq ...)`,
    // /dev/stdin) can be read once, which must be the chat's read.
    const stat = statSync(file);
    if (!stat.isFile() || stat.size > MAX_CONFIG_BYTES) return 0;
    const text = readFileSync(file, 'utf8');
    const entries = stdioEntries(JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text));
    for (const entry of entries) {
      prestartStdioProcess({ ...entry, env: stdioEnvironment(entry.env, options.env) });
    }
    return entries.length;
  } catch {
    // Unreadable or not JSON: the chat's own config load says what is wrong.
    return 0;
  }
}
