/**
 * Process groups of the stdio backends this process started. Each backend runs detached in its own
 * group, so one signal reaches the server and everything it spawned; the flip side is that a
 * terminal's Ctrl-C no longer reaches them, so this process must kill them itself on every way out.
 * `close()` does it gracefully; the `exit` hook below is the last resort (process.exit, uncaught
 * exception, end of the event loop). Signals that kill this process outright (SIGKILL) cannot be
 * caught: the backends then see EOF on stdin, which the MCP stdio spec tells servers to exit on.
 */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  liveGroups.clear();
}

export function trackProcessGroup(pgid: number): void {
  if (!exitHookInstalled) {
    process.on('exit', killAllOnExit);
    exitHookInstalled = true;
  }
  liveGroups.add(pgid);
}

export function untrackProcessGroup(pgid: number): void {
  liveGroups.delete(pgid);
}

/** Sends `signal` to every process of the group; false when the group is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    // ESRCH: no process left in the group, which is the goal.
    return false;
  }
}

/** Number of process groups still tracked (for tests and diagnostics). */
export function trackedProcessGroupCount(): number {
  return liveGroups.size;
}
