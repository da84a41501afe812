// Runs a workspace script with the toolchain this project needs, on any machine that has some Node and
// npm. Node >= 22.12 and pnpm are installed from the npm registry into .toolchain/ (ignored by git),
// never globally, and reused on later runs. Plain JavaScript on purpose: it must run on Node 18/20.
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { constants } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const toolchainDir = join(root, '.toolchain');
const binDir = join(toolchainDir, 'bin');

// The Node release we install when the machine's own is too old. 24 is the LTS line.
const NODE_VERSION = '24.9.0';
const MIN_NODE = [22, 12];
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const PNPM_VERSION = String(rootManifest.packageManager ?? '').replace(/^pnpm@/, '');

const HELP = `Usage: ./mcs <script> [args...]
       ./mcs pnpm <pnpm args...>

Runs a root package.json script (dev, test, build, typecheck, lint, bench, ...) with Node >= 22.12
and pnpm ${PNPM_VERSION}. On a machine whose Node is older, both are installed into .toolchain/ from
the npm registry first; nothing is installed globally. Dependencies are installed with
'pnpm install --frozen-lockfile' whenever the lockfile changed since the last install.

  ./mcs dev       start the whole stack (authorization on; prints the development user)
  ./mcs token     print an access token of the running dev stack, for gRPC and HTTP clients
                  (--json: the token endpoint's whole answer)
  ./mcs test      run every test (installs redis-server from Debian when it is missing and you are root)

Environment: MCS_SKIP_INSTALL=1 skips the dependency install step.`;

function log(message) {
  process.stderr.write(`[mcs] ${message}\n`);
}

function fail(message) {
  log(`error: ${message}`);
  process.exit(1);
}

function versionAtLeast(version, [major, minor]) {
  const [a = 0, b = 0] = version.replace(/^v/, '').split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`'${command} ${args.join(' ')}' exited with ${result.status ?? result.signal}`);
}

function nodePackageName() {
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  return `node-${platform}-${process.arch}`;
}

// Installs (once) the pinned Node and pnpm into .toolchain/node_modules and links them into .toolchain/bin.
function ensureToolchain() {
  const nodePackage = nodePackageName();
  // Node reports its real path, so a run through .toolchain/bin/node (first on PATH after the first run,
  // as the README suggests) is a run on the Node installed here: keep it in the manifest. Counting it as
  // "the machine's Node" would rewrite the manifest and reinstall on every switch between the two.
  const onToolchainNode = process.execPath.startsWith(join(toolchainDir, 'node_modules', nodePackage) + sep);
  const systemNodeIsRecent = versionAtLeast(process.version, MIN_NODE) && !onToolchainNode;
  const manifest = {
    name: 'mcs-toolchain',
    private: true,
    description: 'Installed by tooling/toolchain/mcs.mjs; safe to delete.',
    dependencies: {
      pnpm: PNPM_VERSION,
      ...(systemNodeIsRecent ? {} : { [nodePackage]: NODE_VERSION }),
    },
  };
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  const manifestPath = join(toolchainDir, 'package.json');
  const installedMarker = join(toolchainDir, 'installed.json');
  const upToDate = existsSync(installedMarker) && readFileSync(installedMarker, 'utf8') === manifestText;

  if (!upToDate) {
    log(
      systemNodeIsRecent || onToolchainNode
        ? `installing pnpm ${PNPM_VERSION} into .toolchain/`
        : `Node ${process.version} is older than ${MIN_NODE.join('.')}: installing Node ${NODE_VERSION} and pnpm ${PNPM_VERSION} into .toolchain/`,
    );
    mkdirSync(toolchainDir, { recursive: true });
    writeFileSync(manifestPath, manifestText);
    // npm's report goes to stderr: stdout is the script's own (`$(./mcs token)` must be the token alone).
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--no-package-lock'], {
      cwd: toolchainDir,
      shell: process.platform === 'win32',
      stdio: ['inherit', 2, 'inherit'],
    });
  }

  const nodeBinary = systemNodeIsRecent
    ? process.execPath
    : join(toolchainDir, 'node_modules', nodePackage, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  if (!existsSync(nodeBinary)) fail(`expected a Node binary at ${nodeBinary}; delete .toolchain/ and try again`);

  // Made only when missing or different: other processes run .toolchain/bin/node and pnpm all the time
  // (tests, a running ./mcs dev), and one starting while the link is replaced or the shim rewritten would
  // find no node, or run an empty shim that exits 0 having done nothing.
  mkdirSync(binDir, { recursive: true });
  const nodeLink = join(binDir, 'node');
  if (readLink(nodeLink) !== nodeBinary) {
    if (existsSync(nodeLink) || isDanglingLink(nodeLink)) unlinkSync(nodeLink);
    symlinkSync(nodeBinary, nodeLink);
  }
  const pnpmEntry = join(toolchainDir, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
  const pnpmShim = join(binDir, 'pnpm');
  const shim = `#!/bin/sh\nexec "${nodeLink}" "${pnpmEntry}" "$@"\n`;
  if (!existsSync(pnpmShim) || readFileSync(pnpmShim, 'utf8') !== shim) {
    writeFileSync(`${pnpmShim}.${process.pid}`, shim, { mode: 0o755 });
    chmodSync(`${pnpmShim}.${process.pid}`, 0o755);
    renameSync(`${pnpmShim}.${process.pid}`, pnpmShim);
  }
  if (!upToDate) writeFileSync(installedMarker, manifestText);
  return { nodeBinary, pnpmEntry };
}

function readLink(path) {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

function isDanglingLink(path) {
  try {
    return spawnSync('test', ['-L', path]).status === 0;
  } catch {
    return false;
  }
}

function toolchainEnv() {
  const pathKey = Object.keys(process.env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH';
  return {
    ...process.env,
    [pathKey]: [binDir, join(root, 'node_modules', '.bin'), process.env[pathKey]].filter(Boolean).join(':'),
    // npm on this kind of machine may carry a nodedir for the system Node; native addons must build against ours.
    npm_config_nodedir: undefined,
    NPM_CONFIG_NODEDIR: undefined,
  };
}

// pnpm keeps a copy of the lockfile it last installed from; when it matches, there is nothing to do.
function ensureDependencies(env, pnpm) {
  if (process.env.MCS_SKIP_INSTALL === '1') return;
  const lockfile = join(root, 'pnpm-lock.yaml');
  const installedLock = join(root, 'node_modules', '.pnpm', 'lock.yaml');
  if (
    existsSync(lockfile) &&
    existsSync(installedLock) &&
    readFileSync(lockfile, 'utf8') === readFileSync(installedLock, 'utf8')
  ) {
    return;
  }
  log('installing dependencies (pnpm install --frozen-lockfile)');
  run(pnpm.nodeBinary, [pnpm.pnpmEntry, 'install', '--frozen-lockfile', '--prefer-offline'], { cwd: root, env });
}

// Tests start a real redis-server; on a fresh Debian machine it comes from Debian's packages.
function ensureRedisServer(env) {
  if (spawnSync('sh', ['-c', 'command -v redis-server'], { env }).status === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { env }).status === 0;
  if (!isRoot || !hasApt) {
    fail(
      'the tests need redis-server on PATH: install it (Debian/Ubuntu: apt-get install -y redis-server) and run again',
    );
  }
  log('redis-server not found: installing it from Debian (apt-get install -y redis-server)');
  run('apt-get', ['update', '-qq'], { env });
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], {
    env: { ...env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function main() {
  const args = process.argv.slice(2);
  if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
    process.stdout.write(`${HELP}\n`);
    process.exit(args.length === 0 ? 1 : 0);
  }
  if (!PNPM_VERSION) fail('package.json has no "packageManager": "pnpm@<version>" field');

  const toolchain = ensureToolchain();
  const env = toolchainEnv();
  const [first, ...rest] = args;
  if (first === 'token') {
    // Not a workspace script: its output is the token alone, so it can be used as $(./mcs token).
    const result = spawnSync(toolchain.nodeBinary, [join(root, 'tooling', 'toolchain', 'dev-token.mjs'), ...rest], {
      env,
      stdio: 'inherit',
    });
    process.exit(result.status ?? 1);
  }
  const pnpmArgs = first === 'pnpm' ? rest : ['run', first, ...rest];
  if (first !== 'pnpm' || rest[0] !== 'install') ensureDependencies(env, toolchain);
  if (first === 'test') ensureRedisServer(env);

  // `dev` is the root script `turbo run dev`, started here without pnpm in between: Ctrl-C reaches every
  // process of the terminal's group, and pnpm would forward it to turbo once more, which turbo takes for
  // a second Ctrl-C and kills the apps at once instead of letting them shut down.
  const turbo = join(root, 'node_modules', '.bin', 'turbo');
  const [command, commandArgs] =
    first === 'dev' && /^(exec )?turbo run dev$/.test(rootManifest.scripts?.dev ?? '') && existsSync(turbo)
      ? [turbo, ['run', 'dev', ...rest]]
      : [toolchain.nodeBinary, [toolchain.pnpmEntry, ...pnpmArgs]];
  // A root script runs at the root: from a package's folder, pnpm would run that package's script of the
  // same name and turbo would scope itself to that package. `./mcs pnpm ...` runs where it was asked.
  const child = spawn(command, commandArgs, {
    cwd: first === 'pnpm' ? process.cwd() : root,
    env,
    stdio: 'inherit',
  });
  // The child shares our terminal's process group, so Ctrl-C reaches it directly; forward what does not.
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  process.on('SIGINT', () => {});
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1)));
}

main();
