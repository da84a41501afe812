// The ceiling: a raw grpc-js server streaming the same two ToolEvent messages as the gateway's native
// echo, with no gateway logic. Prints its port on stdout; exits on SIGTERM.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ContextGatewayService } from '@mcs/protos';

const server = new Server();
server.addService(ContextGatewayService, {
  callTool(call) {
    const text = String(call.request.arguments?.message ?? '');
    call.write({ event: { $case: 'content', value: { index: 0, part: { $case: 'text', value: { text } } } } });
    call.write({ event: { $case: 'result', value: { isError: false, partCount: 1 } } });
    call.end();
  },
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${port}\n`);
});
process.once('SIGTERM', () => server.forceShutdown());
