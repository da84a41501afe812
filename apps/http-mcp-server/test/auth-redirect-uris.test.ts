// Dynamic registration (RFC 7591) must store redirect URIs exactly as they will be compared and used:
// a control character or a space is not part of any URI (RFC 3986), and the WHATWG URL parser quietly
// drops some of them (a trailing newline, a tab inside), so the stored string and the URL the browser is
// sent to would differ.
import { describe, expect, it } from 'vitest';
import { redirectUriProblem } from '../src/auth/redirect-uri.js';
import { startAuthServer } from './auth-harness.js';

const REFUSED = [
  'https://app.example/callback\n',
  'https://app.example/callback\r\n',
  '\nhttps://app.example/callback',
  'https://app.example/call\tback',
  'https://app.example/callback\u0000',
  'https://app.example/callback\u007f',
  'https://app.example/callback\u0085',
  'https://app.example/callback\u2028',
  'http://127.0.0.1:8080/cb\u000b',
  'https://app.example/call back',
  ' https://app.example/callback',
];

async function register(origin: string, redirectUris: unknown[]) {
  const response = await fetch(`${origin}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'redirect test', redirect_uris: redirectUris }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('redirect URIs at registration', () => {
  it('refuses a redirect_uri with a control character or a space (invalid_redirect_uri, value escaped)', async () => {
    await using server = await startAuthServer();
    for (const uri of REFUSED) {
      const label = JSON.stringify(uri);
      expect(redirectUriProblem(uri), label).toBeDefined();
      const answer = await register(server.origin, ['https://app.example/ok', uri]);
      expect(answer.status, label).toBe(400);
      expect(answer.body.error, label).toBe('invalid_redirect_uri');
      const description = String(answer.body.error_description);
      // The description quotes the value with its control characters escaped, never raw.
      // biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point.
      expect(description, label).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
      expect(description, label).toContain('control character or space');
    }
    // The same URIs without the stray character register and are stored exactly as sent.
    const ok = await register(server.origin, ['https://app.example/callback', 'http://127.0.0.1:8080/cb']);
    expect(ok.status).toBe(201);
    expect(ok.body.redirect_uris).toEqual(['https://app.example/callback', 'http://127.0.0.1:8080/cb']);
  });

  it('quotes a long refused value shortened, with its length', () => {
    const long = `https://app.example/${'a'.repeat(2000)}\n`;
    const problem = redirectUriProblem(long) ?? '';
    expect(problem).toContain(`(${long.length} characters)`);
    expect(problem.length).toBeLessThan(400);
  });
});
