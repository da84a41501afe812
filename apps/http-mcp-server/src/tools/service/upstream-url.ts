/**
 * Resolves a caller-supplied path against the configured base URL, refusing anything that could
 * leave it: other origins, protocol-relative or absolute URLs, dot segments (also percent-encoded),
 * backslashes and control characters. Returns `undefined` when the path is refused.
 */
export function resolveUpstreamUrl(
  base: URL,
  path: string,
  query: Readonly<Record<string, string>> | undefined,
): URL | undefined {
  if (!path.startsWith('/') || path.startsWith('//')) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused here
  if (/[\\\u0000-\u001f\u007f#?]/.test(path)) return undefined;
  const segments = path.split('/');
  const decoded = segments.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return undefined;
    }
  });
  if (
    decoded.some((segment) => segment === undefined || segment === '.' || segment === '..' || segment.includes('/'))
  ) {
    return undefined;
  }
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const url = new URL(base.origin);
  url.pathname = `${basePath}${path.slice(1)}`;
  for (const [name, value] of Object.entries(query ?? {})) url.searchParams.append(name, value);
  if (url.origin !== base.origin || !url.pathname.startsWith(basePath)) return undefined;
  return url;
}
