// Runs a server script in this process and answers `measure` over IPC with its memory after a full
// garbage collection (needs --expose-gc), so that a bench reads what is retained, not garbage.
import { pathToFileURL } from 'node:url';

process.on('message', (message) => {
  if (message !== 'measure') return;
  for (let round = 0; round < 3; round += 1) globalThis.gc?.();
  const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
  process.send?.({ rss, heapUsed, heapTotal, external, arrayBuffers });
});
// The script sees its own arguments as if started directly.
const [script, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], script, ...args];
await import(pathToFileURL(script).href);
