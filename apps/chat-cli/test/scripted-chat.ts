// One scripted model and one working directory (holding config.json) for a test file: started
// before its tests, removed after them. Each CLI run gets the model's settings and its own
// XDG state/data directories under the working directory (history and saved conversations stay there).
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type ScriptedModel, startScriptedModel } from '../../provider-sdk/test/scripted-model.js';
import { type CliRun, MAIN, makeWorkDir, modelEnv, runCli, startCli, type WorkDir } from './cli-process.js';
import { promptShown, startInTmux, type TmuxTerminal } from './tmux-terminal.js';

export interface ScriptedChat {
  readonly model: ScriptedModel;
  readonly dir: WorkDir;
  /** The environment of a run: the model's settings, XDG dirs under `dir`, then `extra`. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** Starts the CLI in `dir` (stdin stays open: drive it with `line`). */
  start(args?: string[], extraEnv?: Record<string, string>): CliRun;
  /** Runs the CLI in `dir` to its end with stdin closed at once. */
  run(args: string[], extraEnv?: Record<string, string>): ReturnType<typeof runCli>;
  /**
   * Starts the CLI in `dir` in a real terminal (tmux, `columns` x `rows`, TERM xterm-256color, then
   * `env`) and waits until its prompt is shown below `ready` (e.g. its servers line).
   */
  startTerminal(args: string[], options: TerminalOptions): Promise<TmuxTerminal>;
}

export interface TerminalOptions {
  ready: string;
  env?: Record<string, string>;
  columns?: number;
  rows?: number;
}

/** `config`: the file's content (`undefined`: no config.json). */
export function useScriptedChat(config: Record<string, unknown> | undefined): ScriptedChat {
  let model: ScriptedModel | undefined;
  let dir: WorkDir | undefined;
  beforeAll(async () => {
    model = await startScriptedModel();
    dir = await makeWorkDir();
    if (config !== undefined) await dir.write('config.json', config);
  });
  afterAll(async () => {
    await dir?.[Symbol.asyncDispose]();
    await model?.close();
  });
  const chat: ScriptedChat = {
    get model() {
      if (!model) throw new Error('the scripted model starts in beforeAll');
      return model;
    },
    get dir() {
      if (!dir) throw new Error('the working directory is made in beforeAll');
      return dir;
    },
    env: (extra = {}) => ({
      ...modelEnv(chat.model.baseURL),
      XDG_STATE_HOME: join(chat.dir.path, 'state'),
      XDG_DATA_HOME: join(chat.dir.path, 'data'),
      ...extra,
    }),
    start: (args = [], extraEnv) => startCli(args, { cwd: chat.dir.path, env: chat.env(extraEnv) }),
    run: (args, extraEnv) => runCli(args, { cwd: chat.dir.path, env: chat.env(extraEnv) }),
    startTerminal: async (args, { ready, env = {}, columns = 100, rows = 40 }) => {
      const term = await startInTmux(process.execPath, [MAIN, ...args], {
        cwd: chat.dir.path,
        env: chat.env({ TERM: 'xterm-256color', ...env }),
        columns,
        rows,
      });
      try {
        await term.waitForScreen((screen) => promptShown(screen) && screen.includes(ready));
        return term;
      } catch (error) {
        await term[Symbol.asyncDispose]();
        throw error;
      }
    },
  };
  return chat;
}
