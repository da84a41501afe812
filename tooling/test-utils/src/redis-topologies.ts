import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type RedisServerHandle, startRedisServer } from './redis-server.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);
const cli = () => process.env.REDIS_CLI_BIN ?? 'redis-cli';

export interface RedisSentinelHandle extends AsyncDisposable {
  /** The master the Sentinel monitors (a plain redis-server). */
  readonly master: RedisServerHandle;
  readonly sentinel: RedisServerHandle;
  /** The monitored master's name, for clients' `name` option. */
  readonly name: string;
  stop(): Promise<void>;
}

/**
 * A real Sentinel setup: one master and one Sentinel (quorum 1) monitoring it, on free loopback ports.
 * Resolves once the Sentinel reports the master's address.
 */
export async function startRedisSentinel({ name = 'mymaster' } = {}): Promise<RedisSentinelHandle> {
  const master = await startRedisServer();
  let sentinel: RedisServerHandle;
  try {
    sentinel = await startRedisServer({
      sentinel: true,
      config: `sentinel monitor ${name} 127.0.0.1 ${master.port} 1\n`,
    });
  } catch (error) {
    await master.stop();
    throw error;
  }
  const stop = async () => {
    await Promise.all([sentinel.stop(), master.stop()]);
  };
  try {
    await waitFor(
      async () => {
        const { stdout } = await run(cli(), ['-p', String(sentinel.port), 'SENTINEL', 'get-master-addr-by-name', name]);
        return stdout.includes(String(master.port));
      },
      { timeoutMs: 15_000, what: `Sentinel to report master ${name}` },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { master, sentinel, name, stop, [Symbol.asyncDispose]: stop };
}

export interface RedisClusterHandle extends AsyncDisposable {
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster of `masters` (>= 3) master nodes without replicas, on free loopback ports,
 * created with `redis-cli --cluster create` (REDIS_CLI_BIN overrides the binary). Resolves once every
 * node reports `cluster_state:ok`.
 */
export async function startRedisCluster({ masters = 3 } = {}): Promise<RedisClusterHandle> {
  const servers: RedisServerHandle[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  try {
    for (let index = 0; index < masters; index += 1) {
      servers.push(
        await startRedisServer({
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000'],
        }),
      );
    }
    const addresses = servers.map((server) => `127.0.0.1:${server.port}`);
    await run(cli(), ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], {
      timeout: 30_000,
    });
    await waitFor(
      async () => {
        const states = await Promise.all(
          servers.map(async (server) => (await run(cli(), ['-p', String(server.port), 'CLUSTER', 'INFO'])).stdout),
        );
        return states.every((info) => info.includes('cluster_state:ok'));
      },
      { timeoutMs: 20_000, what: 'cluster_state:ok on every node' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    nodes: servers.map((server) => ({ host: '127.0.0.1', port: server.port })),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
