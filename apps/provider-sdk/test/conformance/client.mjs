#!/usr/bin/env node
// Drives the provider-sdk's MCP client pool through the official conformance client scenarios
// (@modelcontextprotocol/conformance): `conformance client --command "node test/conformance/client.mjs"`
// appends the scenario server's URL and sets MCP_CONFORMANCE_SCENARIO. Runs the built package
// (dist/, via the package's own name), exactly what users import. Exit 0 = the client did its part;
// the suite's checks decide whether that was conformant.
import { createMcpClientPool } from '@mcs/provider-sdk';

const url = process.argv[2];
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';

/** What the pool does per scenario; others need client features the pool does not offer (see README). */
const scenarios = {
  async initialize(pool) {
    const { failed } = await pool.connect();
    if (failed.length > 0) throw failed[0].error;
    const { unavailable } = await pool.listTools();
    if (unavailable.length > 0) throw unavailable[0].error;
  },
  async tools_call(pool) {
    const { tools } = await pool.listTools();
    const add = tools.find((tool) => tool.backendToolName === 'add_numbers');
    if (!add) throw new Error(`no add_numbers tool; got ${tools.map((tool) => tool.name).join(', ')}`);
    const result = await pool.callTool(add.name, { a: 5, b: 3 });
    process.stdout.write(`${result.parts.map((part) => part.text ?? part.type).join('\n')}\n`);
  },
  // The server asks for a form whose fields all have defaults; accepting with nothing filled in
  // must send every default (SEP-1034): the pool fills them in from the requested schema.
  async 'elicitation-sep1034-client-defaults'(pool) {
    const { tools } = await pool.listTools();
    const tool = tools.find((entry) => entry.backendToolName === 'test_client_elicitation_defaults');
    if (!tool) throw new Error('no test_client_elicitation_defaults tool');
    const result = await pool.callTool(tool.name, {});
    process.stdout.write(`${result.parts.map((part) => part.text ?? part.type).join('\n')}\n`);
  },
  async 'sse-retry'(pool) {
    const { tools } = await pool.listTools();
    const tool = tools.find((entry) => entry.backendToolName === 'test_reconnection');
    if (!tool) throw new Error('no test_reconnection tool');
    const result = await pool.callTool(tool.name, {});
    process.stdout.write(`${result.parts.map((part) => part.text ?? part.type).join('\n')}\n`);
  },
};

/** Pool options (client features) per scenario. */
const scenarioOptions = {
  'elicitation-sep1034-client-defaults': { onElicitation: () => ({ action: 'accept', content: {} }) },
};

if (!url || !(scenario in scenarios)) {
  process.stderr.write(
    `usage: MCP_CONFORMANCE_SCENARIO=<${Object.keys(scenarios).join('|')}> client.mjs <server-url> (got "${scenario}")\n`,
  );
  process.exit(2);
}

const pool = createMcpClientPool(
  {
    backends: {
      server: {
        transport: 'http',
        url,
        // One attempt per step: the scenario servers judge exactly what the client sent.
        supervision: { health: { pingIntervalMs: 0 }, requestTimeoutMs: 20_000, connectTimeoutMs: 20_000 },
        policy: { retry: { maxRetries: 0 } },
      },
    },
    clientInfo: { name: 'mcs-provider-sdk-conformance', version: '0.1.0' },
  },
  scenarioOptions[scenario] ?? {},
);
try {
  await scenarios[scenario](pool);
  await pool.close();
  process.exit(0);
} catch (error) {
  process.stderr.write(`${scenario} failed: ${error?.stack ?? error}\n`);
  await pool.close();
  process.exit(1);
}
