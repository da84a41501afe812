import { z } from 'zod';
import type { JsonObject } from '../json.js';
import type { NewProtocolSession, ProtocolSession, ProtocolSessionPatch, StreamHolder } from '../session-store.js';
import { corrupt, decodeJson, encodeJson, jsonObjectSchema, jsonValueSchema } from './codec.js';
import { assertId } from './validate.js';

/**
 * A protocol session is a hash of flat fields so that replicas can change single fields atomically
 * (claim the stream, set one attribute) without read-modify-write races. Object-valued fields hold
 * JSON; attributes are `a:<name>` fields.
 */
const ATTRIBUTE = 'a:';
export const HOLDER_FIELDS = ['holderReplicaId', 'holderStreamId', 'holderSinceMs'] as const;

const epochMs = z
  .string()
  .regex(/^\d{1,16}$/)
  .transform(Number);
const hashSchema = z.object({
  transport: z.enum(['streamable-http', 'sse']),
  protocolVersion: z.string().min(1),
  clientInfo: z.string().optional(),
  clientCapabilities: z.string(),
  createdAtMs: epochMs,
  lastSeenAtMs: epochMs,
  holderReplicaId: z.string().optional(),
  holderStreamId: z.string().optional(),
  holderSinceMs: epochMs.optional(),
});

export type SessionHash = Record<string, string>;

export function encodeNewSession(session: NewProtocolSession, nowMs: number): SessionHash {
  assertId(session.id, 'A protocol session id');
  assertId(session.protocolVersion, 'protocolVersion');
  const hash: SessionHash = {
    transport: session.transport ?? 'streamable-http',
    protocolVersion: session.protocolVersion,
    clientCapabilities: encodeJson(session.clientCapabilities ?? {}, 'clientCapabilities'),
    createdAtMs: String(nowMs),
    lastSeenAtMs: String(nowMs),
  };
  if (session.clientInfo !== undefined) hash.clientInfo = encodeJson(session.clientInfo, 'clientInfo');
  for (const [name, value] of Object.entries(session.attributes ?? {})) {
    if (value !== null) hash[ATTRIBUTE + name] = encodeJson(value, `attribute "${name}"`);
  }
  return hash;
}

/** A patch as fields to set and fields to delete, applied atomically by the store. */
export function encodePatch(patch: ProtocolSessionPatch, nowMs: number): { set: SessionHash; del: string[] } {
  const set: SessionHash = {};
  const del: string[] = [];
  if (patch.protocolVersion !== undefined) {
    assertId(patch.protocolVersion, 'protocolVersion');
    set.protocolVersion = patch.protocolVersion;
  }
  if (patch.clientInfo !== undefined) set.clientInfo = encodeJson(patch.clientInfo, 'clientInfo');
  if (patch.clientCapabilities !== undefined) {
    set.clientCapabilities = encodeJson(patch.clientCapabilities, 'clientCapabilities');
  }
  if (patch.streamHolder === null) del.push(...HOLDER_FIELDS);
  else if (patch.streamHolder !== undefined) Object.assign(set, encodeHolder(patch.streamHolder, nowMs));
  for (const [name, value] of Object.entries(patch.attributes ?? {})) {
    if (value === null) del.push(ATTRIBUTE + name);
    else set[ATTRIBUTE + name] = encodeJson(value, `attribute "${name}"`);
  }
  return { set, del };
}

export function encodeHolder(holder: Omit<StreamHolder, 'sinceMs'>, nowMs: number): SessionHash {
  assertId(holder.replicaId, 'A replica id');
  assertId(holder.streamId, 'A stream id');
  return { holderReplicaId: holder.replicaId, holderStreamId: holder.streamId, holderSinceMs: String(nowMs) };
}

export function decodeSession(id: string, hash: SessionHash, key: string): ProtocolSession {
  const result = hashSchema.safeParse(hash);
  if (!result.success) throw corrupt(key, z.prettifyError(result.error), result.error);
  const fields = result.data;
  const attributes: JsonObject = {};
  for (const [field, raw] of Object.entries(hash)) {
    if (field.startsWith(ATTRIBUTE)) attributes[field.slice(ATTRIBUTE.length)] = decodeJson(raw, jsonValueSchema, key);
  }
  const holder =
    fields.holderReplicaId !== undefined && fields.holderStreamId !== undefined && fields.holderSinceMs !== undefined
      ? { replicaId: fields.holderReplicaId, streamId: fields.holderStreamId, sinceMs: fields.holderSinceMs }
      : undefined;
  return {
    id,
    transport: fields.transport,
    protocolVersion: fields.protocolVersion,
    clientInfo: fields.clientInfo === undefined ? undefined : decodeJson(fields.clientInfo, jsonObjectSchema, key),
    clientCapabilities: decodeJson(fields.clientCapabilities, jsonObjectSchema, key),
    createdAtMs: fields.createdAtMs,
    lastSeenAtMs: fields.lastSeenAtMs,
    streamHolder: holder,
    attributes,
  };
}

/** Redis returns HGETALL inside scripts as a flat [field, value, ...] array. */
export function pairsToHash(pairs: unknown): SessionHash {
  const hash: SessionHash = {};
  if (!Array.isArray(pairs)) return hash;
  for (let index = 0; index + 1 < pairs.length; index += 2) hash[String(pairs[index])] = String(pairs[index + 1]);
  return hash;
}
