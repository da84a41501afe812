/**
 * Lua scripts for protocol-session changes that must be atomic across replicas. Each touches one key
 * (Cluster-safe) and mirrors the in-memory store's `do*` methods line for line.
 */

/**
 * KEYS[1] session; ARGV: ttlMs, nowMs, lastSeenResolutionMs, required owner ('' for any), number of
 * field pairs to set, the pairs, then fields to delete. `lastSeenAtMs` is rewritten only once it is
 * `lastSeenResolutionMs` old. A session of another owner is left as it is and answered as missing.
 */
export const UPDATE_SESSION = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[4] ~= '' and redis.call('HGET', KEYS[1], 'owner') ~= ARGV[4] then return false end
local index = 6
for _ = 1, tonumber(ARGV[5]) do
  redis.call('HSET', KEYS[1], ARGV[index], ARGV[index + 1])
  index = index + 2
end
for i = index, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
local lastSeen = tonumber(redis.call('HGET', KEYS[1], 'lastSeenAtMs'))
if not lastSeen or tonumber(ARGV[2]) - lastSeen >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'lastSeenAtMs', ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return redis.call('HGETALL', KEYS[1])
`;

/** KEYS[1] session; ARGV: ttlMs, nowMs, replicaId, streamId, sinceMs. Returns {claimed 0|1, HGETALL}. */
export const CLAIM_STREAM = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local current = redis.call('HGET', KEYS[1], 'holderReplicaId')
local claimed = 0
if not current or current == ARGV[3] then
  redis.call('HSET', KEYS[1], 'holderReplicaId', ARGV[3], 'holderStreamId', ARGV[4], 'holderSinceMs', ARGV[5],
    'lastSeenAtMs', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  claimed = 1
end
return { claimed, redis.call('HGETALL', KEYS[1]) }
`;

/** KEYS[1] session; ARGV: replicaId. Clears the holder only if that replica holds it. */
export const RELEASE_STREAM = `
if redis.call('HGET', KEYS[1], 'holderReplicaId') == ARGV[1] then
  redis.call('HDEL', KEYS[1], 'holderReplicaId', 'holderStreamId', 'holderSinceMs')
  return 1
end
return 0
`;

/** KEYS[1] stream; ARGV: maxLength, ttlMs, message JSON. Appends, trims exactly, restarts the TTL. */
export const APPEND_EVENT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[1], '*', 'm', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return id
`;

/** KEYS[1] session; ARGV: ttlMs, then field/value pairs. Replaces the whole hash. */
export const REPLACE_SESSION = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 2, #ARGV))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;

/**
 * KEYS[1] expiring set (sorted set, score = a member's expiry in epoch ms); ARGV: nowMs, expiresAtMs,
 * member. Drops expired members, adds or refreshes the member, and makes the key expire with its
 * latest member (the score is passed back as Redis formats it: integers print without an exponent).
 */
export const ADD_TO_SET = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
local latest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], latest[2])
return 1
`;
