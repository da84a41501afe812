// The headless authorizer: the URL printed, the pasted answer read from a stream (the address the
// browser was sent to, or a bare code) and checked against the request; and its scripted form.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AuthorizationError, createHeadlessAuthorizer, type HeadlessAuthorizerOptions } from '../src/index.js';

const redirectUrl = 'http://127.0.0.1:8400/callback';

function authorizationUrl(state = 'state-123'): URL {
  const url = new URL('https://auth.example/authorize');
  url.search = new URLSearchParams({ client_id: 'c', redirect_uri: redirectUrl, state }).toString();
  return url;
}

function terminal(options: Omit<HeadlessAuthorizerOptions, 'input' | 'output'> = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (chunk: Buffer) => {
    printed += chunk.toString('utf8');
  });
  const authorizer = createHeadlessAuthorizer({ redirectUrl, input, output, ...options });
  return { authorizer, input, printed: () => printed };
}

async function rejection(promise: Promise<unknown>): Promise<AuthorizationError> {
  const error = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(AuthorizationError.isInstance(error)).toBe(true);
  return error as AuthorizationError;
}

describe('headless authorizer (pasted answer)', () => {
  it('prints the URL and returns the parameters of the pasted address when its state matches', async () => {
    const { authorizer, input, printed } = terminal();
    const answer = authorizer.authorize(authorizationUrl());
    input.write(`  ${redirectUrl}?code=the-code&state=state-123&iss=https%3A%2F%2Fauth.example  \n`);
    const params = await answer;
    expect(params.get('code')).toBe('the-code');
    expect(params.get('iss')).toBe('https://auth.example');
    expect(printed()).toContain(authorizationUrl().toString());
    expect(authorizer.redirectUrl).toBe(redirectUrl);
  });

  it('takes a bare code (a server that shows it instead of redirecting), with the request state', async () => {
    const { authorizer, input } = terminal();
    const answer = authorizer.authorize(authorizationUrl());
    input.write('bare-code\n');
    const params = await answer;
    expect(Object.fromEntries(params)).toEqual({ code: 'bare-code', state: 'state-123' });
  });

  it('reads one answer per sign-in from the same stream', async () => {
    const { authorizer, input } = terminal();
    const first = authorizer.authorize(authorizationUrl('one'));
    input.write(`${redirectUrl}?code=c1&state=one\n`);
    expect((await first).get('code')).toBe('c1');
    const second = authorizer.authorize(authorizationUrl('two'));
    input.write(`${redirectUrl}?code=c2&state=two\n`);
    expect((await second).get('code')).toBe('c2');
  });

  it('an address with another state is AUTHORIZATION_STATE_MISMATCH', async () => {
    const { authorizer, input } = terminal();
    const answer = rejection(authorizer.authorize(authorizationUrl()));
    input.write(`${redirectUrl}?code=the-code&state=forged\n`);
    expect((await answer).code).toBe('AUTHORIZATION_STATE_MISMATCH');
  });

  it('a refusal is AUTHORIZATION_DENIED; its echoed values are quoted and stripped of control characters', async () => {
    const { authorizer, input } = terminal();
    const answer = rejection(authorizer.authorize(authorizationUrl()));
    const error = encodeURIComponent('access_denied\u001b[31m');
    const description = encodeURIComponent(`no\r\nInjected: line ${'x'.repeat(400)}`);
    input.write(`${redirectUrl}?error=${error}&error_description=${description}&state=state-123\n`);
    const failure = await answer;
    expect(failure.code).toBe('AUTHORIZATION_DENIED');
    expect(failure.category).toBe('unauthenticated');
    expect(failure.message).toContain('"access_denied\\u001b[31m"');
    expect([...failure.message].filter((char) => char.charCodeAt(0) < 0x20)).toEqual([]);
    expect(failure.message.length).toBeLessThan(400);
  });

  it('nothing usable, or no code, is AUTHORIZATION_INVALID_RESPONSE', async () => {
    for (const line of ['', `${redirectUrl}?state=state-123`, 'x'.repeat(9000)]) {
      const { authorizer, input } = terminal();
      const answer = rejection(authorizer.authorize(authorizationUrl()));
      input.write(`${line}\n`);
      expect((await answer).code).toBe('AUTHORIZATION_INVALID_RESPONSE');
    }
  });

  it('the input ending is AUTHORIZATION_CANCELLED; no answer in time is AUTHORIZATION_TIMEOUT', async () => {
    const ended = terminal();
    const cancelled = rejection(ended.authorizer.authorize(authorizationUrl()));
    ended.input.end();
    expect((await cancelled).code).toBe('AUTHORIZATION_CANCELLED');

    const { authorizer } = terminal({ timeoutMs: 100 });
    const failure = await rejection(authorizer.authorize(authorizationUrl()));
    expect(failure.code).toBe('AUTHORIZATION_TIMEOUT');
    expect(failure.category).toBe('timeout');
  });

  it('an aborted signal cancels the sign-in', async () => {
    const { authorizer } = terminal();
    const controller = new AbortController();
    const answer = rejection(authorizer.authorize(authorizationUrl(), { signal: controller.signal }));
    controller.abort();
    expect((await answer).code).toBe('AUTHORIZATION_CANCELLED');
  });
});

describe('headless authorizer (scripted: respond)', () => {
  it('hands the URL to the script, prints nothing, and checks its answer like a pasted one', async () => {
    const { authorizer, printed } = terminal({
      respond: async (url) => `${redirectUrl}?code=scripted&state=${url.searchParams.get('state')}`,
    });
    expect((await authorizer.authorize(authorizationUrl())).get('code')).toBe('scripted');
    expect(printed()).toBe('');

    const forged = terminal({ respond: async () => new URL(`${redirectUrl}?code=x&state=forged`) });
    expect((await rejection(forged.authorizer.authorize(authorizationUrl()))).code).toBe(
      'AUTHORIZATION_STATE_MISMATCH',
    );
  });

  it('a script that throws is AUTHORIZATION_INVALID_RESPONSE naming its failure; one that hangs times out', async () => {
    const failing = terminal({
      respond: async () => {
        throw new Error('the login page changed');
      },
    });
    const failure = await rejection(failing.authorizer.authorize(authorizationUrl()));
    expect(failure.code).toBe('AUTHORIZATION_INVALID_RESPONSE');
    expect(failure.message).toContain('the login page changed');

    const hanging = terminal({ timeoutMs: 100, respond: () => new Promise<string>(() => undefined) });
    expect((await rejection(hanging.authorizer.authorize(authorizationUrl()))).code).toBe('AUTHORIZATION_TIMEOUT');
  });
});
