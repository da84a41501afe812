import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createEncryptedFileTokenStore, didYouMean } from '@mcs/provider-sdk';
import { ChatCliError } from '../chat-cli-error.js';
import type { LoadedChatConfig } from '../chat-config.js';
import { tokenCacheDir } from './token-cache.js';

type Env = Record<string, string | undefined>;

/** The sealed files in the cache directory (none when it does not exist). */
async function cachedFiles(directory: string): Promise<string[]> {
  try {
    return (await readdir(directory)).filter((name) => name.endsWith('.sealed'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * `mcs-chat logout <server>`: removes the server's cached sign-in (its tokens and client
 * registration; the next connection signs in again). `--all` removes every cached sign-in.
 * Works without the key: removing a file needs no decryption. Returns the line to print.
 */
export async function logout(
  target: { server: string | undefined; all: boolean },
  config: LoadedChatConfig | undefined,
  env: Env,
): Promise<string> {
  const directory = tokenCacheDir(env);
  const before = await cachedFiles(directory);
  if (target.all) {
    await Promise.all(before.map((name) => rm(join(directory, name), { force: true })));
    return before.length === 0
      ? `no cached sign-ins in ${directory}`
      : `removed ${before.length} cached sign-in(s) from ${directory}`;
  }
  const server = target.server ?? '';
  const backends = config?.parsed.mcp?.backends ?? {};
  const backend = backends[server];
  const where = config?.file === undefined ? 'the config (no config file found)' : config.file;
  if (backend === undefined) {
    const names = Object.keys(backends);
    const hint = didYouMean(server, names);
    throw new ChatCliError(
      'USAGE',
      `no MCP server named "${server.slice(0, 80)}" in ${where}${hint ? `; did you mean "${hint}"?` : ''} (servers: ${names.length > 0 ? names.join(', ') : 'none'})`,
    );
  }
  if (backend.transport !== 'http' && backend.transport !== 'sse') {
    return `"${server}" is a ${backend.transport} server: it has no sign-in to forget`;
  }
  // The store names its files by the server's URL; deleting one opens nothing, so any key will do.
  const store = createEncryptedFileTokenStore({ directory, key: randomBytes(32).toString('base64') });
  await store.delete(backend.url);
  const after = await cachedFiles(directory);
  return after.length < before.length
    ? `signed out of "${server}": its cached sign-in is removed from ${directory}`
    : `"${server}" has no cached sign-in in ${directory}`;
}
