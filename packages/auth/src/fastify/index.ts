// Every export here is public API; named exports only. Needs `fastify` 5 (peer dependency).
export {
  type BearerAuthOptions,
  type BearerAuthRouteConfig,
  mcsBearerAuth,
  requirePrincipal,
} from './bearer-auth-plugin.js';
