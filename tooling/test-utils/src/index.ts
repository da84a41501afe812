// Every export here is public API (to the workspace's tests); named exports only.
export { getFreePort } from './free-port.ts';
export { type RedisServerHandle, startRedisServer } from './redis-server.ts';
export { waitFor } from './wait-for.ts';
