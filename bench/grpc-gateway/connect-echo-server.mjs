// A third server for the ceiling: the same streaming CallTool echo as raw-echo-server.mjs, served by
// Connect for Node (@connectrpc/connect-node, gRPC protocol only) on node:http2, from the repo's own
// proto. The bench calls it with the same grpc-js client: the difference to raw-echo-server.mjs is what
// a maintained gRPC-protocol server on node:http2 would save over grpc-js's server.
// No code generation: the schema is the descriptor set that buf builds from protos/ (argv[2], a path),
// read into @bufbuild/protobuf's registry; messages are handled by its reflection codec.
// Prints its port on stdout; exits on SIGTERM.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http2';
import { create, createFileRegistry, fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { connectNodeAdapter } from '@connectrpc/connect-node';

const descriptorSetPath = process.argv[2];
if (!descriptorSetPath)
  throw new Error('usage: connect-echo-server.mjs <descriptor set (buf build --as-file-descriptor-set)>');
const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSetPath)));
const service = registry.getService('mcs.v1.ContextGateway');
const toolEvent = registry.getMessage('mcs.v1.ToolEvent');
if (!service || !toolEvent) throw new Error(`${descriptorSetPath} does not describe mcs.v1.ContextGateway`);

const handler = connectNodeAdapter({
  grpc: true,
  grpcWeb: false,
  connect: false,
  routes(router) {
    router.service(service, {
      // Two events, as the grpc-js servers send them. `arguments` is a google.protobuf.Struct, which
      // @bufbuild/protobuf hands over as a plain JSON object.
      async *callTool(request) {
        const text = String(request.arguments?.message ?? '');
        yield create(toolEvent, {
          event: { case: 'content', value: { index: 0, part: { case: 'text', value: { text } } } },
        });
        yield create(toolEvent, { event: { case: 'result', value: { isError: false, partCount: 1 } } });
      },
    });
  },
});
const server = createServer(handler);
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.once('SIGTERM', () => process.exit(0));
