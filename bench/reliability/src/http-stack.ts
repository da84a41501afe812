// Two (or more) http-mcp-server replicas (built `dist/main.js`, separate processes) on one real Redis,
// with authorization on: real users (hashed by the app's own `hash-password`), a persistent signing
// key, a secret-box key, and a Redis ACL user with a password. Every one of those values, and every
// token the scenario obtains, is a secret the logs must never show (see secrets.ts).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { exportSigningKey, generateSecretBoxKey, generateSigningKey } from '@mcs/auth';
import { getFreePort, type RedisServerHandle, startRedisServer } from '@mcs/test-utils';
import { Redis } from 'ioredis';
// The OAuth code flow played as a browser (register, PKCE, sign-in form, /token) already exists as the
// gateway's test fixture; reused rather than copied a third time.
import { obtainAccessToken } from '../../../apps/grpc-gateway/test/fixtures/oauth-browser.js';
import { INSPECT_FLAG } from './inspector.js';
import { httpMcpServerMain, type Run, type RunningProcess, waitFor } from './processes.js';

export interface User {
  name: string;
  password: string;
}

export interface RedisOptions {
  /** AOF on (`appendonly yes`, `appendfsync everysec`, as infra/redis/redis.conf), else no persistence. */
  aof: boolean;
}

/** Our Redis: a real redis-server whose data folder outlives a kill, so a restart reads its AOF. */
export class RedisProcess {
  /** Every server started on the port (one per restart), all stopped at the end. */
  private readonly handles: RedisServerHandle[] = [];
  readonly password = `redis-${randomBytes(12).toString('hex')}`;
  constructor(
    private readonly run: Run,
    readonly options: RedisOptions,
    readonly port: number,
  ) {}

  /** The URL the servers use: the ACL user `mcs` with its password (the default user is for probes). */
  get url(): string {
    return `redis://mcs:${this.password}@127.0.0.1:${this.port}`;
  }

  private args(): string[] {
    return [
      ...['--dir', this.run.dir, '--appendfilename', 'reliability.aof', '--appenddirname', 'aof'],
      ...(this.options.aof ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
      ...['--user', 'mcs', 'on', `>${this.password}`, '~*', '&*', '+@all'],
      ...['--maxmemory-policy', 'volatile-lru'],
    ];
  }

  async start(): Promise<void> {
    this.handles.push(await startRedisServer({ port: this.port, args: this.args() }));
  }

  /** Its pid, from the server itself (`INFO server`). */
  async pid(): Promise<number> {
    const info = await this.command((redis) => redis.info('server'));
    return Number(/process_id:(\d+)/.exec(info)?.[1]);
  }

  /** Runs `use` on a short-lived connection of the default (probe) user. */
  async command<T>(use: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = new Redis({ port: this.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      return await use(redis);
    } finally {
      redis.disconnect();
    }
  }

  /** Every key name (SCAN), for the before/after comparison. */
  keys(): Promise<string[]> {
    return this.command(async (redis) => {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
        cursor = next;
        found.push(...batch);
      } while (cursor !== '0');
      return found;
    });
  }

  async stop(): Promise<void> {
    for (const handle of this.handles) await handle.stop();
  }
}

export async function startRedis(run: Run, options: RedisOptions): Promise<RedisProcess> {
  const redis = new RedisProcess(run, options, await getFreePort());
  await redis.start();
  run.onDispose(() => redis.stop());
  return redis;
}

export interface StackOptions {
  replicas?: number;
  aof?: boolean;
  /** `MCS_SESSION_IDLE_TTL_MS`: short, so that the run can watch sessions expire. */
  sessionTtlMs?: number;
  logLevel?: string;
  /** Extra environment for every replica. */
  env?: Record<string, string>;
  users?: number;
}

export interface Replica {
  readonly index: number;
  readonly port: number;
  readonly origin: string;
  process: RunningProcess;
}

export interface HttpStack {
  readonly run: Run;
  readonly redis: RedisProcess;
  readonly replicas: Replica[];
  /** The issuer and resource base every replica shares (as behind one balancer address). */
  readonly publicUrl: string;
  readonly users: User[];
  readonly env: Record<string, string>;
  /** Values that must never appear in a log line. */
  readonly secrets: Map<string, string>;
  /** Starts replica `index` again on its port (after a kill). */
  restartReplica(index: number): Promise<void>;
  /** An access token for `user` (code flow with PKCE against the first live replica). */
  token(user: User): Promise<string>;
}

export async function startReplica(
  run: Run,
  index: number,
  port: number,
  env: Record<string, string>,
): Promise<RunningProcess> {
  const child = run.spawn(`replica-${index}`, process.execPath, [INSPECT_FLAG, httpMcpServerMain], {
    ...env,
    HOST: '127.0.0.1',
    PORT: String(port),
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (!child.alive()) throw new Error(`replica ${index} exited (see ${child.logFile})`);
      return (await fetch(`${origin}/readyz`)).ok;
    },
    { timeoutMs: 20_000, what: `replica ${index} on ${port} to be ready` },
  );
  return child;
}

/** A password hash from the app's own `hash-password` subcommand (password on stdin, as documented). */
function hashPassword(password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [httpMcpServerMain, 'hash-password'],
      { encoding: 'utf8', timeout: 30_000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
    );
    child.stdin?.end(password);
  });
}

export async function startHttpStack(run: Run, options: StackOptions = {}): Promise<HttpStack> {
  const count = options.replicas ?? 2;
  const redis = await startRedis(run, { aof: options.aof ?? true });
  const ports: number[] = [];
  for (let index = 0; index < count; index += 1) ports.push(await getFreePort());
  const publicUrl = `http://127.0.0.1:${ports[0]}`;
  const users: User[] = Array.from({ length: options.users ?? 2 }, (_, index) => ({
    name: `user${index}`,
    password: `pw-${randomBytes(12).toString('hex')}`,
  }));
  const hashes = Object.fromEntries(
    await Promise.all(users.map(async (user) => [user.name, await hashPassword(user.password)] as const)),
  );
  const signingJwk = await exportSigningKey(await generateSigningKey({ alg: 'ES256' }));
  const secretBoxKey = generateSecretBoxKey();
  const secrets = new Map<string, string>([
    ['redis password', redis.password],
    ['signing key (private d)', String(signingJwk.d)],
    ['secret-box key', secretBoxKey],
    ...users.map((user) => [`password of ${user.name}`, user.password] as [string, string]),
  ]);
  const env: Record<string, string> = {
    REDIS_URL: redis.url,
    MCS_AUTH: 'on',
    PUBLIC_URL: publicUrl,
    MCS_USERS: JSON.stringify(hashes),
    MCS_SIGNING_KEYS: JSON.stringify(signingJwk),
    MCS_SECRET_KEYS: JSON.stringify({ keys: [{ id: 'k1', key: secretBoxKey }], activeKeyId: 'k1' }),
    MCS_TOOL_PACKS: 'default,conformance',
    MCS_SESSION_IDLE_TTL_MS: String(options.sessionTtlMs ?? 5_000),
    MCS_AUTH_RATE_LIMIT_PER_MIN: '100000',
    LOG_LEVEL: options.logLevel ?? 'info',
    NODE_ENV: 'production',
    ...options.env,
  };
  const replicas: Replica[] = await Promise.all(
    ports.map(async (port, index) => ({
      index,
      port,
      origin: `http://127.0.0.1:${port}`,
      process: await startReplica(run, index, port, env),
    })),
  );
  return {
    run,
    redis,
    replicas,
    publicUrl,
    users,
    env,
    secrets,
    async restartReplica(index) {
      const replica = replicas[index];
      if (!replica) throw new Error(`no replica ${index}`);
      replica.process = await startReplica(run, index, replica.port, env);
    },
    async token(user) {
      // Tokens name PUBLIC_URL (replica 0's address, standing for the balancer's) as issuer and audience.
      const { accessToken } = await obtainAccessToken(publicUrl, user, 'mcp');
      secrets.set(`access token of ${user.name} (${secrets.size})`, accessToken);
      return accessToken;
    },
  };
}
