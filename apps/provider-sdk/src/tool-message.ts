import type { ContentPart } from '@mcs/content-parser';

/**
 * The text a chat-completions model gets for a tool result. Text and JSON go as they are; binary
 * parts are described, not inlined (a tool message is text only, and base64 would waste the context).
 */
export function toolMessageContent(parts: ContentPart[]): string {
  // Servers send structured content alongside its text rendering: send it only when it is all there is.
  const hasText = parts.some((part) => part.type === 'text' || part.type === 'json');
  const kept = hasText ? parts.filter((part) => part.type !== 'structured') : parts;
  const lines = kept.map((part) => {
    switch (part.type) {
      case 'text':
      case 'json':
        return part.text;
      case 'error':
        return `Error: ${part.message}`;
      case 'structured':
        return JSON.stringify(part.data);
      case 'image':
      case 'audio':
        return `[${part.type} ${part.mimeType}, ${part.byteLength} bytes]`;
      case 'resource':
        return part.encoding === 'text' ? part.text : `[resource ${part.uri}, ${part.byteLength} bytes]`;
      case 'resource-link':
        return `[resource link ${part.uri}${part.name ? ` (${part.name})` : ''}]`;
      default:
        return `[${part.type} content]`;
    }
  });
  return lines.join('\n') || '(no content)';
}
