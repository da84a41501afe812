// The loopback authorizer on a real 127.0.0.1 listener: the browser's redirect is played by fetch.
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { AuthorizationError, createLoopbackAuthorizer, type LoopbackAuthorizer } from '../src/index.js';

const authorizationUrl = (redirectUrl: string, state = 'state-123') => {
  const url = new URL('https://auth.example/authorize');
  url.searchParams.set('redirect_uri', redirectUrl);
  url.searchParams.set('state', state);
  return url;
};

/** An authorizer whose `openUrl` hands the URL to the test instead of a browser. */
async function startAuthorizer(
  timeoutMs = 10_000,
): Promise<{ authorizer: LoopbackAuthorizer; opened: Promise<URL> } & AsyncDisposable> {
  let onOpen: (url: URL) => void = () => undefined;
  const opened = new Promise<URL>((resolve) => {
    onOpen = resolve;
  });
  const authorizer = createLoopbackAuthorizer({ timeoutMs, openUrl: (url) => onOpen(url) });
  await authorizer.prepare();
  return { authorizer, opened, [Symbol.asyncDispose]: () => authorizer.close() };
}

async function rejection(promise: Promise<unknown>): Promise<AuthorizationError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(AuthorizationError.isInstance(error)).toBe(true);
  return error as AuthorizationError;
}

describe('loopback authorizer', () => {
  it('binds 127.0.0.1 on a free port and receives the code of the matching state', async () => {
    await using started = await startAuthorizer();
    const { authorizer, opened } = started;
    expect(authorizer.redirectUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const answer = authorizer.authorize(authorizationUrl(authorizer.redirectUrl));
    expect((await opened).searchParams.get('state')).toBe('state-123');

    // Another path, or a POST, is not the callback and does not end the sign-in.
    expect((await fetch(new URL('/other', authorizer.redirectUrl))).status).toBe(404);
    expect((await fetch(authorizer.redirectUrl, { method: 'POST' })).status).toBe(404);

    const response = await fetch(`${authorizer.redirectUrl}?code=the-code&state=state-123&iss=https://auth.example`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Signed in');
    const params = await answer;
    expect(params.get('code')).toBe('the-code');
    expect(params.get('iss')).toBe('https://auth.example');
  });

  it('refuses a callback with another state (400 to the browser, AUTHORIZATION_STATE_MISMATCH to the caller)', async () => {
    await using started = await startAuthorizer();
    const { authorizer, opened } = started;
    const answer = rejection(authorizer.authorize(authorizationUrl(authorizer.redirectUrl)));
    await opened;
    const response = await fetch(`${authorizer.redirectUrl}?code=the-code&state=forged`);
    expect(response.status).toBe(400);
    const error = await answer;
    expect(error.code).toBe('AUTHORIZATION_STATE_MISMATCH');
    expect(error.category).toBe('unauthenticated');
  });

  it('a refusal from the authorization server is AUTHORIZATION_DENIED, its description escaped in the page', async () => {
    await using started = await startAuthorizer();
    const { authorizer, opened } = started;
    const answer = rejection(authorizer.authorize(authorizationUrl(authorizer.redirectUrl)));
    await opened;
    const description = encodeURIComponent('<script>alert(1)</script>');
    const response = await fetch(
      `${authorizer.redirectUrl}?error=access_denied&error_description=${description}&state=state-123`,
    );
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('<script>');
    const error = await answer;
    expect(error.code).toBe('AUTHORIZATION_DENIED');
    expect(error.message).toContain('access_denied');
  });

  it('times out with AUTHORIZATION_TIMEOUT when the user never comes back', async () => {
    await using started = await startAuthorizer(200);
    const { authorizer } = started;
    const error = await rejection(authorizer.authorize(authorizationUrl(authorizer.redirectUrl)));
    expect(error.code).toBe('AUTHORIZATION_TIMEOUT');
    expect(error.category).toBe('timeout');
  });

  it('close() cancels the waiting sign-in and closes the listener', async () => {
    const started = await startAuthorizer();
    const { authorizer, opened } = started;
    const redirectUrl = authorizer.redirectUrl;
    const answer = rejection(authorizer.authorize(authorizationUrl(redirectUrl)));
    await opened;
    await authorizer.close();
    expect((await answer).code).toBe('AUTHORIZATION_CANCELLED');
    // Nothing listens on the port any more.
    await expect(fetch(`${redirectUrl}?code=late&state=state-123`)).rejects.toThrow();
  });

  it('an aborted signal cancels the sign-in', async () => {
    await using started = await startAuthorizer();
    const { authorizer, opened } = started;
    const controller = new AbortController();
    const answer = rejection(
      authorizer.authorize(authorizationUrl(authorizer.redirectUrl), { signal: controller.signal }),
    );
    await opened;
    controller.abort();
    expect((await answer).code).toBe('AUTHORIZATION_CANCELLED');
  });

  it('without a desktop (no DISPLAY / WAYLAND_DISPLAY) prints the URL to output instead of opening a browser', async () => {
    vi.stubEnv('DISPLAY', '');
    vi.stubEnv('WAYLAND_DISPLAY', '');
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => {
      printed += chunk.toString('utf8');
    });
    const authorizer = createLoopbackAuthorizer({ timeoutMs: 5_000, output });
    try {
      await authorizer.prepare();
      const url = authorizationUrl(authorizer.redirectUrl);
      const answer = authorizer.authorize(url);
      await vi.waitFor(() => expect(printed).toContain(url.toString()));
      // The user opened it elsewhere and came back through the listener.
      await fetch(`${authorizer.redirectUrl}?code=printed&state=state-123`);
      expect((await answer).get('code')).toBe('printed');
    } finally {
      vi.unstubAllEnvs();
      await authorizer.close();
    }
  });
});
