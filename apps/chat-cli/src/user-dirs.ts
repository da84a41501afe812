import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

type Env = Record<string, string | undefined>;

/** An XDG base directory: the variable when set (non-empty), else `~/<fallback>`. */
function xdgHome(env: Env, variable: string, fallback: string): string {
  const value = env[variable]?.trim();
  return value ? value : join(env.HOME ?? homedir(), fallback);
}

/** Where the REPL's line history lives: `$XDG_STATE_HOME/mcs-chat` (`~/.local/state/mcs-chat`). */
export const stateDir = (env: Env): string => join(xdgHome(env, 'XDG_STATE_HOME', '.local/state'), 'mcs-chat');

/** Where conversations are saved: `$XDG_DATA_HOME/mcs-chat` (`~/.local/share/mcs-chat`). */
export const dataDir = (env: Env): string => join(xdgHome(env, 'XDG_DATA_HOME', '.local/share'), 'mcs-chat');

export const DEFAULT_CONFIG_FILE = 'config.json';

/** Where the config is looked for without `--config`, first found wins: `./config.json`, then the user's (XDG). */
export function defaultConfigFiles(cwd: string, env: Env): string[] {
  const configHome = env.XDG_CONFIG_HOME?.trim() ? env.XDG_CONFIG_HOME : join(env.HOME ?? homedir(), '.config');
  return [resolve(cwd, DEFAULT_CONFIG_FILE), join(configHome, 'mcs-chat', DEFAULT_CONFIG_FILE)];
}
