import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Whether a process (or, with a negative id, any process of that group) is still running, for the
 * "no process left" checks. Zombies count as gone: a container's PID 1 may never reap the orphans it
 * inherits, and `kill(pid, 0)` alone says a zombie is there.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc')) return true;
  if (pid > 0) return procStat(pid)?.state !== 'Z';
  return readdirSync('/proc').some((entry) => {
    const stat = /^\d+$/.test(entry) ? procStat(Number(entry)) : undefined;
    return stat !== undefined && stat.pgrp === -pid && stat.state !== 'Z';
  });
}

function procStat(pid: number): { state: string; pgrp: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command: state ppid pgrp ...
    const [state = '', , pgrp = ''] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state, pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}
