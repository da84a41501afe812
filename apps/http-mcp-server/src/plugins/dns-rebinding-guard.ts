import { validateHostHeader, validateOriginHeader } from '@modelcontextprotocol/server';
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { jsonRpcErrorBody } from '../mcp/shared/json-rpc-errors.js';

export interface DnsRebindingGuardOptions {
  enabled: boolean;
  /** Hostnames (no port) accepted in `Host`. */
  allowedHosts: readonly string[];
  /** Hostnames accepted in `Origin` (requests without `Origin`, i.e. non-browser clients, pass). */
  allowedOrigins: readonly string[];
}

/**
 * DNS-rebinding protection for the MCP routes: a page on another site must not reach a server bound
 * to loopback through a name it controls. Rejects a `Host` or `Origin` outside the allow lists with
 * 403 before anything else runs.
 */
const dnsRebindingGuard: FastifyPluginAsync<DnsRebindingGuardOptions> = async (app, options) => {
  if (!options.enabled) return;
  const hosts = [...options.allowedHosts];
  const origins = [...options.allowedOrigins];
  app.addHook('onRequest', async (request, reply) => {
    const host = validateHostHeader(request.headers.host, hosts);
    const origin = host.ok ? validateOriginHeader(request.headers.origin, origins) : undefined;
    const failure = !host.ok ? host : origin && !origin.ok ? origin : undefined;
    if (!failure) return;
    request.log.warn(
      { host: request.headers.host, origin: request.headers.origin },
      'rejected by the DNS-rebinding guard',
    );
    return reply
      .code(403)
      .send(
        jsonRpcErrorBody('FORBIDDEN', `Forbidden: ${failure.message} (see MCS_ALLOWED_HOSTS / MCS_ALLOWED_ORIGINS)`),
      );
  });
};

export default fp(dnsRebindingGuard, { fastify: '5.x', name: 'mcs-dns-rebinding-guard' });
