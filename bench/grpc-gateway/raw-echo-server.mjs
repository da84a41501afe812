// The ceiling: a raw grpc-js server with no gateway logic. `CallTool` streams the same two ToolEvent
// messages as the gateway's native echo; `GetPrompt` answers the same text in one unary response (the
// cheapest gRPC hop). Prints its port on stdout; exits on SIGTERM.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ContextGatewayService, Role } from '@mcs/protos';

const server = new Server();
server.addService(ContextGatewayService, {
  callTool(call) {
    const text = String(call.request.arguments?.message ?? '');
    call.write({ event: { $case: 'content', value: { index: 0, part: { $case: 'text', value: { text } } } } });
    call.write({ event: { $case: 'result', value: { isError: false, partCount: 1 } } });
    call.end();
  },
  getPrompt(call, callback) {
    const text = String(call.request.arguments?.message ?? '');
    callback(null, {
      description: '',
      messages: [{ role: Role.ROLE_ASSISTANT, content: { index: 0, part: { $case: 'text', value: { text } } } }],
    });
  },
});
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${port}\n`);
});
process.once('SIGTERM', () => server.forceShutdown());
