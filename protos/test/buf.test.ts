// The contract's checks, as part of the test command: `buf lint` and `buf breaking` against main.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const protosDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const buf = join(protosDir, 'node_modules', '.bin', 'buf');

function run(args: string[]): { status: number | null; output: string } {
  const result = spawnSync(buf, args, { cwd: protosDir, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** Whether branch `main` already holds the contract (false on the commit that first adds it). */
function mainHasContract(): boolean {
  try {
    execFileSync('git', ['cat-file', '-e', 'main:protos/buf.yaml'], { cwd: protosDir, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('protos', () => {
  it('passes buf lint (STANDARD)', () => {
    const { status, output } = run(['lint']);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  const hasBaseline = mainHasContract();
  const name = hasBaseline
    ? 'has no breaking change (FILE) against branch main'
    : 'has no baseline on branch main yet (first commit of protos/): buf breaking has nothing to compare';
  it(name, () => {
    if (!hasBaseline) {
      // Prove the baseline is really absent rather than the check being silently skipped.
      const ref = spawnSync('git', ['rev-parse', '--verify', '--quiet', 'main:protos/buf.yaml'], { cwd: protosDir });
      expect(ref.status).not.toBe(0);
      console.warn('buf breaking not run: branch main has no protos/buf.yaml yet');
      return;
    }
    const { status, output } = run(['breaking', '--against', '../.git#branch=main,subdir=protos']);
    expect(output).toBe('');
    expect(status).toBe(0);
  });

  it('buf breaking reports a real break (the check is live): an RPC removed from a copy', () => {
    const copy = mkdtempSync(join(tmpdir(), 'mcs-protos-'));
    try {
      cpSync(join(protosDir, 'buf.yaml'), join(copy, 'buf.yaml'));
      cpSync(join(protosDir, 'mcs'), join(copy, 'mcs'), { recursive: true });
      const file = join(copy, 'mcs', 'v1', 'gateway.proto');
      const source = readFileSync(file, 'utf8');
      const broken = source.replace(/^\s*rpc GetPrompt\(.*$/m, '');
      expect(broken).not.toBe(source);
      writeFileSync(file, broken);
      const { status, output } = run(['breaking', copy, '--against', protosDir]);
      expect(status).not.toBe(0);
      expect(output).toContain('GetPrompt');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
