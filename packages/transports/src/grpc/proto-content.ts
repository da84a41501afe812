// One content part both ways: @mcs/content-parser parts (what the gateway sends) -> proto `ContentPart`,
// and proto `ContentPart` -> the MCP content block it was made from (what a gateway client gets back).
import type { ContentPart, PartHeader, PayloadEncoding } from '@mcs/content-parser';
import { type ContentPart as ProtoContentPart, PayloadEncoding as ProtoPayloadEncoding } from '@mcs/protos';
import type { ContentBlock } from '@modelcontextprotocol/client';

export const protoEncodings: Record<PayloadEncoding, ProtoPayloadEncoding> = {
  utf8: ProtoPayloadEncoding.PAYLOAD_ENCODING_UTF8,
  binary: ProtoPayloadEncoding.PAYLOAD_ENCODING_BINARY,
  json: ProtoPayloadEncoding.PAYLOAD_ENCODING_JSON,
  none: ProtoPayloadEncoding.PAYLOAD_ENCODING_UNSPECIFIED,
};

export const partEncodings: Record<ProtoPayloadEncoding, PayloadEncoding | undefined> = {
  [ProtoPayloadEncoding.PAYLOAD_ENCODING_UTF8]: 'utf8',
  [ProtoPayloadEncoding.PAYLOAD_ENCODING_BINARY]: 'binary',
  [ProtoPayloadEncoding.PAYLOAD_ENCODING_JSON]: 'json',
  [ProtoPayloadEncoding.PAYLOAD_ENCODING_UNSPECIFIED]: 'none',
  [ProtoPayloadEncoding.UNRECOGNIZED]: undefined,
};

export const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A view of the bytes as a Buffer (no copy): protobufjs writes Buffers fastest. */
export const bytes = (data: Uint8Array | undefined): Buffer =>
  data === undefined ? Buffer.alloc(0) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);

/**
 * One parsed part (or a chunk header: the same part with its payload missing) as a proto ContentPart.
 * Error parts of an `isError` result travel as text; the final `result` event says it was an error.
 */
export function toProtoPart(part: ContentPart | PartHeader, index = part.index): ProtoContentPart {
  const loose = part as Partial<Record<'text' | 'message' | 'data' | 'raw', unknown>> & PartHeader;
  const annotations = isObject(part.annotations) ? { annotations: part.annotations } : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  switch (part.type) {
    case 'text':
      return { index, part: { $case: 'text', value: { text: text(loose.text) } }, ...annotations };
    case 'error':
      return { index, part: { $case: 'text', value: { text: text(loose.message) } }, ...annotations };
    case 'json':
      return { index, part: { $case: 'json', value: { json: text(loose.text) } }, ...annotations };
    case 'structured':
      return isObject(loose.data) || loose.data === undefined
        ? { index, part: { $case: 'structured', value: (loose.data as Record<string, unknown>) ?? {} }, ...annotations }
        : { index, part: { $case: 'json', value: { json: JSON.stringify(loose.data) } }, ...annotations };
    case 'image':
    case 'audio':
      return {
        index,
        part: {
          $case: part.type,
          value: { data: bytes(loose.data as Uint8Array | undefined), mimeType: part.mimeType },
        },
        ...annotations,
      };
    case 'resource': {
      const contents =
        part.encoding === 'text'
          ? ({ $case: 'text', value: text(loose.text) } as const)
          : ({ $case: 'blob', value: bytes(loose.data as Uint8Array | undefined) } as const);
      return {
        index,
        part: { $case: 'resource', value: { uri: part.uri, mimeType: part.mimeType ?? '', contents } },
        ...annotations,
      };
    }
    case 'resource-link':
      return {
        index,
        part: {
          $case: 'resourceLink',
          value: {
            uri: part.uri,
            name: part.name,
            title: part.title ?? '',
            description: part.description ?? '',
            mimeType: part.mimeType ?? '',
            ...(part.size === undefined ? {} : { size: part.size }),
          },
        },
        ...annotations,
      };
    default:
      return {
        index,
        part: {
          $case: 'unknown',
          value: { type: part.blockType ?? '', json: loose.raw === undefined ? '' : JSON.stringify(loose.raw) },
        },
        ...annotations,
      };
  }
}

/** Optional MCP text fields: proto3 sends `""` for absent ones. */
function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

/**
 * The header of a chunked proto part as an @mcs/content-parser part header, so that the chunks can be
 * joined (and validated) by `joinChunks`. `byteLength` is the joined payload's size.
 */
export function toPartHeader(part: ProtoContentPart, byteLength: number): PartHeader | undefined {
  const base = {
    index: part.index,
    path: ['content', part.index],
    byteLength,
    ...(part.annotations === undefined ? {} : { annotations: part.annotations }),
  };
  const value = part.part;
  switch (value?.$case) {
    case 'text':
      return { ...base, type: 'text' };
    case 'json':
      return { ...base, type: 'json' };
    case 'structured':
      return { ...base, type: 'structured', schemaValidated: false };
    case 'image':
    case 'audio':
      return { ...base, type: value.$case, mimeType: value.value.mimeType };
    case 'resource': {
      const { uri, mimeType, contents } = value.value;
      return {
        ...base,
        type: 'resource',
        uri,
        ...optional('mimeType', mimeType),
        encoding: contents?.$case === 'blob' ? 'blob' : 'text',
      };
    }
    case 'unknown':
      return { ...base, type: 'unknown', ...optional('blockType', value.value.type) };
    default:
      // A resource link has no payload, so it is never chunked.
      return undefined;
  }
}

/**
 * One proto content part back into the MCP content block it was made from, annotations included.
 * `structured` parts are not blocks (the caller puts them into `structuredContent`): undefined.
 */
export function toContentBlock(part: ProtoContentPart): ContentBlock | undefined {
  const annotations = part.annotations === undefined ? {} : { annotations: part.annotations };
  const value = part.part;
  switch (value?.$case) {
    case 'text':
      return { type: 'text', text: value.value.text, ...annotations };
    case 'json':
      return { type: 'text', text: value.value.json, ...annotations };
    case 'image':
    case 'audio':
      return {
        type: value.$case,
        data: bytes(value.value.data).toString('base64'),
        mimeType: value.value.mimeType,
        ...annotations,
      };
    case 'resource': {
      const { uri, mimeType, contents } = value.value;
      const base = { uri, ...optional('mimeType', mimeType) };
      return contents?.$case === 'blob'
        ? { type: 'resource', resource: { ...base, blob: bytes(contents.value).toString('base64') }, ...annotations }
        : {
            type: 'resource',
            resource: { ...base, text: contents?.$case === 'text' ? contents.value : '' },
            ...annotations,
          };
    }
    case 'resourceLink': {
      const { uri, name, title, description, mimeType, size } = value.value;
      return {
        type: 'resource_link',
        uri,
        name,
        ...optional('title', title),
        ...optional('description', description),
        ...optional('mimeType', mimeType),
        ...(size === undefined ? {} : { size: Number(size) }),
        ...annotations,
      };
    }
    case 'unknown':
      // Kept as the backend sent it (a block type from a newer protocol version, or a malformed block).
      try {
        return JSON.parse(value.value.json) as ContentBlock;
      } catch {
        return { type: value.value.type, raw: value.value.json } as unknown as ContentBlock;
      }
    default:
      return undefined;
  }
}
