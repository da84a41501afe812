import type { ContentPart } from '@mcs/provider-sdk';

/** Text of a content part for the model: text as is, binary described (it is not sent inline). */
export function partText(part: ContentPart): string {
  switch (part.type) {
    case 'text':
    case 'json':
      return part.text;
    case 'structured':
      return JSON.stringify(part.data);
    case 'resource':
      return part.encoding === 'text'
        ? part.text
        : `[resource ${part.uri} ${part.mimeType ?? 'binary'}, ${part.byteLength} bytes]`;
    case 'resource-link':
      return `[resource link ${part.uri}${part.description ? `: ${part.description}` : ''}]`;
    case 'image':
    case 'audio':
      return `[${part.type} ${part.mimeType}, ${part.byteLength} bytes]`;
    case 'error':
      return `Error: ${part.message}`;
    case 'unknown':
      return `[unknown content ${part.blockType ?? ''}]`.trim();
  }
}
