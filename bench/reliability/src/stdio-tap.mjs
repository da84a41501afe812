// A transparent tap between the gateway and a stdio MCP server (server-everything): bytes pass through
// unchanged both ways; the JSON-RPC messages that matter to the cancellation check are recorded, one
// JSON line each, in the file named by the first argument: `tools/call` requests and
// `notifications/cancelled` going to the server, and responses coming back. When the server exits, the
// tap exits with it (the gateway sees its backend die, as without the tap).
// Usage: node stdio-tap.mjs <record-file> <command> [args...]
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';

const [recordFile, command, ...args] = process.argv.slice(2);
if (!recordFile || !command) {
  process.stderr.write('usage: stdio-tap.mjs <record-file> <command> [args...]\n');
  process.exit(2);
}

const server = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
const record = (entry) => appendFileSync(recordFile, `${JSON.stringify({ at: Date.now(), ...entry })}\n`);
record({ kind: 'start', pid: server.pid });

/** Calls `onMessage` with every newline-delimited JSON-RPC message of a stream (the MCP stdio framing). */
function lines(onMessage) {
  let buffered = '';
  return (chunk) => {
    buffered += chunk.toString('utf8');
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      try {
        onMessage(JSON.parse(line));
      } catch {
        // Not JSON: passed through, not recorded.
      }
      newline = buffered.indexOf('\n');
    }
  };
}

process.stdin.on(
  'data',
  lines((message) => {
    if (message.method === 'tools/call')
      record({ kind: 'call', id: message.id, tool: message.params?.name, args: message.params?.arguments });
    else if (message.method === 'notifications/cancelled') record({ kind: 'cancel', id: message.params?.requestId });
  }),
);
server.stdout.on(
  'data',
  lines((message) => {
    if (message.id !== undefined && message.method === undefined) {
      record({ kind: 'response', id: message.id, error: message.error?.code });
    }
  }),
);
process.stdin.pipe(server.stdin);
server.stdout.pipe(process.stdout);
process.stdin.on('end', () => server.stdin.end());
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => {
  record({ kind: 'exit', code, signal });
  process.exit(code ?? 1);
});
