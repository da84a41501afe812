import { AuthorizationError, checkAuthorizationResponse } from '@mcs/provider-sdk';
import { isLoopbackUrl } from './loopback-url.js';

// The seed's `auth.post_body`: the configured fields complete the authorization server's own HTML
// sign-in form, as a browser would, with no browser. It is a resource-owner password grant in
// disguise (the client holds the user's password), so it is only done over https or to this
// machine, only to the origin of the authorization endpoint the MCP server's metadata named, and
// only for the server whose config holds the fields (the sign-in is matched by its redirect URI,
// which this client chose, never by anything the server sent).

export interface FormSignInOptions {
  /** The config key of the server (for messages). */
  server: string;
  /** Form fields by name, e.g. `{ username, password }`: the seed's `post_body`. */
  fields: Record<string, string>;
  /** The redirect URI this sign-in registered: the answer is the redirect to it (never fetched). */
  redirectUrl: string;
  signal?: AbortSignal;
  /** Per request (default 30 000 ms). */
  timeoutMs?: number;
}

/** At most this many pages (redirects and forms) before giving up: a login page that loops. */
const maxSteps = 8;
/** The part of a page's error text echoed into a message (it comes from outside). */
const maxEcho = 160;

interface HtmlForm {
  action: string;
  method: string;
  /** Every named input's value as the page set it (hidden fields, defaults). */
  inputs: { name: string; type: string; value: string; checked: boolean }[];
  /** The first submit button with a name (a form's default action, e.g. `decision=approve`). */
  submit: { name: string; value: string } | undefined;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code =
        entity[1] === 'x' || entity[1] === 'X' ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function attributes(tag: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const match of tag.matchAll(/([^\s=/"'>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    const name = match[1]?.toLowerCase();
    if (name !== undefined && !(name in found)) found[name] = decodeEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return found;
}

/** The page's POST forms (plain HTML: the sign-in pages this is for work without JavaScript). */
export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const form = attributes(match[1] ?? '');
    const inputs: HtmlForm['inputs'] = [];
    let submit: HtmlForm['submit'];
    for (const control of (match[2] ?? '').matchAll(/<(input|button)\b([^>]*)>/gi)) {
      const element = control[1]?.toLowerCase();
      const attrs = attributes(control[2] ?? '');
      const type = (attrs.type ?? (element === 'button' ? 'submit' : 'text')).toLowerCase();
      if (!attrs.name) continue;
      if (type === 'submit') {
        submit ??= { name: attrs.name, value: attrs.value ?? '' };
        continue;
      }
      if (element === 'input' && type !== 'button' && type !== 'reset' && type !== 'image') {
        inputs.push({
          name: attrs.name,
          type,
          value: attrs.value ?? (type === 'checkbox' ? 'on' : ''),
          checked: 'checked' in attrs,
        });
      }
    }
    forms.push({ action: form.action ?? '', method: (form.method ?? 'get').toLowerCase(), inputs, submit });
  }
  return forms.filter((form) => form.method === 'post');
}

/** The text of the page's alert (e.g. "Wrong user name or password."), bounded, for the message. */
function alertText(html: string): string | undefined {
  const match = /<[^>]+(?:role="alert"|class="[^"]*\berror\b[^"]*")[^>]*>([\s\S]*?)<\//i.exec(html);
  const text = match?.[1]
    ? decodeEntities(match[1].replace(/<[^>]*>/g, ''))
        .replace(/\s+/g, ' ')
        .trim()
    : '';
  return text ? text.slice(0, maxEcho) : undefined;
}

/** `name=value` of every cookie set, as a browser would send them back to the same origin. */
class CookieJar {
  readonly #cookies = new Map<string, string>();
  take(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const pair = header.split(';', 1)[0] ?? '';
      const at = pair.indexOf('=');
      if (at > 0) this.#cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }
  header(): Record<string, string> {
    if (this.#cookies.size === 0) return {};
    return { cookie: [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }
}

/** The redirect's query when it goes to `redirectUrl` (the sign-in's end), else `undefined`. */
function callbackParams(location: URL, redirectUrl: string): URLSearchParams | undefined {
  const expected = new URL(redirectUrl);
  const same =
    location.origin === expected.origin && location.pathname === expected.pathname && location.username === '';
  return same ? location.searchParams : undefined;
}

/**
 * Completes the sign-in at `authorizationUrl` with the configured fields: GET the page, fill the
 * POST form that has the fields (its hidden fields and cookies kept), submit it, and follow the
 * answer until the authorization server redirects to `redirectUrl`; further forms without a
 * password field (a separate consent page) are submitted with their default button. Resolves with
 * the callback's parameters (`code`, `state`, checked against the request).
 */
export async function signInWithForm(authorizationUrl: URL, options: FormSignInOptions): Promise<URLSearchParams> {
  const { server, fields, redirectUrl } = options;
  const fail = (message: string, cause?: unknown) =>
    new AuthorizationError('AUTHORIZATION_DENIED', `auth.post_body: ${message}`, { cause });
  const origin = authorizationUrl.origin;
  if (authorizationUrl.protocol !== 'https:' && !isLoopbackUrl(authorizationUrl)) {
    throw fail(
      `the authorization server ${origin} is neither https nor on this machine; the credentials are not sent (sign in with the browser: remove post_body)`,
    );
  }
  const jar = new CookieJar();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const request = async (url: URL, init: RequestInit = {}): Promise<Response> => {
    if (url.origin !== origin) {
      throw fail(
        `the sign-in moved to another site (${url.origin}); the credentials are only sent to ${origin} (sign in with the browser: remove post_body)`,
      );
    }
    const signal = options.signal
      ? AbortSignal.any([options.signal, AbortSignal.timeout(timeoutMs)])
      : AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        redirect: 'manual',
        signal,
        headers: { ...(init.headers as Record<string, string>), ...jar.header() },
      });
    } catch (error) {
      if (options.signal?.aborted) {
        throw new AuthorizationError(
          'AUTHORIZATION_CANCELLED',
          `auth.post_body of "${server}": the sign-in was cancelled`,
          {
            cause: error,
          },
        );
      }
      throw fail(`the authorization server ${origin} could not be reached (${(error as Error).message})`, error);
    }
    jar.take(response);
    return response;
  };

  let response = await request(authorizationUrl);
  let page = authorizationUrl;
  let credentialsSent = false;
  for (let step = 0; step < maxSteps; step++) {
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      const next = new URL(location, page);
      const params = callbackParams(next, redirectUrl);
      if (params) return checkAuthorizationResponse(authorizationUrl, params);
      page = next;
      response = await request(next);
      continue;
    }
    const html = (await response.text()).slice(0, 1_000_000);
    const alert = alertText(html);
    if (response.status >= 400 && !parseForms(html).length) {
      throw fail(`the authorization server answered ${response.status}${alert ? `: ${alert}` : ''}`);
    }
    const forms = parseForms(html);
    const names = new Set(Object.keys(fields));
    const login = forms.find((form) => form.inputs.some((input) => names.has(input.name)));
    if (login && credentialsSent) {
      throw fail(`sign-in refused${alert ? ` ("${alert}")` : ''}; check its fields`);
    }
    const form = login ?? (credentialsSent ? forms[0] : undefined);
    if (!form) {
      const offered = forms.flatMap((candidate) =>
        candidate.inputs.filter((input) => input.type !== 'hidden').map((input) => input.name),
      );
      throw fail(
        `the sign-in page has no form with the field(s) ${[...names].map((name) => `"${name}"`).join(', ')}${
          offered.length > 0 ? ` (its fields: ${offered.slice(0, 10).join(', ')})` : ''
        }`,
      );
    }
    const body = new URLSearchParams();
    for (const input of form.inputs) {
      if (names.has(input.name)) continue;
      if ((input.type === 'checkbox' || input.type === 'radio') && !input.checked) continue;
      body.append(input.name, input.value);
    }
    if (login) {
      for (const [name, value] of Object.entries(fields)) body.set(name, value);
      credentialsSent = true;
    }
    if (form.submit && !names.has(form.submit.name)) body.set(form.submit.name, form.submit.value);
    const action = new URL(form.action || page.href, page);
    page = action;
    response = await request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  }
  throw fail(`no redirect back to this client after ${maxSteps} pages`);
}
