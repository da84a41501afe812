// `./mcs` (tooling/toolchain/mcs.mjs) installs its toolchain into .toolchain/ whenever the toolchain's
// manifest changed (a first run, or another Node on PATH than last time). `./mcs token` is used as
// `$(./mcs token)`, so nothing but the token may reach stdout, not even that install's output. The
// bootstrap runs here from a copy in a temporary folder (its root is the folder above its own), with
// an `npm` of the test's own first on PATH: the real one would fetch pnpm from the registry, and the
// install's output is the one thing this checks. dev-token.mjs beside it prints a fixed token.
import { execFile } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures/apps.js';

const run = promisify(execFile);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mcs-bootstrap-'));
  await mkdir(join(root, 'tooling', 'toolchain'), { recursive: true });
  await mkdir(join(root, 'fake-bin'));
  await copyFile(join(repoRoot, 'tooling', 'toolchain', 'mcs.mjs'), join(root, 'tooling', 'toolchain', 'mcs.mjs'));
  await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'mcs', packageManager: 'pnpm@10.34.8' }));
  await writeFile(join(root, 'tooling', 'toolchain', 'dev-token.mjs'), "process.stdout.write('the-token\\n');\n");
  // What `npm install` leaves in .toolchain/ for pnpm, and what it prints on stdout when done.
  const npm = join(root, 'fake-bin', 'npm');
  await writeFile(
    npm,
    '#!/bin/sh\nmkdir -p node_modules/pnpm/bin && touch node_modules/pnpm/bin/pnpm.cjs\necho "up to date in 2s"\n',
  );
  await chmod(npm, 0o755);
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('./mcs token while the toolchain is (re)installed', () => {
  it('prints the token alone on stdout; the install reports on stderr', async () => {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'tooling', 'toolchain', 'mcs.mjs'), 'token'], {
      env: { ...process.env, PATH: `${join(root, 'fake-bin')}:${process.env.PATH}` },
      timeout: 30_000,
    });
    expect(stdout).toBe('the-token\n');
    expect(stderr).toContain('installing pnpm 10.34.8 into .toolchain/');
    expect(stderr).toContain('up to date in 2s');
  });
});
