// Every export here is public API (to the workspace's tests); named exports only.
export { getFreePort } from './free-port.ts';
export { type RedisServerHandle, type RedisServerOptions, startRedisServer } from './redis-server.ts';
export {
  type RedisClusterHandle,
  type RedisSentinelHandle,
  startRedisCluster,
  startRedisSentinel,
} from './redis-topologies.ts';
export { waitFor } from './wait-for.ts';
