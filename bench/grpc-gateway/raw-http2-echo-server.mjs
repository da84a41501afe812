// A second ceiling: the same streaming CallTool echo as raw-echo-server.mjs, served by node:http2 with
// the gRPC protocol written by hand (length-prefixed protobuf messages, grpc-status trailers), no
// grpc-js. The bench calls it with the same grpc-js client; the difference to raw-echo-server.mjs is
// what grpc-js's server costs on top of HTTP/2. Prints its port on stdout; exits on SIGTERM.
import { createServer } from 'node:http2';
import { CallToolRequest, ToolEvent } from '@mcs/protos';

/** One gRPC message: compressed flag 0, 4-byte big-endian length, the protobuf bytes. */
function frame(bytes) {
  const out = Buffer.allocUnsafe(5 + bytes.length);
  out[0] = 0;
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
}

const server = createServer();
server.on('stream', (stream, headers) => {
  if (headers[':path'] !== '/mcs.v1.ContextGateway/CallTool') {
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
    return;
  }
  const chunks = [];
  stream.on('data', (chunk) => chunks.push(chunk));
  stream.on('end', () => {
    const body = Buffer.concat(chunks);
    const request = CallToolRequest.decode(body.subarray(5, 5 + body.readUInt32BE(1)));
    const text = String(request.arguments?.message ?? '');
    const content = { event: { $case: 'content', value: { index: 0, part: { $case: 'text', value: { text } } } } };
    const result = { event: { $case: 'result', value: { isError: false, partCount: 1 } } };
    stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
    // Two writes, as the grpc-js servers send the two events.
    stream.write(frame(ToolEvent.encode(content).finish()));
    stream.end(frame(ToolEvent.encode(result).finish()));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.once('SIGTERM', () => process.exit(0));
