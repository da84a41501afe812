import {
  isJSONRPCRequest,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type McpServer,
  type MessageExtraInfo,
} from '@modelcontextprotocol/server';

/** The Protocol's own request entry (private there), what its `onmessage` calls for a request. */
interface RequestEntry {
  _onrequest(request: JSONRPCRequest, extra?: MessageExtraInfo): void;
}

/**
 * Hands a client request to a connected server the way its transport's `onmessage` would, minus
 * the cost of `onmessage` telling the message's kind: it tries the JSON-RPC answer schemas first,
 * two failed zod parses (their issue lists built) before the request schema, on every call (7% of a
 * progress call's profile). A message carrying neither `result` nor `error` cannot pass the answer
 * schemas, so once it passes the request schema it goes where `onmessage` would send it. Anything
 * else (or an SDK without that entry) takes `onmessage` itself. Used by the lanes of both eras
 * (stateless/engine/lane.ts, sessions/session-lanes.ts), whose transports nobody else listens on.
 */
export function handRequestToServer(
  server: McpServer,
  message: JSONRPCMessage,
  extra: MessageExtraInfo | undefined,
  onmessage: ((message: JSONRPCMessage, extra?: MessageExtraInfo) => void) | undefined,
): void {
  const entry = server.server as unknown as Partial<RequestEntry>;
  if (
    typeof entry._onrequest === 'function' &&
    !('result' in message) &&
    !('error' in message) &&
    isJSONRPCRequest(message)
  ) {
    entry._onrequest(message, extra);
  } else {
    onmessage?.(message, extra);
  }
}
