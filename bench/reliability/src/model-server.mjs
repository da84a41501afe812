// The scripted OpenAI-compatible model (apps/provider-sdk/test/scripted-model.ts, the one imitation
// the tests allow) as its own process on a fixed port, so that the model-endpoint fault can kill -9
// it and start it again at the same address. The fixture listens on a free port; a TCP forwarder in
// this process gives it the fixed one (both die with the process). Every request gets the same answer
// (a slow first token, so that calls are in flight when the process is killed).
// Usage: node model-server.mjs <port> <firstTokenDelayMs>
import { connect, createServer } from 'node:net';
import { startScriptedModel } from '../../../apps/provider-sdk/test/scripted-model.ts';

const port = Number(process.argv[2]);
const firstTokenDelayMs = Number(process.argv[3] ?? 200);
const model = await startScriptedModel();
const target = new URL(model.baseURL);
// Refilled so that it never runs out (an exhausted script answers 500).
const reply = { text: ['the ', 'answer'], firstTokenDelayMs };
const refill = () => model.script(Array.from({ length: 10_000 }, () => reply));
refill();
setInterval(() => {
  refill();
  model.requests.length = 0;
}, 5_000).unref();

const forwarder = createServer((socket) => {
  const upstream = connect(Number(target.port), target.hostname);
  socket.pipe(upstream).pipe(socket);
  const end = () => {
    socket.destroy();
    upstream.destroy();
  };
  socket.on('error', end);
  upstream.on('error', end);
  socket.on('close', end);
  upstream.on('close', end);
});
forwarder.listen(port, '127.0.0.1', () => console.log(`model listening on 127.0.0.1:${port}`));
