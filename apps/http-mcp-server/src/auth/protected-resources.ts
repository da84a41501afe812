/**
 * The MCP endpoints this server protects, each one a resource of its own (RFC 8707 / RFC 9728).
 * Clients check that the metadata's `resource` names the URL they connect to (the MCP SDK: same
 * origin and a path prefix of it), so the 2024-11-05 HTTP+SSE endpoint (`GET /sse` with its
 * `POST /messages`, protocol 2024-11-05) cannot borrow `/mcp`'s metadata: it has its own, at
 * `/.well-known/oauth-protected-resource/sse`. Both are this one server with the same tools and
 * users, so a token issued for either resource is accepted on every MCP route.
 */
export interface ProtectedResource {
  /** Canonical URL: the `resource` of its metadata and the `aud` of its tokens. */
  readonly resource: string;
  /** Where its RFC 9728 metadata is served (the path under the origin). */
  readonly metadataPath: string;
  readonly metadataUrl: string;
}

export interface ProtectedResources {
  /** `${PUBLIC_URL}/mcp`: Streamable HTTP and `/http`; the default when a request names none. */
  readonly mcp: ProtectedResource;
  /** `${PUBLIC_URL}/sse`: the 2024-11-05 HTTP+SSE transport (`/sse` and `/messages`). */
  readonly sse: ProtectedResource;
  readonly all: readonly ProtectedResource[];
  /** The resource a route belongs to (by its route URL, e.g. `request.routeOptions.url`). */
  forRoute(routeUrl: string | undefined): ProtectedResource;
  /** The resource whose canonical URL is `value`, exactly; undefined for any other. */
  byResource(value: string): ProtectedResource | undefined;
}

const SSE_ROUTES = new Set(['/sse', '/messages']);

export function protectedResources(publicUrl: string): ProtectedResources {
  const make = (path: '/mcp' | '/sse'): ProtectedResource => ({
    resource: `${publicUrl}${path}`,
    metadataPath: `/.well-known/oauth-protected-resource${path}`,
    metadataUrl: `${publicUrl}/.well-known/oauth-protected-resource${path}`,
  });
  const mcp = make('/mcp');
  const sse = make('/sse');
  const all = [mcp, sse];
  return {
    mcp,
    sse,
    all,
    forRoute: (routeUrl) => (routeUrl !== undefined && SSE_ROUTES.has(routeUrl) ? sse : mcp),
    byResource: (value) => all.find((entry) => entry.resource === value),
  };
}
