// Every export here is public API (to the workspace's tests); named exports only.
export { canConnect } from './can-connect.js';
export { getFreePort } from './free-port.js';
export { isAlive } from './is-alive.js';
export { type RedisServerHandle, type RedisServerOptions, startRedisServer } from './redis-server.js';
export {
  type RedisClusterHandle,
  type RedisSentinelHandle,
  startRedisCluster,
  startRedisSentinel,
} from './redis-topologies.js';
export { spawnInTerminal, type TerminalProcess } from './terminal.js';
export { waitFor } from './wait-for.js';
