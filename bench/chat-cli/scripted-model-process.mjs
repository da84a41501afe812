// The chat-cli tests' scripted OpenAI-compatible server in a process of its own (its CPU time is not
// the CLI's): every request gets the same short streamed answer. Prints its base URL once listening.
import { startScriptedModel } from '../../apps/provider-sdk/test/scripted-model.ts';

const reply = { text: ['The answer ', 'is ', '42.'] };
const model = await startScriptedModel();
const refill = () => {
  model.script(Array.from({ length: 1_000 }, () => reply));
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
