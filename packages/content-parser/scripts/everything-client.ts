// Starts @modelcontextprotocol/server-everything over stdio with the official SDK client. Shared by
// the fixture recorder and the live drift test so both talk to the server in exactly the same way.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export interface EverythingConnection {
  client: Client;
  /** The server's process id, to check that closing really ended it. */
  pid: number | null;
  /** Closes the client, which ends the child process (stdin closed, then SIGTERM, then SIGKILL). */
  close(): Promise<void>;
}

/** Path of the server's `mcp-server-everything` bin, resolved from this package's dependencies. */
export function everythingServerBin(): string {
  const require = createRequire(import.meta.url);
  const packageJson = require.resolve('@modelcontextprotocol/server-everything/package.json');
  return join(dirname(packageJson), 'dist', 'index.js');
}

export async function connectEverythingServer(options: { timeoutMs: number }): Promise<EverythingConnection> {
  // The current node binary runs the bin, so the server sees the same Node 24 as the caller.
  // Its stderr (startup banner, logs) is ignored: nothing reads it, and an unread pipe could fill up.
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [everythingServerBin(), 'stdio'],
    stderr: 'ignore',
  });
  const client = new Client({ name: 'mcs-content-parser', version: '0.1.0' });
  try {
    await client.connect(transport, { timeout: options.timeoutMs });
  } catch (error) {
    await transport.close();
    throw error;
  }
  return { client, pid: transport.pid, close: () => client.close() };
}
