// The reference for "start to prompt with stdio servers": a fresh Node process with the official MCP
// SDK client that spawns the servers over stdio (all at once), completes `initialize` with each and
// lists their tools (what mcs-chat needs before its prompt), then prints `ready <ms>` (the in-process
// connect time) and exits. `sdk-client.mjs [everything|light] [count]`: server-everything (default)
// or the light echo-server.mjs; one server (default) or `count` of them, connected in parallel.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const require = createRequire(import.meta.url);
const [kind = 'everything', countArg = '1'] = process.argv.slice(2);
const count = Number(countArg);
if (!['everything', 'light'].includes(kind) || !Number.isInteger(count) || count < 1 || count > 8) {
  process.stderr.write('usage: sdk-client.mjs [everything|light] [count 1-8]\n');
  process.exit(2);
}
const args =
  kind === 'light'
    ? [fileURLToPath(new URL('./echo-server.mjs', import.meta.url))]
    : [require.resolve('@modelcontextprotocol/server-everything/dist/index.js'), 'stdio'];
const started = performance.now();
const clients = await Promise.all(
  Array.from({ length: count }, async () => {
    const client = new Client({ name: 'bench', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' }));
    await client.listTools();
    return client;
  }),
);
process.stdout.write(`ready ${(performance.now() - started).toFixed(1)}\n`);
await Promise.all(clients.map((client) => client.close()));
process.exit(0);
