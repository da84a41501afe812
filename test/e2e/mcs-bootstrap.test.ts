// `./mcs` (tooling/toolchain/mcs.mjs) installs its toolchain into .toolchain/ whenever the toolchain's
// manifest changed (a first run, or another Node on PATH than last time). `./mcs token` is used as
// `$(./mcs token)`, so nothing but the token may reach stdout, not even that install's output. The
// bootstrap runs here from a copy in a temporary folder (its root is the folder above its own), with
// an `npm` of the test's own first on PATH: the real one would fetch pnpm from the registry, and the
// install's output is the one thing this checks. dev-token.mjs beside it prints a fixed token.
import { execFile } from 'node:child_process';
import { chmod, copyFile, link, lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './fixtures/apps.js';

const run = promisify(execFile);
const roots: string[] = [];
const rootManifest = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

/** A copy of the bootstrap in a fresh root, with the stub npm and a stub pnpm that prints where it ran. */
async function makeRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mcs-bootstrap-'));
  roots.push(root);
  await mkdir(join(root, 'tooling', 'toolchain'), { recursive: true });
  await mkdir(join(root, 'fake-bin'));
  await mkdir(join(root, 'apps', 'some-app'), { recursive: true });
  await copyFile(join(repoRoot, 'tooling', 'toolchain', 'mcs.mjs'), join(root, 'tooling', 'toolchain', 'mcs.mjs'));
  await writeFile(
    join(root, 'package.json'),
    JSON.stringify({
      name: 'mcs',
      packageManager: 'pnpm@10.34.8',
      scripts: { hello: 'echo hello', dev: rootManifest.scripts.dev },
    }),
  );
  // A turbo that reports how it was started, where `pnpm install` puts the real one.
  await mkdir(join(root, 'node_modules', '.bin'), { recursive: true });
  await writeFile(
    join(root, 'node_modules', '.bin', 'turbo'),
    `#!${process.execPath}\nconsole.log(JSON.stringify({ turbo: true, cwd: process.cwd(), args: process.argv.slice(2) }));\n`,
    { mode: 0o755 },
  );
  await writeFile(join(root, 'tooling', 'toolchain', 'dev-token.mjs'), "process.stdout.write('the-token\\n');\n");
  // What `npm install` leaves in .toolchain/ for pnpm, and what it prints on stdout when done.
  const npm = join(root, 'fake-bin', 'npm');
  await writeFile(
    npm,
    '#!/bin/sh\nmkdir -p node_modules/pnpm/bin && touch node_modules/pnpm/bin/pnpm.cjs\necho "up to date in 2s"\n',
  );
  await chmod(npm, 0o755);
  // The pnpm the bootstrap runs: it reports its working folder and arguments (touch above keeps it).
  await mkdir(join(root, '.toolchain', 'node_modules', 'pnpm', 'bin'), { recursive: true });
  await writeFile(
    join(root, '.toolchain', 'node_modules', 'pnpm', 'bin', 'pnpm.cjs'),
    'console.log(JSON.stringify({ cwd: process.cwd(), args: process.argv.slice(2) }));\n',
  );
  return root;
}

let root: string;

beforeAll(async () => {
  root = await makeRoot();
});

afterAll(async () => {
  await Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true })));
});

const bootstrap = (dir: string, args: string[], options: { cwd?: string; node?: string } = {}) =>
  run(options.node ?? process.execPath, [join(dir, 'tooling', 'toolchain', 'mcs.mjs'), ...args], {
    cwd: options.cwd ?? dir,
    env: { ...process.env, PATH: `${join(dir, 'fake-bin')}:${process.env.PATH}`, MCS_SKIP_INSTALL: '1' },
    timeout: 30_000,
  });

describe('./mcs token while the toolchain is (re)installed', () => {
  it('prints the token alone on stdout; the install reports on stderr', async () => {
    const { stdout, stderr } = await bootstrap(root, ['token']);
    expect(stdout).toBe('the-token\n');
    expect(stderr).toContain('installing pnpm 10.34.8 into .toolchain/');
    expect(stderr).toContain('up to date in 2s');
  });
});

describe('.toolchain/bin', () => {
  it('is left alone when it is right: the node link and the pnpm shim are not made again on every run', async () => {
    await bootstrap(root, ['token']);
    const files = ['node', 'pnpm'].map((name) => join(root, '.toolchain', 'bin', name));
    const before = await Promise.all(files.map((file) => lstat(file)));
    await bootstrap(root, ['token']);
    const after = await Promise.all(files.map((file) => lstat(file)));
    // Another process may be starting .toolchain/bin/node or pnpm at that moment (a test, ./mcs dev).
    expect(after.map(({ ino, mtimeMs }) => ({ ino, mtimeMs }))).toEqual(
      before.map(({ ino, mtimeMs }) => ({ ino, mtimeMs })),
    );
    expect((after[1]?.mode ?? 0) & 0o111).not.toBe(0);
  });
});

describe('./mcs <script>', () => {
  it('runs the root script at the root, also when started from a package folder', async () => {
    const fromApp = await bootstrap(root, ['hello'], { cwd: join(root, 'apps', 'some-app') });
    expect(JSON.parse(fromApp.stdout)).toEqual({ cwd: root, args: ['run', 'hello'] });
    // `./mcs pnpm ...` is pnpm itself: it runs where it was asked to.
    const passthrough = await bootstrap(root, ['pnpm', 'why', 'x'], { cwd: join(root, 'apps', 'some-app') });
    expect(JSON.parse(passthrough.stdout)).toEqual({ cwd: join(root, 'apps', 'some-app'), args: ['why', 'x'] });
  });
});

describe('./mcs dev', () => {
  it("runs the root dev script's turbo itself, without pnpm in between (one Ctrl-C is one signal for turbo)", async () => {
    expect(rootManifest.scripts.dev).toMatch(/turbo run dev$/);
    const { stdout } = await bootstrap(root, ['dev', '--filter', '@mcs/x'], { cwd: join(root, 'apps', 'some-app') });
    expect(JSON.parse(stdout)).toEqual({ turbo: true, cwd: root, args: ['run', 'dev', '--filter', '@mcs/x'] });
  });
});

describe('./mcs on the Node it installed into .toolchain/ (.toolchain/bin first on PATH)', () => {
  it('keeps that Node in the toolchain manifest, as a run on an old machine Node does: no reinstall at each switch', async () => {
    const dir = await makeRoot();
    // The toolchain's Node as the bootstrap installs it (a hard link of this Node: same binary, its path).
    const nodePackage = `node-${process.platform}-${process.arch}`;
    const installedNode = join(dir, '.toolchain', 'node_modules', nodePackage, 'bin', 'node');
    await mkdir(join(installedNode, '..'), { recursive: true });
    await link(process.execPath, installedNode).catch(() => copyFile(process.execPath, installedNode));
    const first = await bootstrap(dir, ['token'], { node: installedNode });
    expect(first.stdout).toBe('the-token\n');
    const manifest = JSON.parse(await readFile(join(dir, '.toolchain', 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).toEqual(['pnpm', nodePackage]);
    const again = await bootstrap(dir, ['token'], { node: installedNode });
    expect(again.stderr).not.toContain('installing');
  });
});
