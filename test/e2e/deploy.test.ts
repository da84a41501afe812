// What the images run, without a Docker engine (there is none here): the `pnpm deploy --prod` bundle
// of each app, made by the very command its Dockerfile (infra/docker) runs, is started from its own
// folder outside the workspace with the image's environment and entrypoint, and answers the image's
// own HEALTHCHECK command. provider-sdk is a library: its bundle is imported. One shared setup makes
// the four bundles at once (pnpm deploy: 3-4 s of CPU per app; 70 s for the four together on a loaded 2-core machine).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getFreePort } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAppsBuilt, Processes, repoRoot } from './fixtures/apps.js';

const run = promisify(execFile);
const dockerDir = join(repoRoot, 'infra', 'docker');

interface Dockerfile {
  /** `--filter <name> deploy <flags> /out` of the build stage. */
  deploy: { filter: string; flags: string[] };
  env: Record<string, string>;
  healthcheck: string[];
  entrypoint: string[];
  user: string | undefined;
  text: string;
}

/** The parts of infra/docker/<app>.Dockerfile the test runs (exec-form JSON arrays only). */
function readDockerfile(app: string): Dockerfile {
  const text = readFileSync(join(dockerDir, `${app}.Dockerfile`), 'utf8');
  const joined = text.replace(/\\\n\s*/g, ' ');
  const deploy = /pnpm --filter (\S+) deploy ((?:--\S+ ?)+)\/out/.exec(joined);
  const finalStage = joined.slice(joined.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const line of finalStage.matchAll(/^ENV (.+)$/gm)) {
    for (const pair of line[1]?.matchAll(/(\w+)=(\S+)/g) ?? []) env[pair[1] as string] = pair[2] as string;
  }
  const json = (pattern: RegExp) => {
    const found = pattern.exec(finalStage)?.[1];
    return found === undefined ? [] : (JSON.parse(found) as string[]);
  };
  return {
    deploy: { filter: deploy?.[1] ?? '', flags: (deploy?.[2] ?? '').trim().split(' ') },
    env,
    healthcheck: json(/^HEALTHCHECK .*?CMD (\[.*\])$/m),
    entrypoint: json(/^ENTRYPOINT (\[.*\])$/m),
    user: /^USER (\S+)$/m.exec(finalStage)?.[1],
    text,
  };
}

const pnpmBin = existsSync(join(repoRoot, '.toolchain', 'bin', 'pnpm'))
  ? join(repoRoot, '.toolchain', 'bin', 'pnpm')
  : 'pnpm';

let dir: string;
let processes: Processes;
const bundles = new Map<string, string>();
const dockerfiles = new Map<string, Dockerfile>();

/** Runs the image's HEALTHCHECK command in the bundle folder with the image's environment. */
async function healthcheck(app: string, env: Record<string, string>) {
  const [command, ...args] = dockerfiles.get(app)?.healthcheck ?? [];
  expect(command).toBe('node');
  return run(process.execPath, args, { cwd: bundles.get(app), env: { ...process.env, ...env }, timeout: 15_000 });
}

beforeAll(async () => {
  ensureAppsBuilt();
  dir = await mkdtemp(join(tmpdir(), 'mcs-deploy-'));
  processes = new Processes();
  for (const app of ['http-mcp-server', 'grpc-gateway', 'chat-cli']) dockerfiles.set(app, readDockerfile(app));
  const targets: [string, string, string[]][] = [
    ...[...dockerfiles].map(([app, file]): [string, string, string[]] => [app, file.deploy.filter, file.deploy.flags]),
    ['provider-sdk', '@mcs/provider-sdk', ['--prod', '--legacy']],
  ];
  await Promise.all(
    targets.map(async ([app, filter, flags]) => {
      const target = join(dir, app);
      await run(pnpmBin, ['--filter', filter, 'deploy', ...flags, target], {
        cwd: repoRoot,
        timeout: 240_000,
        // The store already holds every package: no registry round trip per dependency.
        env: { ...process.env, CI: '1', npm_config_prefer_offline: 'true' },
      });
      bundles.set(app, target);
    }),
  );
}, 300_000);

afterAll(async () => {
  await processes?.[Symbol.asyncDispose]();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the Dockerfiles', () => {
  it.each(['http-mcp-server', 'grpc-gateway', 'chat-cli'])(
    '%s: pnpm deploy --prod bundle, non-root user, a HEALTHCHECK',
    (app) => {
      const file = dockerfiles.get(app) as Dockerfile;
      expect(file.deploy.filter).toBe(`@mcs/${app}`);
      expect(file.deploy.flags).toContain('--prod');
      expect(file.text).toMatch(/^COPY --from=build \/out \/app$/m);
      expect(file.user).toBe('node');
      expect(file.healthcheck.length).toBeGreaterThan(0);
      expect(file.entrypoint).toEqual(['node', 'dist/main.js']);
    },
  );
});

describe('pnpm deploy bundles, started from their folder', () => {
  it('http-mcp-server: listens and answers /healthz and the image HEALTHCHECK', async () => {
    const folder = bundles.get('http-mcp-server') as string;
    const { env, entrypoint } = dockerfiles.get('http-mcp-server') as Dockerfile;
    expect(existsSync(join(folder, 'node_modules', 'fastify'))).toBe(true);
    const port = String(await getFreePort());
    // The image's environment, on loopback here (HOST=0.0.0.0 in the image). Auth is on by default:
    // an ephemeral signing key and no users, which it warns about, and /healthz still answers.
    const imageEnv = { ...env, HOST: '127.0.0.1', PORT: port };
    const server = processes.start('http-mcp-server bundle', entrypoint.slice(1), { cwd: folder, env: imageEnv });
    await processes.ready(server, '/healthz', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
    await healthcheck('http-mcp-server', imageEnv);
  });

  it('grpc-gateway: serves and answers grpc.health.v1 through the image HEALTHCHECK', async () => {
    const folder = bundles.get('grpc-gateway') as string;
    const { env, entrypoint, text } = dockerfiles.get('grpc-gateway') as Dockerfile;
    // The image copies the health check script beside the bundle; so does the test.
    expect(text).toContain('COPY infra/docker/grpc-health-check.mjs /app/grpc-health-check.mjs');
    await copyFile(join(dockerDir, 'grpc-health-check.mjs'), join(folder, 'grpc-health-check.mjs'));
    const config = join(dir, 'gateway.json');
    await writeFile(config, JSON.stringify({ auth: { mode: 'off' }, backends: {} }));
    const imageEnv = { ...env, GRPC_HOST: '127.0.0.1', GRPC_PORT: String(await getFreePort()) };
    // Before it listens the check fails: it is not a check that always passes.
    await expect(healthcheck('grpc-gateway', imageEnv)).rejects.toThrow(/failed/);
    const gateway = processes.start('grpc-gateway bundle', [...entrypoint.slice(1), '--config', config], {
      cwd: folder,
      env: imageEnv,
    });
    await processes.ready(gateway, 'SERVING', () =>
      healthcheck('grpc-gateway', imageEnv).then(
        () => true,
        () => false,
      ),
    );
    const { stdout } = await healthcheck('grpc-gateway', imageEnv);
    expect(stdout).toBe('');
  });

  it('chat-cli: --help, --version and the image HEALTHCHECK', async () => {
    const folder = bundles.get('chat-cli') as string;
    const version = JSON.parse(readFileSync(join(repoRoot, 'apps', 'chat-cli', 'package.json'), 'utf8')).version;
    const help = await run(process.execPath, ['dist/main.js', '--help'], { cwd: folder, timeout: 30_000 });
    expect(help.stdout).toContain('usage: mcs-chat');
    const shown = await run(process.execPath, ['dist/main.js', '--version'], { cwd: folder, timeout: 30_000 });
    expect(shown.stdout).toContain(version);
    await healthcheck('chat-cli', {});
  });

  it('provider-sdk (a library): its bundle imports, with its dependencies inside the bundle', async () => {
    const folder = bundles.get('provider-sdk') as string;
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const sdk = await import('./dist/index.js');
         const resolved = import.meta.resolve('openai');
         console.log(JSON.stringify({ exports: Object.keys(sdk), resolved }));`,
      ],
      { cwd: folder, timeout: 30_000 },
    );
    const { exports, resolved } = JSON.parse(stdout) as { exports: string[]; resolved: string };
    expect(exports).toEqual(expect.arrayContaining(['createProvider', 'createMcpClientPool', 'parseProviderConfig']));
    expect(resolved.startsWith(`file://${folder}/node_modules/`)).toBe(true);
  });
});
