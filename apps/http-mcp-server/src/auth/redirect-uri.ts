import { quoteValue } from '@mcs/resilience';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

// C0 and C1 controls, DEL, space and the Unicode line/paragraph separators: none belongs in a URI
// (RFC 3986 §2), and the WHATWG URL parser silently strips or drops some of them (a trailing newline, a
// tab inside), so the stored string would differ from the URL the browser is sent to.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const NOT_IN_A_URI = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/;

/**
 * Redirect URIs this server accepts at registration: `https:` anywhere, or `http:` on a loopback host
 * (any port: native apps, RFC 8252 §7.3). No fragment, no credentials, no control characters or
 * spaces. The reason when refused (the value quoted, escaped and bounded).
 */
export function redirectUriProblem(value: string): string | undefined {
  const quoted = quoteValue(value);
  if (NOT_IN_A_URI.test(value)) return `${quoted} contains a control character or space (send the URI exactly)`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${quoted} is not an absolute URL`;
  }
  if (url.hash !== '' || value.includes('#')) return `${quoted} has a fragment`;
  if (url.username !== '' || url.password !== '') return `${quoted} carries credentials`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return `${quoted} must be https, or http on localhost / 127.0.0.1 / [::1]`;
}
