// Signing in to a protected MCP server, run by the built CLI against our http-mcp-server with
// MCS_AUTH=on (its own authorization server, real users): the seed's `auth.post_body` entry
// verbatim completes the login form without a browser; a server without it signs in through the
// browser (played by the test: it opens the URL mcs-chat printed, fills in the form, and its
// redirect reaches mcs-chat's loopback callback); the encrypted cache makes the second run sign in
// no more, holds no readable token, refreshes silently, and `mcs-chat logout` empties it.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEncryptedFileTokenStore, type StoredAuthorization } from '@mcs/provider-sdk';
import { getFreePort, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureHttpMcpServerBuilt,
  httpMcpServerMain,
  startHttpMcpServer,
  stopProcess,
} from '../../grpc-gateway/test/fixtures/http-mcp-server-process.js';
import { obtainAccessToken, revokeToken } from '../../grpc-gateway/test/fixtures/oauth-browser.js';
import { type ScriptedModel, startScriptedModel } from '../../provider-sdk/test/scripted-model.js';
import { tokenCacheKey } from '../src/auth/token-key.js';
import { type CliRun, everythingEntry, makeWorkDir, modelEnv, runCli, startCli, type WorkDir } from './cli-process.js';
import { printedSignInUrl, signInInBrowser } from './sign-in-browser.js';

const SEED_FIXTURE = fileURLToPath(new URL('./fixtures/seed/config.json', import.meta.url));
/** The seed's `post_body` credentials, as its README writes them: a user of the test server. */
const SEED_USER = { name: 'user', password: 'password' };
const ALICE = { name: 'alice', password: 'correct horse battery staple' };
/** The seed's `.env` names the cache key CRIPTOGRAFY_KEY ("any key"): a passphrase. */
const PASSPHRASE = 'a passphrase for the sign-in cache';

let model: ScriptedModel;
let server: ChildProcess | undefined;
let origin: string;

const hashOf = (password: string) =>
  execFileSync(process.execPath, [httpMcpServerMain, 'hash-password'], {
    input: password,
    encoding: 'utf8',
    timeout: 30_000,
  }).trim();

beforeAll(async () => {
  ensureHttpMcpServerBuilt();
  model = await startScriptedModel();
  const port = await getFreePort();
  origin = `http://127.0.0.1:${port}`;
  server = await startHttpMcpServer(port, {
    MCS_AUTH: 'on',
    PUBLIC_URL: origin,
    MCS_USERS: JSON.stringify({ [SEED_USER.name]: hashOf(SEED_USER.password), [ALICE.name]: hashOf(ALICE.password) }),
  });
}, 300_000);

afterAll(async () => {
  await stopProcess(server, 'SIGTERM');
  await model?.close();
});

type Message = { role: string; content?: unknown; tool_call_id?: string };
const toolAnswer = (request: Record<string, unknown> | undefined, id: string) =>
  String(((request?.messages ?? []) as Message[]).find((message) => message.tool_call_id === id)?.content);

/** The seed's own `example_private_mcp` (and `github`) entries, only the URL pointed at the test server. */
async function seedEntries(names: string[]): Promise<Record<string, unknown>> {
  const seed = JSON.parse(await readFile(SEED_FIXTURE, 'utf8'));
  const servers = Object.fromEntries(names.map((name) => [name, seed.mcp_servers[name]]));
  for (const entry of Object.values(servers) as Record<string, unknown>[]) entry['httpstream-url'] = `${origin}/mcp`;
  return { app_name: seed.app_name, mcp_servers: servers };
}

/** An environment of its own per test: the cache directory is the test's work directory. */
function envFor(work: WorkDir, extra: Record<string, string> = {}): Record<string, string> {
  return { ...modelEnv(model.baseURL), XDG_DATA_HOME: join(work.path, 'data'), ...extra };
}

async function waitForStderr(run: CliRun, text: string): Promise<void> {
  await waitFor(() => run.stderr().includes(text) || undefined, {
    timeoutMs: 30_000,
    what: `"${text}" on mcs-chat's stderr (${JSON.stringify(run.stderr())})`,
  });
}

describe('auth.post_body (the seed: a scripted sign-in)', () => {
  it("the seed's example_private_mcp entry verbatim signs in without a browser and its tool answers", async () => {
    await using work = await makeWorkDir();
    await work.write('config.json', await seedEntries(['example_private_mcp']));
    const before = model.requests.length;
    model.script([
      { toolCalls: [{ id: 'call_1', name: 'example_private_mcp__whoami', arguments: {} }] },
      { text: 'Signed in.' },
    ]);
    const { code, stdout, stderr } = await runCli(['-p', 'Who am I?'], { cwd: work.path, env: envFor(work) });
    expect(code).toBe(0);
    expect(stdout).toBe('Signed in.\n');
    // The server knows the seed's user: the form was completed with post_body's fields. HTTP servers
    // are spoken to in 2026-07-28 when they offer it (the provider-sdk's `protocol: auto`), which has
    // no sessions: whoami says so.
    const answer = toolAnswer(model.requests[before + 1], 'call_1');
    expect(answer).toBe('user (session none)');
    // No browser, no URL; no key set: said once that the tokens stay in memory.
    expect(stderr).not.toContain('/authorize?');
    expect(stderr.match(/tokens stay in memory for this run only/g)).toHaveLength(1);
    expect(stderr).not.toContain(SEED_USER.password);
  });

  it('wrong credentials: the server is left out with the form\'s own message; /servers shows "failed" for it and for a refused header token', async () => {
    await using work = await makeWorkDir();
    const config = await seedEntries(['example_private_mcp', 'github']);
    const servers = config.mcp_servers as Record<string, { auth?: { post_body: Record<string, string> } }>;
    servers.example_private_mcp!.auth!.post_body = { username: 'user', password: 'not the password' };
    await work.write('config.json', config);
    await work.write('.env', 'github_access_token=not-a-valid-token\n');
    const run = startCli([], { cwd: work.path, env: envFor(work) });
    run.line('/servers');
    run.line('/exit');
    expect(await run.exited()).toBe(0);
    expect(run.stderr()).toMatch(
      /MCP server "example_private_mcp" is not connected \(.*authorization failed: auth\.post_body: sign-in refused \("Wrong user name or password\."\); check its fields\)/,
    );
    expect(run.stderr()).toContain(
      'mcs-chat: "example_private_mcp" did not sign in: auth.post_body: sign-in refused ("Wrong user name or password."); check its fields\n',
    );
    expect(run.stderr().match(/did not sign in/g)).toHaveLength(1);
    expect(run.stderr()).not.toContain('not the password');
    const lines = run.stdout().split('\n');
    expect(lines.find((line) => line.includes('example_private_mcp  http'))).toContain('auth: failed');
    // A wrong header token: sent as configured, no OAuth attempted in its place.
    expect(lines.find((line) => line.includes('github  http'))).toContain('auth: failed');
    expect(run.stderr()).not.toMatch(/"github" needs a sign-in/);
  });

  it('post_body fields the login form does not have: the message names them and the fields it has', async () => {
    await using work = await makeWorkDir();
    const config = await seedEntries(['example_private_mcp']);
    const servers = config.mcp_servers as Record<string, { auth?: { post_body: Record<string, string> } }>;
    servers.example_private_mcp!.auth!.post_body = { login: 'user', secret: 'password' };
    await work.write('config.json', config);
    model.script([{ text: 'Answered without it.' }]);
    const { code, stdout, stderr } = await runCli(['-p', 'hi'], { cwd: work.path, env: envFor(work) });
    expect({ code, stdout }).toEqual({ code: 0, stdout: 'Answered without it.\n' });
    expect(stderr).toContain(
      'mcs-chat: "example_private_mcp" did not sign in: auth.post_body: the sign-in page has no form with the field(s) "login", "secret" (its fields: username, password)\n',
    );
    expect(stderr).toContain('MCP server "example_private_mcp" is not connected');
  });
});

/** What the cache holds for the test server (opened with the key, as mcs-chat does). */
async function cached(work: WorkDir): Promise<{ file: string; bytes: Buffer; value: StoredAuthorization }> {
  const directory = join(work.path, 'data', 'mcs-chat', 'tokens');
  const files = (await readdir(directory)).filter((name) => name.endsWith('.sealed'));
  expect(files).toHaveLength(1);
  const file = join(directory, files[0] as string);
  const store = createEncryptedFileTokenStore({
    directory,
    key: await tokenCacheKey({ variable: 'CRIPTOGRAFY_KEY', value: PASSPHRASE }, directory),
  });
  const value = await store.load(`${origin}/mcp`);
  if (!value) throw new Error('the cache has no entry for the server');
  return { file, bytes: await readFile(file), value };
}

const tokensOf = (value: StoredAuthorization) => {
  const tokens = Object.values(value.issuers).find((entry) => entry.tokens)?.tokens;
  if (!tokens) throw new Error('no tokens cached');
  return tokens;
};

describe('OAuth in the browser, cached encrypted between runs', () => {
  it('first run signs in through the browser; the second uses the cached token; an aged token is refreshed silently; a revoked grant signs in again with the cached registration; logout empties the cache and the next run asks again', async () => {
    await using work = await makeWorkDir();
    await work.write('config.json', {
      mcp_servers: {
        private: { transport: 'httpstream', 'httpstream-url': `${origin}/mcp`, auth: { required: true } },
      },
    });
    // The seed's .env: the cache key under its name, CRIPTOGRAFY_KEY.
    await work.write('.env', `CRIPTOGRAFY_KEY=${PASSPHRASE}\n`);
    const env = envFor(work);

    // 1. The server answers 401: the URL is printed (no desktop here), the "browser" signs in, the
    //    loopback callback completes the flow, the REPL starts and the tool answers.
    const first = startCli([], { cwd: work.path, env });
    const url = await printedSignInUrl(first);
    expect(first.stderr()).toContain('MCP server "private" needs a sign-in; open this address in a browser');
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect((await signInInBrowser(url, ALICE)).callbackStatus).toBe(200);
    first.line('/servers');
    first.line('/call private.whoami');
    first.line('/exit');
    expect(await first.exited()).toBe(0);
    expect(first.stdout()).toMatch(/private {2}http {2}ready {2}auth: signed in {2}trust: no {2}\d+ tool\(s\)/);
    expect(first.stdout()).toContain('"subject":"alice"');
    expect(first.stderr()).not.toContain('tokens stay in memory');

    // The cache file opens with the key; its bytes hold none of the tokens, in any spelling.
    const afterFirst = await cached(work);
    const tokens = tokensOf(afterFirst.value);
    const secrets = [tokens.access_token, String(tokens.refresh_token)];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(20);
      for (const spelling of [secret, Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('hex')]) {
        expect(afterFirst.bytes.includes(spelling)).toBe(false);
      }
    }
    expect(afterFirst.bytes.includes('alice')).toBe(false);

    // 2. The second run: no sign-in, the cached access token is sent as it is (not even refreshed).
    const before = model.requests.length;
    model.script([
      { toolCalls: [{ id: 'call_2', name: 'private__whoami', arguments: {} }] },
      { text: 'Still signed in.' },
    ]);
    const second = await runCli(['-p', 'Who am I?'], { cwd: work.path, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('Still signed in.\n');
    expect(second.stderr).not.toContain('needs a sign-in');
    expect(toolAnswer(model.requests[before + 1], 'call_2')).toMatch(/^alice \(session /);
    expect(tokensOf((await cached(work)).value).access_token).toBe(tokens.access_token);

    // 3. Time passes: the cached token is about to expire. The run refreshes it without asking.
    const aged = await cached(work);
    for (const entry of Object.values(aged.value.issuers)) {
      if (entry.tokens) entry.tokens.obtained_at -= (Number(entry.tokens.expires_in) - 10) * 1000;
    }
    const directory = join(work.path, 'data', 'mcs-chat', 'tokens');
    await createEncryptedFileTokenStore({
      directory,
      key: await tokenCacheKey({ variable: 'CRIPTOGRAFY_KEY', value: PASSPHRASE }, directory),
    }).save(`${origin}/mcp`, aged.value);
    const third = startCli([], { cwd: work.path, env });
    third.line('/call private.whoami');
    third.line('/exit');
    expect(await third.exited()).toBe(0);
    expect(third.stderr()).not.toContain('needs a sign-in');
    expect(third.stdout()).toContain('"subject":"alice"');
    const refreshed = tokensOf((await cached(work)).value);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    // 4. The grant is revoked at the server (the user signed this client out there): the cached
    //    tokens are refused, the refresh too, and the run asks for a sign-in with the cached client
    //    registration, whose redirect URI is still the one being listened on.
    const registered = Object.values((await cached(work)).value.issuers).find((entry) => entry.client)?.client;
    expect(await revokeToken(origin, String(refreshed.refresh_token), String(registered?.client_id))).toBe(200);
    const revoked = startCli([], { cwd: work.path, env });
    const signInAgain = await printedSignInUrl(revoked);
    expect(signInAgain.searchParams.get('client_id')).toBe(registered?.client_id);
    expect((await signInInBrowser(signInAgain, ALICE)).callbackStatus).toBe(200);
    revoked.line('/call private.whoami');
    revoked.line('/exit');
    expect(await revoked.exited()).toBe(0);
    expect(revoked.stdout()).toContain('"subject":"alice"');

    // 5. logout removes the cached sign-in; a second logout finds nothing.
    const out = await runCli(['logout', 'private'], { cwd: work.path, env });
    expect(out).toMatchObject({ code: 0, stderr: '' });
    expect(out.stdout).toBe(`signed out of "private": its cached sign-in is removed from ${directory}\n`);
    expect((await readdir(directory)).filter((name) => name.endsWith('.sealed'))).toEqual([]);
    expect((await runCli(['logout', 'private'], { cwd: work.path, env })).stdout).toBe(
      `"private" has no cached sign-in in ${directory}\n`,
    );

    // 6. The next run must sign in again; the user denies it: the server is "failed", the chat goes on.
    const fourth = startCli([], { cwd: work.path, env });
    const again = await printedSignInUrl(fourth);
    // The same redirect URI as the first sign-in (the port is remembered next to the cache): an
    // authorization server matching redirect URIs exactly accepts it for a cached registration.
    expect(again.searchParams.get('redirect_uri')).toBe(url.searchParams.get('redirect_uri'));
    expect((await signInInBrowser(again, ALICE, 'deny')).callbackStatus).toBe(400);
    await waitForStderr(fourth, 'MCP server "private" is not connected');
    fourth.line('/servers');
    fourth.line('/exit');
    expect(await fourth.exited()).toBe(0);
    expect(fourth.stderr()).toContain('access_denied');
    expect(fourth.stdout()).toMatch(/private {2}http {2}\S+ {2}auth: failed/);
  });
});

describe('sign-in states', () => {
  it('a browser sign-in nobody finishes: after MCS_CHAT_SIGNIN_TIMEOUT_S the chat starts without the server, "signed-out", and is not asked again; a stdio server is "none", a header one "headers"', async () => {
    await using work = await makeWorkDir();
    const config = await seedEntries(['github']);
    Object.assign(config.mcp_servers as Record<string, unknown>, {
      private: { transport: 'httpstream', 'httpstream-url': `${origin}/mcp`, auth: { required: true } },
      local: { transport: 'stdio', config: { command: process.execPath, args: [everythingEntry, 'stdio'] } },
    });
    await work.write('config.json', config);
    const { accessToken } = await obtainAccessToken(origin, ALICE, 'mcp');
    await work.write('.env', `github_access_token=${accessToken}\n`);
    const run = startCli([], { cwd: work.path, env: envFor(work, { MCS_CHAT_SIGNIN_TIMEOUT_S: '1' }) });
    await printedSignInUrl(run);
    await waitForStderr(run, 'MCP server "private" is not connected');
    expect(run.stderr()).toContain('no sign-in within 1 s (MCS_CHAT_SIGNIN_TIMEOUT_S gives more time)');
    // The pool reconnects in the background meanwhile: no new sign-in is started for it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    run.line('/servers');
    run.line('/exit');
    expect(await run.exited()).toBe(0);
    expect(run.stderr().match(/needs a sign-in/g)).toHaveLength(1);
    const lines = run.stdout().split('\n');
    expect(lines.find((line) => line.includes('private  http'))).toContain('auth: signed-out');
    expect(lines.find((line) => line.includes('local  stdio'))).toContain('auth: none');
    expect(lines.find((line) => line.includes('github  http'))).toMatch(
      /ready {2}auth: headers {2}trust: no {2}\d+ tool/,
    );
  });

  it('/login signs in to a server whose sign-in was refused at the start; the chat goes on with it', async () => {
    await using work = await makeWorkDir();
    await work.write('config.json', {
      mcp_servers: {
        private: { transport: 'httpstream', 'httpstream-url': `${origin}/mcp`, auth: { required: true } },
      },
    });
    // The start's sign-in is denied in the browser, not left to time out: MCS_CHAT_SIGNIN_TIMEOUT_S
    // bounds every sign-in of the run, /login's too, and with 1 s the browser below (a login form whose
    // password hash takes its time on a loaded machine) reached the callback after the sign-in had
    // given up: a 404. The unfinished sign-in is the test above.
    const run = startCli([], { cwd: work.path, env: envFor(work) });
    expect((await signInInBrowser(await printedSignInUrl(run), ALICE, 'deny')).callbackStatus).toBe(400);
    await waitForStderr(run, 'MCP server "private" is not connected');
    const from = run.stderr().length;
    run.line('/login private');
    const url = await printedSignInUrl(run, from);
    expect((await signInInBrowser(url, ALICE)).callbackStatus).toBe(200);
    await run.waitForStdout('MCP server "private" signed in: ready, auth: signed in');
    run.line('/login private');
    await run.waitForStdout('MCP server "private" is signed in already');
    run.line('/call private.whoami');
    run.line('/exit');
    expect(await run.exited()).toBe(0);
    expect(run.stdout()).toContain('"subject":"alice"');
  });
});

describe('sign-in settings', () => {
  it('--help documents logout and the cache key; logout of an unknown server is a usage error naming the servers', async () => {
    await using work = await makeWorkDir();
    const help = await runCli(['--help'], { cwd: work.path, env: envFor(work) });
    expect(help.stdout).toContain('mcs-chat logout <server> [--config <file>] | mcs-chat logout --all');
    expect(help.stdout).toContain('MCS_CHAT_KEY (or\nCRIPTOGRAFY_KEY)');
    await work.write('config.json', await seedEntries(['example_private_mcp']));
    const unknown = await runCli(['logout', 'example_privat_mcp'], { cwd: work.path, env: envFor(work) });
    expect(unknown).toEqual({
      code: 2,
      stdout: '',
      stderr: `mcs-chat: no MCP server named "example_privat_mcp" in ${join(work.path, 'config.json')}; did you mean "example_private_mcp"? (servers: example_private_mcp) [USAGE]\n`,
    });
    expect((await runCli(['logout'], { cwd: work.path, env: envFor(work) })).code).toBe(2);
  });

  it("logout works while a header's {placeholder} variable is unset (nothing is sent; only the URLs are needed)", async () => {
    await using work = await makeWorkDir();
    // The seed's github entry needs github_access_token, which this environment lacks.
    await work.write('config.json', await seedEntries(['example_private_mcp', 'github']));
    const run = await runCli(['logout', 'example_private_mcp'], { cwd: work.path, env: envFor(work) });
    expect(run).toEqual({
      code: 0,
      stdout: `"example_private_mcp" has no cached sign-in in ${join(work.path, 'data', 'mcs-chat', 'tokens')}\n`,
      stderr: '',
    });
    // A chat with that config still refuses the unset variable.
    const chat = await runCli(['-p', 'hi'], { cwd: work.path, env: envFor(work) });
    expect(chat.code).toBe(2);
    expect(chat.stderr).toContain('needs the environment variable github_access_token');
  });

  it('a cache key too short to protect anything is a config error before any server is asked', async () => {
    await using work = await makeWorkDir();
    await work.write('config.json', await seedEntries(['example_private_mcp']));
    const { code, stdout, stderr } = await runCli(['-p', 'hi'], {
      cwd: work.path,
      env: envFor(work, { MCS_CHAT_KEY: 'short' }),
    });
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe(
      'mcs-chat: MCS_CHAT_KEY is too short to protect the cached sign-ins: use at least 16 characters, or 32 random bytes in base64 (openssl rand -base64 32) [CONFIG_INVALID]\n',
    );
  });
});

describe('OAuth over the legacy HTTP+SSE transport (2024-11-05)', () => {
  it('a "sse" server answering 401 on /sse signs in through the browser against its own /sse resource, and its tool answers as the user', async () => {
    await using work = await makeWorkDir();
    await work.write('config.json', {
      mcp_servers: { legacy: { transport: 'sse', 'sse-url': `${origin}/sse`, auth: { required: true } } },
    });
    const run = startCli([], { cwd: work.path, env: envFor(work) });
    const url = await printedSignInUrl(run);
    // The resource the token is asked for is the SSE endpoint's own (RFC 8707), which the server's
    // metadata for /sse names; the /mcp resource would not match the URL the client connects to.
    expect(url.searchParams.get('resource')).toBe(`${origin}/sse`);
    expect((await signInInBrowser(url, ALICE)).callbackStatus).toBe(200);
    run.line('/servers');
    run.line('/call legacy.whoami');
    run.line('/exit');
    expect(await run.exited()).toBe(0);
    expect(run.stdout()).toMatch(/legacy {2}sse {2}ready {2}auth: signed in {2}trust: no {2}\d+ tool\(s\)/);
    expect(run.stdout()).toContain('"subject":"alice"');
    expect(run.stderr()).not.toContain('is not connected');
  });
});
