import { z } from 'zod';
import type { MessageBusOptions, SessionStoreOptions, SessionStoreTtls } from '../options.js';
import { SessionStoreError } from '../session-store-error.js';

export const DEFAULT_TTLS: SessionStoreTtls = {
  protocolSessionIdleMs: 3_600_000,
  applicationSessionMs: 86_400_000,
  recordMs: 600_000,
  eventStreamMs: 3_600_000,
};

const ttl = z.number().int().positive();
const nodeAddress = z.union([
  z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port'),
  z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65_535) }),
]);

export const redisConnectionSchema = z.strictObject({
  cluster: z.strictObject({ nodes: z.array(nodeAddress).min(1) }).optional(),
  sentinel: z
    .strictObject({
      sentinels: z.array(nodeAddress).min(1),
      name: z.string().min(1),
      sentinelUsername: z.string().optional(),
      sentinelPassword: z.string().optional(),
    })
    .optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  tls: z.boolean().optional(),
  db: z.number().int().min(0).optional(),
  connectTimeoutMs: ttl.default(5_000),
  commandTimeoutMs: ttl.default(2_000),
  maxRetriesPerRequest: z.number().int().min(0).default(1),
});

export type ResolvedRedisOptions = z.output<typeof redisConnectionSchema> & { url: URL | undefined };

const redisUrl = z
  .string()
  .url()
  .refine((value) => /^rediss?:\/\//.test(value), 'must start with redis:// or rediss://');
const keyPrefix = z
  .string()
  .max(64)
  .regex(/^[^\s]*$/, 'must not contain whitespace')
  .default('mcs:');

const onErrorSchema = z.custom<(error: SessionStoreError) => void>((value) => typeof value === 'function', {
  message: 'must be a function',
});

const storeSchema = z.strictObject({
  redisUrl: redisUrl.optional(),
  redis: redisConnectionSchema.optional(),
  keyPrefix,
  ttls: z
    .strictObject({
      protocolSessionIdleMs: ttl.optional(),
      applicationSessionMs: ttl.optional(),
      recordMs: ttl.optional(),
      eventStreamMs: ttl.optional(),
    })
    .optional(),
  eventLogMaxLength: z.number().int().min(1).max(1_000_000).default(1_000),
  onError: onErrorSchema.optional(),
  sweepIntervalMs: ttl.default(30_000),
});

const busSchema = z.strictObject({
  redisUrl: redisUrl.optional(),
  redis: redisConnectionSchema.optional(),
  keyPrefix,
  onError: onErrorSchema.optional(),
});

export interface ResolvedStoreOptions {
  redis: ResolvedRedisOptions | undefined;
  keyPrefix: string;
  ttls: SessionStoreTtls;
  eventLogMaxLength: number;
  onError: ((error: SessionStoreError) => void) | undefined;
  sweepIntervalMs: number;
}

export interface ResolvedBusOptions {
  redis: ResolvedRedisOptions | undefined;
  keyPrefix: string;
  onError: ((error: SessionStoreError) => void) | undefined;
}

function parse<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const result = schema.safeParse(stripUndefined(input));
  if (!result.success) {
    throw new SessionStoreError('INVALID_CONFIG', `Invalid ${what} options: ${z.prettifyError(result.error)}`, {
      cause: result.error,
    });
  }
  return result.data;
}

/** `{ redisUrl: process.env.REDIS_URL }` must mean "not set" when the variable is unset or empty. */
function stripUndefined(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined && value !== ''));
}

function resolveRedis(
  url: string | undefined,
  redis: z.output<typeof redisConnectionSchema> | undefined,
): ResolvedRedisOptions | undefined {
  if (url === undefined && redis?.cluster === undefined && redis?.sentinel === undefined) return undefined;
  if (redis?.cluster && redis.sentinel) {
    throw new SessionStoreError('INVALID_CONFIG', 'Choose either redis.cluster or redis.sentinel, not both.');
  }
  return { ...redisConnectionSchema.parse({}), ...redis, url: url === undefined ? undefined : new URL(url) };
}

export function resolveStoreOptions(options: SessionStoreOptions = {}): ResolvedStoreOptions {
  const parsed = parse(storeSchema, options, 'session store');
  return {
    redis: resolveRedis(parsed.redisUrl, parsed.redis),
    keyPrefix: parsed.keyPrefix,
    ttls: { ...DEFAULT_TTLS, ...(stripUndefined(parsed.ttls ?? {}) as Partial<SessionStoreTtls>) },
    eventLogMaxLength: parsed.eventLogMaxLength,
    onError: options.onError,
    sweepIntervalMs: parsed.sweepIntervalMs,
  };
}

export function resolveBusOptions(options: MessageBusOptions = {}): ResolvedBusOptions {
  const parsed = parse(busSchema, options, 'message bus');
  return { redis: resolveRedis(parsed.redisUrl, parsed.redis), keyPrefix: parsed.keyPrefix, onError: options.onError };
}
