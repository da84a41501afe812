import type { ConfigProblem } from './config-problem.js';
import type { ServerInfo } from './server-info.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The provider format's `mcp.backends.<name>.trust` (mcs-chat's own key, unknown to the provider-sdk):
 * taken out of the document before the provider-sdk validates it, checked here (a boolean), and
 * returned per server. Everything else is left as it is.
 */
export function takeProviderTrust(document: Record<string, unknown>): {
  input: Record<string, unknown>;
  servers: Record<string, ServerInfo>;
  problems: ConfigProblem[];
} {
  const servers: Record<string, ServerInfo> = {};
  const problems: ConfigProblem[] = [];
  const mcp = document.mcp;
  if (!isObject(mcp) || !isObject(mcp.backends)) return { input: document, servers, problems };
  const backends = Object.fromEntries(
    Object.entries(mcp.backends).map(([name, backend]) => {
      if (!isObject(backend) || !('trust' in backend)) return [name, backend];
      const { trust, ...rest } = backend;
      if (typeof trust === 'boolean') servers[name] = { trust };
      else
        problems.push({
          path: ['mcp', 'backends', name, 'trust'],
          message: 'must be true or false (true: its tools run without asking)',
        });
      return [name, rest];
    }),
  );
  return { input: { ...document, mcp: { ...mcp, backends } }, servers, problems };
}
