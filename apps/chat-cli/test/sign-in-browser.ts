// The user's browser, played by a test: opens the sign-in URL mcs-chat printed, fills in our
// http-mcp-server's login + consent form (hidden fields and CSRF cookie kept), and follows the
// authorization server's redirect to mcs-chat's loopback callback, as a browser would.
import { waitFor } from '@mcs/test-utils';
import type { CliRun } from './cli-process.js';

/** The sign-in URL mcs-chat printed on stderr (on its own indented line), once it is there. */
export async function printedSignInUrl(run: CliRun, from = 0): Promise<URL> {
  const url = await waitFor(
    () => {
      const match = /\n {2}(https?:\/\/\S+\/authorize\?\S+)\n/.exec(run.stderr().slice(from));
      if (match?.[1]) return new URL(match[1]);
      if (run.child.exitCode !== null) throw new Error(`mcs-chat exited with ${run.child.exitCode}: ${run.stderr()}`);
      return undefined;
    },
    { timeoutMs: 30_000, what: `the sign-in URL on mcs-chat's stderr (stderr: ${JSON.stringify(run.stderr())})` },
  );
  return url;
}

/**
 * Signs in at `authorizationUrl` as `user` and allows (or denies) the request, then delivers the
 * redirect to the callback it names. Resolves with the callback page's status (200: signed in).
 */
export async function signInInBrowser(
  authorizationUrl: URL,
  user: { name: string; password: string },
  decision: 'approve' | 'deny' = 'approve',
): Promise<{ callbackStatus: number; callback: URL }> {
  const page = await fetch(authorizationUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`GET /authorize answered ${page.status}: ${html.slice(0, 300)}`);
  const field = (name: string) => {
    const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1];
    if (!value) throw new Error(`the sign-in page has no ${name} field`);
    return value;
  };
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const answer = await fetch(new URL('/authorize', authorizationUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({
      request_id: field('request_id'),
      csrf_token: field('csrf_token'),
      username: user.name,
      password: user.password,
      decision,
    }),
  });
  const location = answer.headers.get('location');
  if (answer.status !== 303 || location === null) {
    throw new Error(`POST /authorize answered ${answer.status}: ${(await answer.text()).slice(0, 300)}`);
  }
  const callback = new URL(location);
  const delivered = await fetch(callback);
  await delivered.body?.cancel();
  return { callbackStatus: delivered.status, callback };
}
