// Starting a stdio backend's process, and starting it early: an application that knows its stdio
// servers before it has loaded its MCP client (a CLI reading its config file) may start them at once
// (`prestartStdioProcess`), so that their start-up overlaps its own module loading; the transport's
// `start()` then takes the running process instead of spawning one, when everything it would spawn
// (command, arguments, the whole environment, cwd) is the same. This file imports only Node
// built-ins (`@mcs/transports/stdio-prestart`): importing it costs nothing of the MCP client.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { signalGroup, trackProcessGroup, untrackProcessGroup } from '../internal/process-groups.js';

/** What a stdio backend's process is started with. */
export interface StdioProcessSpec {
  command: string;
  args: readonly string[];
  /** The child's whole environment (nothing else of this process's is passed). */
  env: Readonly<Record<string, string>>;
  cwd?: string | undefined;
}

export interface StartedStdioProcess {
  child: ChildProcessWithoutNullStreams;
  /** Resolves once the process runs; rejects when it could not be started (no such command). */
  spawned: Promise<void>;
}

/**
 * Spawns the backend in a process group of its own (`detached`), so that stopping it stops
 * everything it started. `spawned` is set up at once, so neither outcome is missed however late it
 * is awaited.
 */
export function spawnStdioProcess(spec: StdioProcessSpec): StartedStdioProcess {
  const child = spawn(spec.command, [...spec.args], {
    env: { ...spec.env },
    cwd: spec.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    windowsHide: true,
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) =>
      reject(new Error(`could not start "${spec.command}": ${error.message}`, { cause: error })),
    );
  });
  // Handled by whoever awaits it; never an unhandled rejection while nobody does yet.
  spawned.catch(() => undefined);
  return { child, spawned };
}

/**
 * The environment variables a stdio backend inherits by default: the names the official SDK's
 * `getDefaultEnvironment()` passes (copied here so that this file loads none of the SDK; a
 * difference would only make the transport spawn afresh, see `claimPrestartedStdioProcess`).
 */
const INHERITED =
  process.platform === 'win32'
    ? [
        'APPDATA',
        'COMSPEC',
        'HOMEDRIVE',
        'HOMEPATH',
        'LOCALAPPDATA',
        'PATH',
        'PATHEXT',
        'PROCESSOR_ARCHITECTURE',
        'PROGRAMDATA',
        'PROGRAMFILES',
        'PROGRAMFILES(X86)',
        'PROGRAMW6432',
        'SYSTEMDRIVE',
        'SYSTEMROOT',
        'TEMP',
        'USERNAME',
        'USERPROFILE',
        'WINDIR',
      ]
    : ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER'];

/** The safe inherited environment (as the SDK's, functions excluded) with `env` over it. */
export function stdioEnvironment(
  env: Readonly<Record<string, string>>,
  from: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const inherited: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = from[name];
    // A shell function exported by bash looks like `() { ... }`: a security risk, never passed on.
    if (value !== undefined && !value.startsWith('()')) inherited[name] = value;
  }
  return { ...inherited, ...env };
}

interface Prestarted extends StartedStdioProcess {
  key: string;
  timer: NodeJS.Timeout;
}

const prestarted: Prestarted[] = [];
/** Longer than any start waits for its servers (mcs-chat: 20 s); then an unclaimed process is stopped. */
const DEFAULT_CLAIM_WITHIN_MS = 30_000;

const keyOf = (spec: StdioProcessSpec) =>
  JSON.stringify([
    spec.command,
    spec.args,
    Object.entries(spec.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    spec.cwd ?? null,
  ]);

function drop(entry: Prestarted): void {
  const index = prestarted.indexOf(entry);
  if (index !== -1) prestarted.splice(index, 1);
  clearTimeout(entry.timer);
}

/** Forgets an unclaimed process and kills its group. */
function stop(entry: Prestarted): void {
  drop(entry);
  const pid = entry.child.pid;
  if (pid !== undefined) {
    signalGroup(pid, 'SIGKILL');
    untrackProcessGroup(pid);
  }
}

/**
 * Starts a stdio backend's process now, for a transport with the same spec to take within
 * `claimWithinMs` (else it is stopped: SIGKILL to its group; also when this process exits). A
 * process that cannot start is forgotten quietly: the transport then spawns, and reports, itself.
 * Returns the process for its pid and events; its streams belong to the transport that takes it.
 */
export function prestartStdioProcess(
  spec: StdioProcessSpec,
  claimWithinMs = DEFAULT_CLAIM_WITHIN_MS,
): ChildProcessWithoutNullStreams {
  const started = spawnStdioProcess(spec);
  const entry: Prestarted = {
    ...started,
    key: keyOf(spec),
    timer: setTimeout(() => stop(entry), claimWithinMs).unref(),
  };
  // Until a transport takes it, errors after the start have no other listener (an unhandled
  // 'error' event would throw).
  started.child.on('error', () => undefined);
  started.spawned.then(
    () => {
      if (entry.child.pid !== undefined) trackProcessGroup(entry.child.pid);
    },
    () => drop(entry),
  );
  prestarted.push(entry);
  return started.child;
}

/**
 * The prestarted process for exactly this spec, taken (once), if it is still running; else
 * `undefined` and the caller spawns. One that already exited is dropped: a fresh start reports why.
 */
export function claimPrestartedStdioProcess(spec: StdioProcessSpec): StartedStdioProcess | undefined {
  if (prestarted.length === 0) return undefined;
  const key = keyOf(spec);
  const entry = prestarted.find((candidate) => candidate.key === key);
  if (!entry) return undefined;
  drop(entry);
  const { child } = entry;
  if (child.exitCode !== null || child.signalCode !== null) {
    if (child.pid !== undefined) untrackProcessGroup(child.pid);
    return undefined;
  }
  return { child, spawned: entry.spawned };
}

/**
 * Stops every prestarted process not taken (SIGKILL to its group) and returns how many: for the
 * application to call once its transports have all started, each taking its process or spawning
 * its own. One left then was started for a spec the transport does not have (its environment
 * changed in between, e.g. by a `.env` file): it would otherwise run beside the transport's own
 * process until `claimWithinMs` (a server holding a port or a lock would make that one fail).
 */
export function stopUnclaimedStdioProcesses(): number {
  const left = [...prestarted];
  for (const entry of left) stop(entry);
  return left.length;
}

/** Prestarted processes not taken yet (for tests and diagnostics). */
export function prestartedStdioProcessCount(): number {
  return prestarted.length;
}
