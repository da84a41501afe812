const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Redirect URIs this server accepts at registration: `https:` anywhere, or `http:` on a loopback host
 * (any port: native apps, RFC 8252 §7.3). No fragment, no credentials. The reason when refused.
 */
export function redirectUriProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${value} is not an absolute URL`;
  }
  if (url.hash !== '' || value.includes('#')) return `${value} has a fragment`;
  if (url.username !== '' || url.password !== '') return `${value} carries credentials`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return `${value} must be https, or http on localhost / 127.0.0.1 / [::1]`;
}
