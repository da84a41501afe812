// `./mcs token` (tooling/toolchain/dev-token.mjs, which ./mcs runs with the toolchain's node) against the
// built http-mcp-server started as its dev script starts it: authorization on, the development user
// and signing key of .toolchain/dev/credentials.json (made here when missing, as the first ./mcs dev does).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getFreePort } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devCredentials } from '../../tooling/toolchain/dev-auth.mjs';
import { ensureAppsBuilt, hashPassword, httpMcpServerMain, Processes, repoRoot } from './fixtures/apps.js';

const run = promisify(execFile);
const devToken = join(repoRoot, 'tooling', 'toolchain', 'dev-token.mjs');

let processes: Processes;
let origin: string;

beforeAll(async () => {
  ensureAppsBuilt();
  processes = new Processes();
  const credentials = devCredentials();
  const port = await getFreePort();
  origin = `http://127.0.0.1:${port}`;
  const server = processes.start('http-mcp-server', [httpMcpServerMain], {
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      MCS_AUTH: 'on',
      MCS_USERS: JSON.stringify({ [credentials.user]: hashPassword(credentials.password) }),
      MCS_SIGNING_KEYS: JSON.stringify(credentials.signingKey),
      LOG_LEVEL: 'warn',
    },
  });
  await processes.ready(server, '/healthz', async () => (await fetch(`${origin}/healthz`)).ok);
}, 120_000);

afterAll(async () => {
  await processes?.[Symbol.asyncDispose]();
});

const mcpInitialize = (token: string) =>
  fetch(`${origin}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'e2e', version: '1' } },
    }),
  });

describe('./mcs token', () => {
  it('prints an access token of the development user that the server accepts; --json the whole answer', async () => {
    const env = { ...process.env, PUBLIC_URL: origin };
    const { stdout } = await run(process.execPath, [devToken], { env, timeout: 30_000 });
    const token = stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    expect(claims).toMatchObject({ iss: origin, aud: `${origin}/mcp`, sub: devCredentials().user, scope: 'mcp' });
    expect((await mcpInitialize(token)).status).toBe(200);
    expect((await mcpInitialize('not-a-token')).status).toBe(401);

    const json = JSON.parse((await run(process.execPath, [devToken, '--json'], { env, timeout: 30_000 })).stdout);
    expect(json).toMatchObject({ token_type: 'Bearer', scope: 'mcp' });
    expect(typeof json.refresh_token).toBe('string');
  });

  it('says what is wrong when no server answers, or on a bad flag', async () => {
    const closed = `http://127.0.0.1:${await getFreePort()}`;
    const failure = await run(process.execPath, [devToken], {
      env: { ...process.env, PUBLIC_URL: closed },
      timeout: 30_000,
    }).catch((error: { code: number; stderr: string; stdout: string }) => error);
    expect(failure).toMatchObject({ code: 1, stdout: '' });
    expect((failure as { stderr: string }).stderr).toContain(`cannot reach the authorization server at ${closed}`);
    expect((failure as { stderr: string }).stderr).toContain('is ./mcs dev running?');
    const usage = await run(process.execPath, [devToken, '--nope'], { timeout: 30_000 }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(usage).toMatchObject({ code: 2 });
    expect((usage as { stderr: string }).stderr).toContain('Usage: ./mcs token');
  });
});
