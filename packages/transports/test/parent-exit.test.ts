import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import {
  everythingEntry,
  isAlive,
  parentExitEntry,
  probeServerEntry,
  tsResolveEntry,
  waitUntilGone,
} from './helpers.js';

/** Runs the parent fixture; resolves with the backend pid it printed once the parent has ended. */
async function runParent(how: 'exit' | 'throw' | 'sigkill', backendArgs: string[]): Promise<number> {
  const parent = spawn(
    process.execPath,
    [
      '--experimental-transform-types',
      '--no-warnings',
      '--conditions=@mcs/source',
      '--import',
      tsResolveEntry,
      parentExitEntry,
      how,
      ...backendArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  parent.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  parent.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => parent.kill('SIGKILL'), 30_000);
  await once(parent, 'exit');
  clearTimeout(timer);
  const pid = Number(stdout.trim().split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`the parent printed no backend pid; stderr: ${stderr}`);
  return pid;
}

describe('no orphaned backend when the parent process ends without close()', () => {
  it.each(['exit', 'throw'] as const)('parent %s: the exit hook kills the backend process group', async (how) => {
    // This backend ignores EOF on stdin, so only the exit hook can be what stops it.
    const pid = await runParent(how, [probeServerEntry, '--stay']);
    expect(await waitUntilGone(pid)).toBe(true);
    expect(await waitUntilGone(-pid)).toBe(true);
  });

  it('parent SIGKILLed (nothing can run): the backend sees EOF on stdin and exits', async () => {
    const pid = await runParent('sigkill', [everythingEntry, 'stdio']);
    const gone = await waitUntilGone(pid);
    if (!gone) process.kill(-pid, 'SIGKILL');
    expect(gone).toBe(true);
    expect(isAlive(-pid)).toBe(false);
  });
});
