import { boundErrorMessage, MAX_ERROR_MESSAGE_BYTES } from '@mcs/resilience';
import type { JSONRPCMessage, McpServer, Transport } from '@modelcontextprotocol/server';

interface ErrorMessage {
  error: { code: number; message: string; data?: unknown };
}

/** True for a JSON-RPC error whose message or `data` is over the bound. */
export function isOversizedError(message: unknown): message is ErrorMessage {
  const error = (message as Partial<ErrorMessage> | null)?.error;
  if (error === undefined || error === null || typeof error !== 'object') return false;
  if (typeof error.message === 'string' && error.message.length > MAX_ERROR_MESSAGE_BYTES / 4) {
    return Buffer.byteLength(error.message) > MAX_ERROR_MESSAGE_BYTES;
  }
  return error.data !== undefined && JSON.stringify(error.data).length > MAX_ERROR_MESSAGE_BYTES;
}

/** The error with its message bounded and an oversized `data` left out (it would carry the same echo). */
export function boundedError<T extends ErrorMessage>(message: T): T {
  const { data, ...error } = message.error;
  const keepData = data !== undefined && JSON.stringify(data).length <= MAX_ERROR_MESSAGE_BYTES;
  return { ...message, error: { ...error, message: boundErrorMessage(error.message), ...(keepData ? { data } : {}) } };
}

/**
 * Makes every JSON-RPC error `server` sends bounded (@mcs/resilience): the SDK's refusals quote what
 * they refuse (`Tool <name> not found`, whatever the name's length), on every transport and era. The
 * transport a server is connected to (the SDK's per-request one, ours for sessions) is wrapped at
 * `connect`, so this holds for every exchange of a reused server too.
 */
export function boundOutgoingErrors(server: McpServer): McpServer {
  const connect = server.connect.bind(server);
  server.connect = (transport: Transport) => {
    const send = transport.send.bind(transport);
    transport.send = (message: JSONRPCMessage, options) =>
      send(isOversizedError(message) ? (boundedError(message) as JSONRPCMessage) : message, options);
    return connect(transport);
  };
  return server;
}
