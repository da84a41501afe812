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
/** Hash field of the session's owner: written by `encodeNewSession` only, no patch can set it. */
export const OWNER_FIELD = 'owner';
export const HOLDER_FIELDS = ['holderReplicaId', 'holderStreamId', 'holderSinceMs'] as const;

const TRANSPORTS: ReadonlySet<string> = new Set(['streamable-http', 'sse']);
const EPOCH_MS = /^\d{1,16}$/;

/** The flat fields of a stored session hash, checked by hand: this runs on every request of a session. */
interface HashFields {
  transport: ProtocolSession['transport'];
  protocolVersion: string;
  clientInfo: string | undefined;
  clientCapabilities: string;
  createdAtMs: number;
  lastSeenAtMs: number;
  holderReplicaId: string | undefined;
  holderStreamId: string | undefined;
  holderSinceMs: number | undefined;
}

function decodeFields(hash: SessionHash, key: string): HashFields {
  const { transport, protocolVersion, clientInfo, clientCapabilities } = hash;
  if (transport === undefined || !TRANSPORTS.has(transport)) {
    throw corrupt(key, `transport must be one of streamable-http, sse (got ${JSON.stringify(transport)})`);
  }
  if (protocolVersion === undefined || protocolVersion.length === 0) throw corrupt(key, 'protocolVersion is missing');
  if (clientCapabilities === undefined) throw corrupt(key, 'clientCapabilities is missing');
  const epoch = (field: string, required: boolean): number | undefined => {
    const raw = hash[field];
    if (raw === undefined && !required) return undefined;
    if (raw === undefined || !EPOCH_MS.test(raw)) throw corrupt(key, `${field} must be epoch milliseconds`);
    return Number(raw);
  };
  return {
    transport: transport as ProtocolSession['transport'],
    protocolVersion,
    clientInfo,
    clientCapabilities,
    createdAtMs: epoch('createdAtMs', true) as number,
    lastSeenAtMs: epoch('lastSeenAtMs', true) as number,
    holderReplicaId: hash.holderReplicaId,
    holderStreamId: hash.holderStreamId,
    holderSinceMs: epoch('holderSinceMs', false),
  };
}

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
  if (session.owner !== undefined) {
    assertId(session.owner, 'A session owner');
    hash[OWNER_FIELD] = session.owner;
  }
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
  const fields = decodeFields(hash, key);
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
    owner: hash[OWNER_FIELD],
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
