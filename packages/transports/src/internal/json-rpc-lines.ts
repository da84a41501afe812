import type { JSONRPCMessage } from '@modelcontextprotocol/client';

/** Like the SDK's ReadBuffer: a line longer than this (no newline yet) is an error, not a memory leak. */
const maxLineBytes = 10 * 1024 * 1024;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The envelope of a JSON-RPC 2.0 message: a request or notification (`method`), or a response (`id`
 * with `result` or `error`). The SDK's Protocol checks each message against its schemas again when it
 * dispatches it, so the full zod parse of the SDK's ReadBuffer (a union tried member by member, about
 * a tenth of the gateway's CPU per stdio call) is not repeated here.
 */
function isJsonRpcEnvelope(value: unknown): value is JSONRPCMessage {
  if (!isObject(value) || value.jsonrpc !== '2.0') return false;
  if (typeof value.method === 'string') return true;
  return 'id' in value && ('result' in value || 'error' in value);
}

/**
 * Splits a stdio backend's stdout into newline-delimited JSON-RPC messages. Lines that are not JSON
 * are skipped (servers that print to stdout), as the SDK's ReadBuffer does; JSON that is not a
 * JSON-RPC message is reported.
 */
export class JsonRpcLineReader {
  #pending: Buffer | undefined;

  /** Calls `onMessage` for each complete message line; throws for an oversized line or a non-message. */
  push(chunk: Buffer, onMessage: (message: JSONRPCMessage) => void): void {
    let buffer = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    for (let newline = buffer.indexOf(0x0a); newline !== -1; newline = buffer.indexOf(0x0a)) {
      const end = newline > 0 && buffer[newline - 1] === 0x0d ? newline - 1 : newline;
      const line = buffer.toString('utf8', 0, end);
      buffer = buffer.subarray(newline + 1);
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        continue;
      }
      if (!isJsonRpcEnvelope(value)) {
        if (buffer.length > 0) this.#pending = buffer;
        throw new Error(`the backend wrote a line that is not a JSON-RPC 2.0 message: ${line.slice(0, 200)}`);
      }
      onMessage(value);
    }
    if (buffer.length > maxLineBytes) {
      throw new Error(`the backend wrote more than ${maxLineBytes} bytes without a newline`);
    }
    if (buffer.length > 0) this.#pending = buffer;
  }

  clear(): void {
    this.#pending = undefined;
  }
}
