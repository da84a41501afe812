// The reference for "start to prompt with one stdio server": a fresh Node process with the official
// MCP SDK client that spawns server-everything over stdio, completes `initialize` and lists its tools
// (what mcs-chat needs before its prompt), then prints `ready <ms>` (the in-process connect time) and exits.
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const require = createRequire(import.meta.url);
const everything = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const started = performance.now();
const client = new Client({ name: 'bench', version: '1.0.0' });
await client.connect(
  new StdioClientTransport({ command: process.execPath, args: [everything, 'stdio'], stderr: 'ignore' }),
);
await client.listTools();
process.stdout.write(`ready ${(performance.now() - started).toFixed(1)}\n`);
await client.close();
process.exit(0);
