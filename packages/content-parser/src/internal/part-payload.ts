// Splits a part into header (small metadata) and payload (the bytes worth chunking), and puts the two
// back together. chunkPart and the chunk joiner both use this, so the mapping lives in one place.
import type { ContentPart } from '../content-part.js';
import type { PartHeader, PayloadEncoding } from '../part-chunk.js';

export interface SplitPart {
  header: PartHeader;
  encoding: PayloadEncoding;
  payload: Uint8Array;
}

const encoder = new TextEncoder();

function utf8(text: string): Uint8Array {
  // Lone surrogates cannot be written as UTF-8; they become U+FFFD, as on any UTF-8 wire (protobuf too).
  return encoder.encode(text);
}

/** JSON text of a value; `undefined` (a lenient-mode placeholder) becomes an empty payload. */
function json(value: unknown): Uint8Array {
  const text = JSON.stringify(value);
  return text === undefined ? new Uint8Array(0) : utf8(text);
}

export function splitPart(part: ContentPart): SplitPart {
  switch (part.type) {
    case 'text': {
      const { text, ...header } = part;
      return { header, encoding: 'utf8', payload: utf8(text) };
    }
    case 'json': {
      // The original text travels, not a re-serialisation, so the joined text is byte-identical.
      const { text, data: _data, ...header } = part;
      return { header, encoding: 'utf8', payload: utf8(text) };
    }
    case 'error': {
      const { message, ...header } = part;
      return { header, encoding: 'utf8', payload: utf8(message) };
    }
    case 'structured': {
      const { data, ...header } = part;
      return { header, encoding: 'json', payload: json(data) };
    }
    case 'unknown': {
      const { raw, ...header } = part;
      return { header, encoding: 'json', payload: json(raw) };
    }
    case 'image':
    case 'audio': {
      const { data, ...header } = part;
      return { header, encoding: 'binary', payload: data };
    }
    case 'resource': {
      if (part.encoding === 'text') {
        const { text, ...header } = part;
        return { header, encoding: 'utf8', payload: utf8(text) };
      }
      const { data, ...header } = part;
      return { header, encoding: 'binary', payload: data };
    }
    case 'resource-link':
      return { header: part, encoding: 'none', payload: new Uint8Array(0) };
  }
}

/** The payload encoding a header implies; the joiner rejects chunks that claim another. */
export function encodingFor(header: PartHeader): PayloadEncoding {
  switch (header.type) {
    case 'text':
    case 'json':
    case 'error':
      return 'utf8';
    case 'structured':
    case 'unknown':
      return 'json';
    case 'image':
    case 'audio':
      return 'binary';
    case 'resource':
      return header.encoding === 'text' ? 'utf8' : 'binary';
    case 'resource-link':
      return 'none';
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Rebuilds the part. Throws (a plain Error, wrapped by the joiner) when the payload is not valid
 * UTF-8 or JSON for its encoding.
 */
export function mergePart(header: PartHeader, payload: Uint8Array): ContentPart {
  const text = () => decoder.decode(payload);
  const parsed = (): unknown => (payload.byteLength === 0 ? undefined : JSON.parse(text()));
  switch (header.type) {
    case 'text':
      return { ...header, text: text() };
    case 'json': {
      const source = text();
      const data: unknown = JSON.parse(source);
      if (typeof data !== 'object' || data === null) throw new Error('a json part must hold an object or array');
      return { ...header, text: source, data: data as Record<string, unknown> | unknown[] };
    }
    case 'error':
      return { ...header, message: text() };
    case 'structured':
      return { ...header, data: parsed() };
    case 'unknown':
      return { ...header, raw: parsed() };
    case 'image':
    case 'audio':
      return { ...header, data: payload };
    case 'resource':
      return header.encoding === 'text' ? { ...header, text: text() } : { ...header, data: payload };
    case 'resource-link':
      return header;
  }
}
