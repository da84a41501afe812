// Every export here is public API; named exports only. Needs `@grpc/grpc-js` >= 1.14 (peer dependency).
export {
  type AuthInterceptorOptions,
  authenticateCall,
  createAuthInterceptor,
  getPrincipal,
  toGrpcError,
} from './grpc-auth.js';
