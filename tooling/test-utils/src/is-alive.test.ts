import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAlive } from './is-alive.js';
import { waitFor } from './wait-for.js';

const stateOf = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
};

describe('isAlive', () => {
  it('a running process and its group are alive; once it exits, both are gone', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = child.pid!;
    expect(isAlive(pid)).toBe(true);
    expect(isAlive(-pid)).toBe(true);
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(-pid)).toBe(false);
  });

  it('a zombie (exited, never reaped by its parent) counts as gone, though kill(pid, 0) still finds it', async () => {
    // `sh` starts `true` in the background, prints its pid and becomes `sleep`, which never reaps it.
    const parent = spawn('sh', ['-c', 'true & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const zombie = Number(line.toString().trim());
      expect(zombie).toBeGreaterThan(0);
      await waitFor(() => stateOf(zombie) === 'Z', { what: 'the background process to become a zombie' });
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isAlive(zombie)).toBe(false);
      expect(isAlive(parent.pid!)).toBe(true);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
