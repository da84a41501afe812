// Every export here is public API; named exports only. Needs `@grpc/grpc-js` >= 1.14 (peer dependency).
// One gRPC auth path: the grpc-gateway's interceptors call `authenticateCall`; there is no second,
// stand-alone interceptor to drift from it.
export { authenticateCall } from './grpc-auth.js';
