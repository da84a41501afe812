// The CLI: --config, env overrides, exit codes, and SIGTERM -> drain, close backends, exit 0.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, waitFor } from '@mcs/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { type CliProcess, runCli } from '../src/cli.js';
import { createGatewayClient } from '../src/client/gateway-client.js';
import { collect, probeBackend } from './fixtures/gateway-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'mcs-gateway-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeProcess(env: NodeJS.ProcessEnv) {
  const signals = new EventEmitter();
  const exits: number[] = [];
  const errors: string[] = [];
  const host: CliProcess = {
    env,
    once: (signal, listener) => signals.once(signal, listener),
    exit: (code) => exits.push(code),
    error: (message) => errors.push(message),
    print: () => undefined,
  };
  return { host, signals, exits, errors };
}

describe('runCli', () => {
  it('starts from --config with GRPC_HOST/GRPC_PORT, and SIGTERM drains, stops the backend process and exits 0', async () => {
    const file = join(dir, 'gateway.json');
    writeFileSync(
      file,
      JSON.stringify({ port: 1, auth: { mode: 'off' }, logLevel: 'silent', backends: { probe: probeBackend() } }),
    );
    const { host, signals, exits } = fakeProcess({ GRPC_HOST: '127.0.0.1', GRPC_PORT: '0' });
    const gateway = await runCli(['--config', file], host);
    expect(gateway?.address).toMatch(/^127\.0\.0\.1:\d+$/);
    const pid = gateway!.catalog.connection('probe')!.pid!;
    const client = createGatewayClient({ address: gateway!.address });
    expect((await collect(client.callTool('native.echo', { message: 'x' }))).at(-1)?.event?.$case).toBe('result');
    client.close();
    signals.emit('SIGTERM', 'SIGTERM');
    await waitFor(() => exits.length > 0, { what: 'the CLI to exit' });
    expect(exits).toEqual([0]);
    await waitFor(() => !isAlive(pid), { what: 'the backend process to be gone' });
  });

  it('exits 2 naming the bad key for an invalid config, and for a missing --config', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'auth: { mode: maybe }\n');
    const bad = fakeProcess({});
    await runCli(['--config', file], bad.host);
    expect(bad.exits).toEqual([2]);
    expect(bad.errors.join('\n')).toContain('auth.mode');
    const missing = fakeProcess({});
    await runCli([], missing.host);
    expect(missing.exits).toEqual([2]);
    expect(missing.errors.join('\n')).toContain('--config');
  });
});
