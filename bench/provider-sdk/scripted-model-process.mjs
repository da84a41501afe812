// The provider-sdk tests' scripted OpenAI-compatible server in a process of its own, so that serving
// the streams costs neither side of the generateStream bench any of its CPU time. Every request gets
// the same streamed answer: BENCH_CHUNKS text chunks. Prints its base URL on stdout once listening.
import { startScriptedModel } from '../../apps/provider-sdk/test/scripted-model.ts';

const chunks = Number(process.env.BENCH_CHUNKS ?? 200);
const reply = { text: Array.from({ length: chunks }, (_, index) => `tok${index} `) };
const model = await startScriptedModel();
const refill = () => {
  model.script(Array.from({ length: 10_000 }, () => reply));
  // The server records every request body; the bench needs none of them.
  model.requests.length = 0;
};
refill();
setInterval(refill, 1_000).unref();
process.stdout.write(`${model.baseURL}\n`);
process.on('SIGTERM', () => {
  model.close().finally(() => process.exit(0));
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
